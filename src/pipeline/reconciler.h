// Reconciler: images put straight into the blob store (with the bucket's or
// container's own tools, not through the API) get analysed too. On a schedule
// it lists the store under a prefix and adopts every blob that has no
// document yet (Ingest::Adopt: check it, move it under the image's own key,
// create its document and BlobCreated event) — the reference design's polling
// blob trigger. Adopted blobs leave the prefix, so a pass lists only what is
// still to adopt (and what was refused), not everything ever dropped.
//
// Checkpoint: a pass that lists everything without a store error remembers
// when it started; later passes skip blobs last modified more than `skew`
// before that time, so only new blobs cost a metadata lookup. A process that
// starts (or a pass that failed) looks every blob up once; that is a GetImage
// per blob, never a read of its bytes when it is known.
//
// Safe in several processes at once: a found blob's image id is derived from
// its key and modification time, so two reconcilers create one document.
// Blobs that are not acceptable images are logged and left alone (again on
// each pass while they are newer than the checkpoint allows, and after a
// restart); keys that are not valid blob keys are skipped by the store's List.
// Orphan blobs (an upload whose document was never committed) are not the
// reconciler's business: it only looks under its prefix.
//
// Thread-safety: Start/Stop from any thread; RunOnce is for tests and tools
// and must not run while the thread does.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "blob/blob_store.h"
#include "core/clock.h"
#include "pipeline/ingest.h"

namespace ocula {

struct ReconcilerOptions {
  std::string prefix = "incoming/";  // where users drop images
  std::chrono::milliseconds interval{30'000};
  size_t page_size = 500;
  // Allowance for clocks of the store and of Ocula that differ, and for
  // stores that list a new blob a little late.
  std::chrono::milliseconds skew{120'000};
};

struct ReconcileStats {
  int64_t listed = 0;    // blobs under the prefix
  int64_t skipped = 0;   // older than the checkpoint
  int64_t known = 0;     // had a document already
  int64_t adopted = 0;   // documents created
  int64_t rejected = 0;  // not acceptable images
};

class Reconciler {
 public:
  Reconciler(BlobStore& blobs, Ingest& ingest, Clock& clock, ReconcilerOptions options);
  ~Reconciler();
  Reconciler(const Reconciler&) = delete;
  Reconciler& operator=(const Reconciler&) = delete;

  void Start();
  void Stop();

  // One pass over the prefix. A store error ends the pass and is returned
  // (the checkpoint stays where it was).
  StatusOr<ReconcileStats> RunOnce();

 private:
  void Run();

  BlobStore& blobs_;
  Ingest& ingest_;
  Clock& clock_;
  const ReconcilerOptions options_;
  int64_t checkpoint_ms_ = 0;  // start of the last complete pass

  absl::Mutex mu_;
  absl::CondVar cv_;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::thread thread_;
};

}  // namespace ocula
