#include "metadata/metadata_store_faulty.h"

namespace ocula {

StatusOr<CreateResult> FaultyMetadataStore::CreateImage(const ImageRecord& image,
                                                        const OutboxEvent& event) {
  return plan_.Forward(MetadataOp::kCreateImage, [&] { return inner_.CreateImage(image, event); });
}

StatusOr<ImageRecord> FaultyMetadataStore::GetImage(const std::string& id) {
  return plan_.Forward(MetadataOp::kGetImage, [&] { return inner_.GetImage(id); });
}

StatusOr<ImagePage> FaultyMetadataStore::ListImages(const ListQuery& query) {
  return plan_.Forward(MetadataOp::kListImages, [&] { return inner_.ListImages(query); });
}

Status FaultyMetadataStore::DeleteImage(const std::string& id) {
  return plan_.Forward(MetadataOp::kDeleteImage, [&] { return inner_.DeleteImage(id); });
}

Status FaultyMetadataStore::MarkProcessing(const std::string& id) {
  return plan_.Forward(MetadataOp::kMarkProcessing, [&] { return inner_.MarkProcessing(id); });
}

Status FaultyMetadataStore::SetResult(const std::string& id, const ImageResult& result) {
  return plan_.Forward(MetadataOp::kSetResult, [&] { return inner_.SetResult(id, result); });
}

Status FaultyMetadataStore::PutEmbedding(const std::string& id, const std::string& model,
                                         std::span<const float> vector) {
  return plan_.Forward(MetadataOp::kPutEmbedding, [&] { return inner_.PutEmbedding(id, model, vector); });
}

StatusOr<std::vector<float>> FaultyMetadataStore::GetEmbedding(const std::string& id,
                                                               const std::string& model) {
  return plan_.Forward(MetadataOp::kGetEmbedding, [&] { return inner_.GetEmbedding(id, model); });
}

StatusOr<std::vector<OutboxEvent>> FaultyMetadataStore::PendingOutbox(size_t limit) {
  return plan_.Forward(MetadataOp::kPendingOutbox, [&] { return inner_.PendingOutbox(limit); });
}

Status FaultyMetadataStore::MarkRelayed(const std::vector<std::string>& event_ids) {
  return plan_.Forward(MetadataOp::kMarkRelayed, [&] { return inner_.MarkRelayed(event_ids); });
}

StatusOr<std::vector<LabelCount>> FaultyMetadataStore::CountLabels(LabelKind kind, size_t limit) {
  return plan_.Forward(MetadataOp::kCountLabels, [&] { return inner_.CountLabels(kind, limit); });
}

StatusOr<ChangePage> FaultyMetadataStore::ChangesSince(int64_t after, size_t limit) {
  return plan_.Forward(MetadataOp::kChangesSince, [&] { return inner_.ChangesSince(after, limit); });
}

StatusOr<std::map<ImageStatus, int64_t>> FaultyMetadataStore::CountByStatus() {
  return plan_.Forward(MetadataOp::kCountByStatus, [&] { return inner_.CountByStatus(); });
}

Status FaultyMetadataStore::CheckHealth() {
  return plan_.Forward(MetadataOp::kCheckHealth, [&] { return inner_.CheckHealth(); });
}

}  // namespace ocula
