#include "app/cli.h"

#include <CLI/CLI.hpp>
#include <iostream>

#include "app/keys.h"
#include "app/serve.h"
#include "core/config.h"
#include "core/log.h"

#ifndef OCULA_VERSION
#define OCULA_VERSION "dev"
#endif

namespace ocula {
namespace {

// Flags that map onto settings keys (see core/config.cc).
struct SettingFlags {
  std::string config_file;
  std::map<std::string, std::string> values;

  void AddTo(CLI::App& cmd, const std::string& flag, const std::string& key,
             const std::string& help) {
    cmd.add_option_function<std::string>(
        flag, [this, key](const std::string& v) { values[key] = v; }, help);
  }
};

void PrintSettingsMarkdown() {
  std::cout << "| key | environment | default | meaning |\n|---|---|---|---|\n";
  Config defaults;
  for (const Setting& s : Settings()) {
    std::string value = s.get(defaults);
    std::cout << "| `" << s.key << "` | `" << s.env << "` | "
              << (value.empty() ? "" : "`" + value + "`") << " | " << s.help << " |\n";
  }
}

StatusOr<Config> Load(const SettingFlags& flags) {
  auto config = LoadConfig(flags.config_file, ProcessEnv(), flags.values);
  if (!config.ok()) return config;
  OCULA_RETURN_IF_ERROR(InitLogging(config->log_level, config->log_format));
  return config;
}

}  // namespace

int RunCli(int argc, char** argv) {
  CLI::App app{"Ocula: self-hosted image analysis"};
  app.require_subcommand(1);

  SettingFlags serve_flags;
  std::string role_text = "all";
  CLI::App* serve = app.add_subcommand("serve", "Run the HTTP API and the analysis workers");
  serve->add_option("--config", serve_flags.config_file, "TOML configuration file");
  serve_flags.AddTo(*serve, "--data-dir", "data_dir", "Data directory (default ./data)");
  serve_flags.AddTo(*serve, "--listen", "server.listen", "Listen address (default 127.0.0.1:8080)");
  serve_flags.AddTo(*serve, "--blob", "storage.blob", "Blob store URI");
  serve_flags.AddTo(*serve, "--metadata", "storage.metadata", "Metadata store URI");
  serve_flags.AddTo(*serve, "--events", "storage.events", "Event bus URI");
  serve_flags.AddTo(*serve, "--engine", "vision.engine", "onnxruntime or opencv");
  serve_flags.AddTo(*serve, "--model-dir", "vision.model_dir", "Model directory");
  serve_flags.AddTo(*serve, "--workers", "workers.threads", "Analysis threads (0 = one per core)");
  serve->add_option("--role", role_text, "all, api (HTTP + outbox) or worker (analysis)")
      ->check(CLI::IsMember({"all", "api", "worker"}));

  SettingFlags analyze_flags;
  std::vector<std::string> files;
  CLI::App* analyze = app.add_subcommand("analyze", "Analyse image files, print JSON lines");
  analyze->add_option("--config", analyze_flags.config_file, "TOML configuration file");
  analyze_flags.AddTo(*analyze, "--engine", "vision.engine", "onnxruntime or opencv");
  analyze_flags.AddTo(*analyze, "--model-dir", "vision.model_dir", "Model directory");
  analyze->add_option("files", files, "Image files")->required()->check(CLI::ExistingFile);

  SettingFlags keys_flags;
  KeyCommand key_command;
  CLI::App* keys = app.add_subcommand("keys", "Create, list and revoke API keys");
  keys->add_option("--config", keys_flags.config_file, "TOML configuration file");
  keys_flags.AddTo(*keys, "--data-dir", "data_dir", "Data directory (default ./data)");
  keys_flags.AddTo(*keys, "--metadata", "storage.metadata", "Metadata store URI (keys live there)");
  keys->require_subcommand(1);
  keys->fallthrough();  // --data-dir etc. may follow the action
  CLI::App* create = keys->add_subcommand("create", "Create a key; prints it once on stdout");
  create->add_option("--name", key_command.name, "What the key is for")->required();
  create
      ->add_option("--scopes", key_command.scopes,
                   "Comma-separated: images:write, images:read, images:delete, analyze, admin")
      ->required();
  create->add_option("--rate", key_command.rate_per_s,
                     "Requests per second (0 = unlimited; default server.key_rate_per_s)");
  create->add_option("--expires-in-days", key_command.expires_in_days, "Days until it expires");
  CLI::App* list = keys->add_subcommand("list", "List keys (never their secrets)");
  list->add_flag("--json", key_command.json, "One JSON object per line");
  CLI::App* revoke = keys->add_subcommand("revoke", "Revoke a key by id (no restart needed)");
  revoke->add_option("id", key_command.id, "Key id (see keys list)")->required();

  CLI::App* version = app.add_subcommand("version", "Print the version");
  CLI::App* settings = app.add_subcommand("settings", "Print every setting as a Markdown table");

  CLI11_PARSE(app, argc, argv);

  if (version->parsed()) {
    std::cout << "ocula " << OCULA_VERSION << "\n";
    return 0;
  }
  if (settings->parsed()) {
    PrintSettingsMarkdown();
    return 0;
  }
  SettingFlags& flags = serve->parsed() ? serve_flags : keys->parsed() ? keys_flags : analyze_flags;
  auto config = Load(flags);
  if (!config.ok()) {
    std::cerr << "ocula: configuration error: " << config.status().message() << "\n";
    return 2;
  }
  if (analyze->parsed()) return AnalyzeFiles(*config, files);
  if (keys->parsed()) {
    key_command.action = create->parsed() ? "create" : revoke->parsed() ? "revoke" : "list";
    return RunKeyCommand(*config, key_command);
  }
  Role role = role_text == "api" ? Role::kApi : role_text == "worker" ? Role::kWorker : Role::kAll;
  return Serve(*config, role);
}

}  // namespace ocula
