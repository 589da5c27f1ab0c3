// BlobCreated payloads: round trip and the Event Grid shape (CONTRACTS.md §2).
#include "events/blob_created.h"

#include <gtest/gtest.h>

#include "nlohmann/json.hpp"

namespace ocula {
namespace {

BlobCreated Sample() {
  BlobCreated event;
  event.event_id = "ev-01HZX";
  event.image_id = "01HZXABCDEFGHJKMNPQRSTVWXY";
  event.blob_key = "images/01HZXABCDEFGHJKMNPQRSTVWXY/original";
  event.content_type = "image/jpeg";
  event.sha256 = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";
  event.request_id = "0123456789abcdef";
  event.size = 524288;
  event.time_ms = 1'763'769'000'123;
  return event;
}

TEST(BlobCreatedTest, PayloadRoundTrips) {
  const BlobCreated event = Sample();
  auto parsed = ParseBlobCreatedPayload(MakeBlobCreatedPayload(event));
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(parsed->event_id, event.event_id);
  EXPECT_EQ(parsed->image_id, event.image_id);
  EXPECT_EQ(parsed->blob_key, event.blob_key);
  EXPECT_EQ(parsed->content_type, event.content_type);
  EXPECT_EQ(parsed->sha256, event.sha256);
  EXPECT_EQ(parsed->request_id, event.request_id);
  EXPECT_EQ(parsed->size, event.size);
  EXPECT_EQ(parsed->time_ms, event.time_ms);
}

TEST(BlobCreatedTest, PayloadHasTheEventGridShape) {
  auto json = nlohmann::json::parse(MakeBlobCreatedPayload(Sample()));
  ASSERT_TRUE(json.is_object());  // one event, not an array
  EXPECT_EQ(json["topic"], "/ocula/blobstores/default");
  EXPECT_EQ(json["subject"],
            "/blobServices/default/containers/images/blobs/"
            "images/01HZXABCDEFGHJKMNPQRSTVWXY/original");
  EXPECT_EQ(json["eventType"], "Microsoft.Storage.BlobCreated");
  EXPECT_EQ(json["eventTime"], "2025-11-21T23:50:00.123Z");
  EXPECT_EQ(json["id"], "ev-01HZX");
  EXPECT_EQ(json["dataVersion"], "");
  EXPECT_EQ(json["metadataVersion"], "1");
  const auto& data = json["data"];
  EXPECT_EQ(data["api"], "PutBlob");
  EXPECT_EQ(data["clientRequestId"], "0123456789abcdef");
  EXPECT_EQ(data["requestId"], "0123456789abcdef");
  EXPECT_EQ(data["eTag"], "0x9F86D081884C7D65");
  EXPECT_EQ(data["contentType"], "image/jpeg");
  EXPECT_EQ(data["contentLength"], 524288);
  EXPECT_EQ(data["blobType"], "BlockBlob");
  EXPECT_EQ(data["url"], "ocula://images/01HZXABCDEFGHJKMNPQRSTVWXY");
  EXPECT_TRUE(data["sequencer"].is_string());
  EXPECT_EQ(json["ocula"]["imageId"], "01HZXABCDEFGHJKMNPQRSTVWXY");
  for (const char* key : {"topic", "subject", "eventType", "eventTime", "id", "data",
                          "dataVersion", "metadataVersion", "ocula"}) {
    EXPECT_TRUE(json.contains(key)) << key;
  }
  EXPECT_EQ(json.size(), 9u);
  EXPECT_EQ(data.size(), 9u);
}

TEST(BlobCreatedTest, SequencerOrdersLaterUploadsAfterEarlierOnes) {
  BlobCreated early = Sample(), late = Sample();
  late.time_ms += 1;
  auto seq = [](const BlobCreated& e) {
    return nlohmann::json::parse(MakeBlobCreatedPayload(e))["data"]["sequencer"]
        .get<std::string>();
  };
  EXPECT_LT(seq(early), seq(late));
  EXPECT_EQ(seq(early).size(), seq(late).size());
}

TEST(BlobCreatedTest, MalformedPayloadsAreInvalidArgument) {
  nlohmann::json good = nlohmann::json::parse(MakeBlobCreatedPayload(Sample()));
  std::vector<std::string> bad = {"not json", "[]", "{}", "null"};
  for (const char* field : {"id", "subject", "eventTime", "data", "ocula"}) {
    nlohmann::json copy = good;
    copy.erase(field);
    bad.push_back(copy.dump());
  }
  nlohmann::json wrong_type = good;
  wrong_type["eventType"] = "Microsoft.Storage.BlobDeleted";
  bad.push_back(wrong_type.dump());
  nlohmann::json string_length = good;
  string_length["data"]["contentLength"] = "524288";
  bad.push_back(string_length.dump());
  nlohmann::json bad_time = good;
  bad_time["eventTime"] = "yesterday";
  bad.push_back(bad_time.dump());
  nlohmann::json other_subject = good;
  other_subject["subject"] = "/blobServices/default/containers/other/blobs/x";
  bad.push_back(other_subject.dump());
  for (const std::string& payload : bad) {
    SCOPED_TRACE(payload);
    EXPECT_EQ(ParseBlobCreatedPayload(payload).status().code(), StatusCode::kInvalidArgument);
  }
}

}  // namespace
}  // namespace ocula
