// BlobStore: where the original image bytes live (the reference design's Blob
// Storage). Keys are relative paths of [A-Za-z0-9._/-] without "..", chosen
// by Ocula ("images/01J.../original").
//
// Implementations: blob_store_fs (files under a directory, the embedded
// default), blob_store_memory (in-memory fake for unit tests),
// blob_store_faulty (a decorator that injects errors for fault tests).
// Every implementation passes tests/unit/storage/blob_store_contract_test.cc.
//
// Thread-safety: implementations are safe for concurrent use.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace ocula {

struct BlobInfo {
  std::string key;
  uint64_t size = 0;
  int64_t modified_ms = 0;
};

// Sequential reader over one blob. Not safe for concurrent use.
class BlobReader {
 public:
  virtual ~BlobReader() = default;
  // Reads up to `n` bytes into `buf`; returns the count, 0 at the end.
  virtual StatusOr<size_t> Read(char* buf, size_t n) = 0;
  virtual uint64_t size() const = 0;
};

class BlobStore {
 public:
  virtual ~BlobStore() = default;

  // Stores `data` under `key`, replacing any blob there. Atomic: a reader sees
  // the old bytes or all the new ones, never a part. When OK is returned the
  // blob is durable (survives a crash or power loss).
  // Errors: InvalidArgument (bad key), ResourceExhausted with reason
  // InsufficientStorage (disk full), Unavailable (transient), Internal.
  virtual Status Put(std::string_view key, std::string_view data) = 0;

  // Opens `key` for streaming. NotFound when absent.
  virtual StatusOr<std::unique_ptr<BlobReader>> Open(std::string_view key) = 0;

  // Reads the whole blob. NotFound when absent.
  virtual StatusOr<std::string> Get(std::string_view key);

  // Size and time of `key`. NotFound when absent.
  virtual StatusOr<BlobInfo> Stat(std::string_view key) = 0;

  // Removes `key`. NotFound when absent.
  virtual Status Delete(std::string_view key) = 0;

  // Up to `limit` blobs whose keys start with `prefix` and sort after
  // `start_after`, in key order (used by the reconciler to page through).
  virtual StatusOr<std::vector<BlobInfo>> List(std::string_view prefix,
                                               std::string_view start_after, size_t limit) = 0;

  // OK when the store is reachable and writable.
  virtual Status CheckHealth() = 0;
};

// Forwards every call to `target`, so that a decorator (read-only view, fault
// injection, metrics) overrides only what it changes, as leveldb's
// EnvWrapper. Thread-safety: that of the target.
class ForwardingBlobStore : public BlobStore {
 public:
  explicit ForwardingBlobStore(BlobStore& target) : target_(target) {}

  Status Put(std::string_view key, std::string_view data) override {
    return target_.Put(key, data);
  }
  StatusOr<std::unique_ptr<BlobReader>> Open(std::string_view key) override {
    return target_.Open(key);
  }
  StatusOr<std::string> Get(std::string_view key) override { return target_.Get(key); }
  StatusOr<BlobInfo> Stat(std::string_view key) override { return target_.Stat(key); }
  Status Delete(std::string_view key) override { return target_.Delete(key); }
  StatusOr<std::vector<BlobInfo>> List(std::string_view prefix, std::string_view start_after,
                                       size_t limit) override {
    return target_.List(prefix, start_after, limit);
  }
  Status CheckHealth() override { return target_.CheckHealth(); }

 protected:
  BlobStore& target() const { return target_; }

 private:
  BlobStore& target_;
};

// True when `key` is a valid blob key (see above).
bool IsValidBlobKey(std::string_view key);

}  // namespace ocula
