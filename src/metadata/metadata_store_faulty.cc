#include "metadata/metadata_store_faulty.h"

namespace ocula {

StatusOr<CreateResult> FaultyMetadataStore::CreateImage(const ImageRecord& image,
                                                        const OutboxEvent& event) {
  return plan_.Forward(MetadataOp::kCreateImage,
                       [&] { return target().CreateImage(image, event); });
}

StatusOr<ImageRecord> FaultyMetadataStore::GetImage(const std::string& id) {
  return plan_.Forward(MetadataOp::kGetImage, [&] { return target().GetImage(id); });
}

StatusOr<ImagePage> FaultyMetadataStore::ListImages(const ListQuery& query) {
  return plan_.Forward(MetadataOp::kListImages, [&] { return target().ListImages(query); });
}

Status FaultyMetadataStore::DeleteImage(const std::string& id) {
  return plan_.Forward(MetadataOp::kDeleteImage, [&] { return target().DeleteImage(id); });
}

Status FaultyMetadataStore::MarkProcessing(const std::string& id) {
  return plan_.Forward(MetadataOp::kMarkProcessing, [&] { return target().MarkProcessing(id); });
}

Status FaultyMetadataStore::SetResult(const std::string& id, const ImageResult& result) {
  return plan_.Forward(MetadataOp::kSetResult, [&] { return target().SetResult(id, result); });
}

Status FaultyMetadataStore::PutEmbedding(const std::string& id, const std::string& model,
                                         std::span<const float> vector) {
  return plan_.Forward(MetadataOp::kPutEmbedding,
                       [&] { return target().PutEmbedding(id, model, vector); });
}

StatusOr<std::vector<float>> FaultyMetadataStore::GetEmbedding(const std::string& id,
                                                               const std::string& model) {
  return plan_.Forward(MetadataOp::kGetEmbedding, [&] { return target().GetEmbedding(id, model); });
}

StatusOr<std::vector<OutboxEvent>> FaultyMetadataStore::PendingOutbox(size_t limit) {
  return plan_.Forward(MetadataOp::kPendingOutbox, [&] { return target().PendingOutbox(limit); });
}

Status FaultyMetadataStore::MarkRelayed(const std::vector<std::string>& event_ids) {
  return plan_.Forward(MetadataOp::kMarkRelayed, [&] { return target().MarkRelayed(event_ids); });
}

StatusOr<std::vector<LabelCount>> FaultyMetadataStore::CountLabels(LabelKind kind, size_t limit) {
  return plan_.Forward(MetadataOp::kCountLabels, [&] { return target().CountLabels(kind, limit); });
}

StatusOr<ChangePage> FaultyMetadataStore::ChangesSince(int64_t after, size_t limit) {
  return plan_.Forward(MetadataOp::kChangesSince,
                       [&] { return target().ChangesSince(after, limit); });
}

StatusOr<std::map<ImageStatus, int64_t>> FaultyMetadataStore::CountByStatus() {
  return plan_.Forward(MetadataOp::kCountByStatus, [&] { return target().CountByStatus(); });
}

Status FaultyMetadataStore::CheckHealth() {
  return plan_.Forward(MetadataOp::kCheckHealth, [&] { return target().CheckHealth(); });
}

}  // namespace ocula
