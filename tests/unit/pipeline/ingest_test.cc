#include "pipeline/ingest.h"

#include "blob/blob_store_faulty.h"
#include "fixtures.h"
#include "http_client.h"
#include "test_images.h"

namespace ocula {
namespace {

std::string DogJpeg() {
  return testing::ReadFile(testing::ServerProcess::SharedDir() + "/testdata/detect/dog.jpg");
}

class IngestTest : public PipelineFixture {};

TEST_F(IngestTest, UploadStoresBlobDocumentAndEventTogether) {
  int notified = 0;
  Ingest ingest(blobs_, *metadata_, ImageLimits{}, Clock::Real(), [&] { ++notified; });
  std::string jpeg = DogJpeg();
  auto result = ingest.Upload({jpeg, "image/jpeg", "", "req-1"});
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_TRUE(result->created);
  EXPECT_EQ(notified, 1);
  const ImageRecord& image = result->image;
  EXPECT_EQ(image.status, ImageStatus::kPending);
  EXPECT_EQ(image.content_type, "image/jpeg");
  EXPECT_EQ(image.size, jpeg.size());
  EXPECT_EQ(*blobs_.Get(image.blob_key), jpeg);
  auto outbox = metadata_->PendingOutbox(10);
  ASSERT_TRUE(outbox.ok());
  ASSERT_EQ(outbox->size(), 1u);
  EXPECT_NE((*outbox)[0].payload.find(image.id), std::string::npos);
}

TEST_F(IngestTest, SniffedTypeWinsOverDeclaredImageType) {
  Ingest ingest(blobs_, *metadata_, ImageLimits{}, Clock::Real(), nullptr);
  auto result = ingest.Upload({DogJpeg(), "image/png", "", ""});
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(result->image.content_type, "image/jpeg");
}

TEST_F(IngestTest, BlobWriteFailureCreatesNoDocument) {
  FaultyBlobStore faulty(blobs_);
  faulty.FailPutsAfterBytes(0);
  Ingest ingest(faulty, *metadata_, ImageLimits{}, Clock::Real(), nullptr);
  auto result = ingest.Upload({DogJpeg(), "image/jpeg", "", ""});
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(ReasonOf(result.status()), reason::kInsufficientStorage);
  EXPECT_TRUE(metadata_->ListImages({})->images.empty());
  EXPECT_TRUE(metadata_->PendingOutbox(10)->empty());
}

TEST_F(IngestTest, RejectsBeforeStoring) {
  Ingest ingest(blobs_, *metadata_, ImageLimits{}, Clock::Real(), nullptr);
  EXPECT_EQ(ReasonOf(ingest.Upload({DogJpeg(), "text/html", "", ""}).status()),
            reason::kUnsupportedMediaType);
  EXPECT_EQ(ReasonOf(ingest.Upload({"", "image/jpeg", "", ""}).status()),
            reason::kInvalidImageFormat);
  EXPECT_EQ(ReasonOf(ingest.Upload({testing::BlackPng(1, 1), "image/png", "", ""}).status()),
            reason::kInvalidImageSize);
  EXPECT_TRUE(blobs_.List("", "", 10)->empty());
  EXPECT_TRUE(metadata_->ListImages({})->images.empty());
}

TEST_F(IngestTest, IdempotencyKeyReturnsTheFirstImageAndKeepsNoSecondBlob) {
  Ingest ingest(blobs_, *metadata_, ImageLimits{}, Clock::Real(), nullptr);
  auto first = ingest.Upload({DogJpeg(), "image/jpeg", "key-1", ""});
  auto second = ingest.Upload({DogJpeg(), "image/jpeg", "key-1", ""});
  ASSERT_TRUE(first.ok() && second.ok());
  EXPECT_FALSE(second->created);
  EXPECT_EQ(second->image.id, first->image.id);
  EXPECT_EQ(blobs_.List("", "", 10)->size(), 1u);
}

TEST_F(IngestTest, DeleteRemovesDocumentAndBlob) {
  Ingest ingest(blobs_, *metadata_, ImageLimits{}, Clock::Real(), nullptr);
  auto image = ingest.Upload({DogJpeg(), "image/jpeg", "", ""});
  ASSERT_TRUE(image.ok());
  ASSERT_TRUE(ingest.Delete(image->image.id).ok());
  EXPECT_EQ(metadata_->GetImage(image->image.id).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(blobs_.Get(image->image.blob_key).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(ingest.Delete(image->image.id).code(), StatusCode::kNotFound);
}

TEST(ContentTypeTest, AcceptsImagesAndOctetStreamOnly) {
  EXPECT_TRUE(IsAcceptableImageContentType("image/jpeg"));
  EXPECT_TRUE(IsAcceptableImageContentType("application/octet-stream; charset=binary"));
  EXPECT_FALSE(IsAcceptableImageContentType("text/plain"));
  EXPECT_FALSE(IsAcceptableImageContentType("application/json"));
}

}  // namespace
}  // namespace ocula
