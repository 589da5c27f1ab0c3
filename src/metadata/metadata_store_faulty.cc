#include "metadata/metadata_store_faulty.h"

namespace ocula {

void FaultyMetadataStore::FailNext(MetadataOp op, int count, Status status, FaultTiming timing) {
  absl::MutexLock lock(&mu_);
  faults_[static_cast<size_t>(op)] = Fault{count, std::move(status), timing};
}

void FaultyMetadataStore::FailEverything(Status status) {
  absl::MutexLock lock(&mu_);
  fail_everything_ = std::move(status);
}

void FaultyMetadataStore::Clear() {
  absl::MutexLock lock(&mu_);
  faults_ = {};
  fail_everything_ = absl::OkStatus();
}

int FaultyMetadataStore::injected(MetadataOp op) const {
  absl::MutexLock lock(&mu_);
  return injected_[static_cast<size_t>(op)];
}

FaultyMetadataStore::Decision FaultyMetadataStore::TakeFault(MetadataOp op) {
  absl::MutexLock lock(&mu_);
  const size_t i = static_cast<size_t>(op);
  if (!fail_everything_.ok()) {
    ++injected_[i];
    return {fail_everything_, absl::OkStatus()};
  }
  Fault& fault = faults_[i];
  if (fault.remaining <= 0) return {};
  --fault.remaining;
  ++injected_[i];
  if (fault.timing == FaultTiming::kAfterForwarding) return {absl::OkStatus(), fault.status};
  return {fault.status, absl::OkStatus()};
}

template <typename Call>
auto FaultyMetadataStore::Forward(MetadataOp op, Call call) -> decltype(call()) {
  Decision decision = TakeFault(op);
  if (!decision.before.ok()) return decision.before;
  auto result = call();
  if (!decision.after.ok()) return decision.after;
  return result;
}

StatusOr<CreateResult> FaultyMetadataStore::CreateImage(const ImageRecord& image,
                                                        const OutboxEvent& event) {
  return Forward(MetadataOp::kCreateImage, [&] { return inner_.CreateImage(image, event); });
}

StatusOr<ImageRecord> FaultyMetadataStore::GetImage(const std::string& id) {
  return Forward(MetadataOp::kGetImage, [&] { return inner_.GetImage(id); });
}

StatusOr<ImagePage> FaultyMetadataStore::ListImages(const ListQuery& query) {
  return Forward(MetadataOp::kListImages, [&] { return inner_.ListImages(query); });
}

Status FaultyMetadataStore::DeleteImage(const std::string& id) {
  return Forward(MetadataOp::kDeleteImage, [&] { return inner_.DeleteImage(id); });
}

Status FaultyMetadataStore::MarkProcessing(const std::string& id) {
  return Forward(MetadataOp::kMarkProcessing, [&] { return inner_.MarkProcessing(id); });
}

Status FaultyMetadataStore::SetResult(const std::string& id, const ImageResult& result) {
  return Forward(MetadataOp::kSetResult, [&] { return inner_.SetResult(id, result); });
}

Status FaultyMetadataStore::PutEmbedding(const std::string& id, const std::string& model,
                                         std::span<const float> vector) {
  return Forward(MetadataOp::kPutEmbedding, [&] { return inner_.PutEmbedding(id, model, vector); });
}

StatusOr<std::vector<float>> FaultyMetadataStore::GetEmbedding(const std::string& id,
                                                               const std::string& model) {
  return Forward(MetadataOp::kGetEmbedding, [&] { return inner_.GetEmbedding(id, model); });
}

StatusOr<std::vector<OutboxEvent>> FaultyMetadataStore::PendingOutbox(size_t limit) {
  return Forward(MetadataOp::kPendingOutbox, [&] { return inner_.PendingOutbox(limit); });
}

Status FaultyMetadataStore::MarkRelayed(const std::vector<std::string>& event_ids) {
  return Forward(MetadataOp::kMarkRelayed, [&] { return inner_.MarkRelayed(event_ids); });
}

StatusOr<std::vector<LabelCount>> FaultyMetadataStore::CountLabels(LabelKind kind, size_t limit) {
  return Forward(MetadataOp::kCountLabels, [&] { return inner_.CountLabels(kind, limit); });
}

StatusOr<ChangePage> FaultyMetadataStore::ChangesSince(int64_t after, size_t limit) {
  return Forward(MetadataOp::kChangesSince, [&] { return inner_.ChangesSince(after, limit); });
}

StatusOr<std::map<ImageStatus, int64_t>> FaultyMetadataStore::CountByStatus() {
  return Forward(MetadataOp::kCountByStatus, [&] { return inner_.CountByStatus(); });
}

Status FaultyMetadataStore::CheckHealth() {
  return Forward(MetadataOp::kCheckHealth, [&] { return inner_.CheckHealth(); });
}

}  // namespace ocula
