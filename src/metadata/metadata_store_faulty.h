// FaultyMetadataStore: a forwarding decorator over another MetadataStore that
// injects errors, for fault tests. Without faults configured it behaves
// exactly like the store it wraps.
//
//   auto inner = *OpenSqliteMetadataStore(path);
//   FaultyMetadataStore store(*inner);
//   store.FailNext(MetadataOp::kCreateImage, 1, absl::UnavailableError("db down"));
//   store.FailNext(MetadataOp::kSetResult, 1, absl::UnavailableError("reply lost"),
//                  FaultTiming::kAfterForwarding);
//
// FaultTiming::kInsteadOfCall (the default) fails the call without touching
// the wrapped store: for a transactional call (CreateImage, DeleteImage) that
// is exactly what the caller sees when the transaction fails part-way and is
// rolled back. kAfterForwarding lets the call commit and then reports the
// error anyway: a reply lost on the way back, so the caller cannot tell
// whether its write happened.
//
// Thread-safety: safe for concurrent use; faults may be changed while other
// threads call the store. `inner` must outlive this object.
#pragma once

#include <array>
#include <cstddef>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "metadata/metadata_store.h"

namespace ocula {

enum class MetadataOp {
  kCreateImage,
  kGetImage,
  kListImages,
  kDeleteImage,
  kMarkProcessing,
  kSetResult,
  kPutEmbedding,
  kGetEmbedding,
  kPendingOutbox,
  kMarkRelayed,
  kCountLabels,
  kChangesSince,
  kCountByStatus,
  kCheckHealth,
};

enum class FaultTiming { kInsteadOfCall, kAfterForwarding };

class FaultyMetadataStore : public MetadataStore {
 public:
  explicit FaultyMetadataStore(MetadataStore& inner) : inner_(inner) {}

  // The next `count` calls of `op` return `status` (which must not be OK).
  void FailNext(MetadataOp op, int count, Status status,
                FaultTiming timing = FaultTiming::kInsteadOfCall);
  // Every call of every operation fails with `status` (Unavailable: "the
  // database is down") until Clear(); nothing is forwarded meanwhile.
  void FailEverything(Status status);
  // Removes all configured faults.
  void Clear();
  // How many calls of `op` have failed by injection so far.
  int injected(MetadataOp op) const;

  StatusOr<CreateResult> CreateImage(const ImageRecord& image, const OutboxEvent& event) override;
  StatusOr<ImageRecord> GetImage(const std::string& id) override;
  StatusOr<ImagePage> ListImages(const ListQuery& query) override;
  Status DeleteImage(const std::string& id) override;
  Status MarkProcessing(const std::string& id) override;
  Status SetResult(const std::string& id, const ImageResult& result) override;
  Status PutEmbedding(const std::string& id, const std::string& model,
                      std::span<const float> vector) override;
  StatusOr<std::vector<float>> GetEmbedding(const std::string& id,
                                            const std::string& model) override;
  StatusOr<std::vector<OutboxEvent>> PendingOutbox(size_t limit) override;
  Status MarkRelayed(const std::vector<std::string>& event_ids) override;
  StatusOr<std::vector<LabelCount>> CountLabels(LabelKind kind, size_t limit) override;
  StatusOr<ChangePage> ChangesSince(int64_t after, size_t limit) override;
  StatusOr<std::map<ImageStatus, int64_t>> CountByStatus() override;
  Status CheckHealth() override;

 private:
  struct Fault {
    int remaining = 0;
    Status status;
    FaultTiming timing = FaultTiming::kInsteadOfCall;
  };
  // What an injected fault does to one call.
  struct Decision {
    Status before;  // not OK: fail instead of forwarding
    Status after;   // not OK: forward, then fail
  };
  static constexpr size_t kOpCount = static_cast<size_t>(MetadataOp::kCheckHealth) + 1;

  Decision TakeFault(MetadataOp op);

  // Runs `call` (which forwards to inner_) under the fault for `op`.
  template <typename Call>
  auto Forward(MetadataOp op, Call call) -> decltype(call());

  MetadataStore& inner_;
  mutable absl::Mutex mu_;
  std::array<Fault, kOpCount> faults_ ABSL_GUARDED_BY(mu_);
  std::array<int, kOpCount> injected_ ABSL_GUARDED_BY(mu_) = {};
  Status fail_everything_ ABSL_GUARDED_BY(mu_);
};

}  // namespace ocula
