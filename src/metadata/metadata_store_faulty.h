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

#include "core/fault_plan.h"
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

class FaultyMetadataStore : public ForwardingMetadataStore {
 public:
  explicit FaultyMetadataStore(MetadataStore& inner) : ForwardingMetadataStore(inner) {}

  // The next `count` calls of `op` return `status` (which must not be OK).
  void FailNext(MetadataOp op, int count, Status status,
                FaultTiming timing = FaultTiming::kInsteadOfCall) {
    plan_.FailNext(op, count, std::move(status), timing);
  }
  // Every call of every operation fails with `status` (Unavailable: "the
  // database is down") until Clear(); nothing is forwarded meanwhile.
  void FailEverything(Status status) { plan_.FailEverything(std::move(status)); }
  // Removes all configured faults.
  void Clear() { plan_.Clear(); }
  // How many calls of `op` have failed by injection so far.
  int injected(MetadataOp op) const { return plan_.injected(op); }

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
  FaultPlan<MetadataOp> plan_;
};

}  // namespace ocula
