// API keys at the command line and at start-up.
//
// EnsureAdminKey runs before `ocula serve` answers requests, so that there is
// always a way in:
//  - with server.admin_key / server.admin_key_file (OCULA_ADMIN_KEY /
//    OCULA_ADMIN_KEY_FILE) that text becomes the key "admin" (replacing an
//    earlier one): automated deployments choose their own secret;
//  - otherwise, when no key is active, a new admin key is generated and
//    written to DATA_DIR/admin.key (mode 0600), and the log says where.
//
// `ocula keys create|list|revoke` work on the same store, with or without a
// server running.
#pragma once

#include <string>
#include <vector>

#include "auth/key_store.h"
#include "core/clock.h"
#include "core/config.h"

namespace ocula {

// See above. Errors: an unreadable key file, a key shorter than 16
// characters, a key file that cannot be written, store errors.
Status EnsureAdminKey(KeyStore& keys, const Config& config, Clock& clock);

struct KeyCommand {
  std::string action;  // "create", "list", "revoke"
  std::string name;
  std::string scopes;       // comma-separated
  int64_t rate_per_s = -1;  // -1 = server.key_rate_per_s
  int64_t expires_in_days = 0;
  std::string id;     // for revoke
  bool json = false;  // list as JSON lines
};

// Runs `ocula keys …`; returns the process exit code.
int RunKeyCommand(const Config& config, const KeyCommand& command);

}  // namespace ocula
