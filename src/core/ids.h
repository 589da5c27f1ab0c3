// Identifiers for images, events and requests.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace ocula {

// A new 26-character ULID (48-bit millisecond time + 80 random bits, Crockford
// base32): unique, and ordered by creation time when compared as strings, which
// is what newest-first listing and cursors rely on. Safe for concurrent use.
std::string NewId(int64_t now_ms);

// The same shape as NewId, with the 80 bits taken from SHA-256(seed) instead
// of chance: every process that sees the same (time, seed) makes the same id.
// The reconciler names images of blobs found in the store this way, so two
// reconcilers finding one blob create one document.
std::string IdFromSeed(int64_t time_ms, std::string_view seed);

// True when `id` has the shape NewId produces (guards path parameters).
bool IsValidId(std::string_view id);

// A random RFC 4122 version-4 UUID in its lowercase text form
// ("0f8fad5b-d9cb-469f-a165-70867728950e"), for ids that clients of Azure's
// contracts check as UUIDs (Read operation ids). Safe for concurrent use.
std::string NewUuid();

// An image id (NewId's 26 characters: 128 bits) written as a UUID, for the
// contracts whose clients check image ids as UUIDs (Custom Vision), and
// back. UuidToId returns "" for text that is not a UUID; IdToUuid returns ""
// for text that is not an id.
std::string IdToUuid(std::string_view id);
std::string UuidToId(std::string_view uuid);

// A random 16-hex-character token (request ids, lease receipts).
std::string RandomToken();

}  // namespace ocula
