// The /v1 API end to end: the real server, real HTTP, real photos.
#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <set>

#include "http_client.h"
#include "server_process.h"
#include "test_images.h"

namespace ocula::testing {
namespace {

using nlohmann::json;

class ApiTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    data_dir_ = new std::string(MakeTempDir("ocula-api"));
    server_ = new ServerProcess(*data_dir_, {{"OCULA_MAX_UPLOAD_BYTES", "3000000"},
                                             {"OCULA_WORKERS", "1"}});
    ASSERT_TRUE(server_->Start()) << server_->log();
    ASSERT_TRUE(server_->WaitReady()) << server_->log();
  }
  static void TearDownTestSuite() {
    EXPECT_EQ(server_->Terminate(), 0) << server_->log();
    delete server_;
    std::filesystem::remove_all(*data_dir_);
    delete data_dir_;
  }
  void TearDown() override {
    // Whatever a test sent, the server must still be serving.
    EXPECT_EQ(Get(port(), "/healthz").status, 200) << server_->log();
  }

  static int port() { return server_->port(); }
  static std::string Photo(const std::string& rel) {
    std::string bytes = ReadFile(ServerProcess::SharedDir() + "/testdata/" + rel);
    if (bytes.empty()) ADD_FAILURE() << "test photo " << rel << " is missing";
    return bytes;
  }
  static json Body(const ClientResponse& r) { return json::parse(r.body); }
  static size_t BlobCount() {
    size_t n = 0;
    std::filesystem::path dir = *data_dir_ + "/blobs";
    if (!std::filesystem::exists(dir)) return 0;
    for (auto& e : std::filesystem::recursive_directory_iterator(dir)) n += e.is_regular_file();
    return n;
  }
  static int64_t ImageCount() {
    auto r = Get(port(), "/v1/images?limit=1000");
    return static_cast<int64_t>(Body(r)["images"].size());
  }
  // Asserts a JSON error with `code`, and that nothing was stored.
  void ExpectRejected(const ClientResponse& r, int status, const std::string& code,
                      int64_t images_before, size_t blobs_before) {
    EXPECT_EQ(r.status, status) << r.body << r.error;
    ASSERT_FALSE(r.body.empty()) << r.error;
    json body = Body(r);
    EXPECT_EQ(body["error"]["code"], code) << r.body;
    EXPECT_FALSE(body["error"]["message"].get<std::string>().empty());
    EXPECT_EQ(ImageCount(), images_before);
    EXPECT_EQ(BlobCount(), blobs_before);
  }

  static std::string* data_dir_;
  static ServerProcess* server_;
};
std::string* ApiTest::data_dir_ = nullptr;
ServerProcess* ApiTest::server_ = nullptr;

TEST_F(ApiTest, UploadIsAcceptedAnalysedAndReadable) {
  std::string jpeg = Photo("detect/dog.jpg");
  auto r = Post(port(), "/v1/images", "image/jpeg", jpeg);
  ASSERT_EQ(r.status, 202) << r.body;
  json receipt = Body(r);
  std::string id = receipt["id"];
  EXPECT_EQ(receipt["status"], "pending");
  EXPECT_EQ(receipt["size"], jpeg.size());
  EXPECT_EQ(receipt["contentType"], "image/jpeg");
  EXPECT_EQ(receipt["sha256"].get<std::string>().size(), 64u);
  EXPECT_FALSE(receipt["createdAt"].get<std::string>().empty());
  EXPECT_EQ(r.Header("location"), "/v1/images/" + id);

  std::string done = WaitForAnalysis(port(), id);
  ASSERT_FALSE(done.empty()) << server_->log();
  json doc = json::parse(done);
  EXPECT_EQ(doc["status"], "done") << done;
  EXPECT_EQ(doc["metadata"]["width"], 768);
  EXPECT_EQ(doc["metadata"]["height"], 576);
  ASSERT_GE(doc["analysis"]["tags"].size(), 1u) << done;
  for (const json& tag : doc["analysis"]["tags"]) {
    EXPECT_TRUE(tag["name"].is_string());
    EXPECT_GT(tag["confidence"].get<double>(), 0.0);
    EXPECT_LE(tag["confidence"].get<double>(), 1.0);
  }

  auto content = Get(port(), "/v1/images/" + id + "/content");
  EXPECT_EQ(content.status, 200);
  EXPECT_EQ(content.Header("content-type"), "image/jpeg");
  EXPECT_TRUE(content.body == jpeg) << "content differs from the upload";
}

TEST_F(ApiTest, ETagAndIfNoneMatch) {
  auto r = Post(port(), "/v1/images", "image/jpeg", Photo("photos/fruits.jpg"));
  ASSERT_EQ(r.status, 202) << r.body;
  std::string id = Body(r)["id"];
  ASSERT_FALSE(WaitForAnalysis(port(), id).empty());
  auto first = Get(port(), "/v1/images/" + id);
  std::string etag = first.Header("etag");
  ASSERT_FALSE(etag.empty());
  auto again = Get(port(), "/v1/images/" + id, {{"If-None-Match", etag}});
  EXPECT_EQ(again.status, 304);
  EXPECT_TRUE(again.body.empty());
  auto other = Get(port(), "/v1/images/" + id, {{"If-None-Match", "\"stale\""}});
  EXPECT_EQ(other.status, 200);
}

TEST_F(ApiTest, MultipartUploadsEveryFile) {
  std::string body = MultipartBody({{"a.png", "image/png", Photo("photos/chelsea.png")},
                                    {"b.png", "image/png", Photo("photos/coffee.png")},
                                    {"c.jpg", "image/jpeg", Photo("detect/horses.jpg")}},
                                   "XyZ-boundary-123");
  auto r = Post(port(), "/v1/images", "multipart/form-data; boundary=XyZ-boundary-123", body);
  ASSERT_EQ(r.status, 202) << r.body;
  json images = Body(r)["images"];
  ASSERT_EQ(images.size(), 3u);
  std::set<std::string> ids;
  for (const json& image : images) {
    ids.insert(image["id"].get<std::string>());
    EXPECT_EQ(image["status"], "pending");
  }
  EXPECT_EQ(ids.size(), 3u);
  EXPECT_EQ(images[1]["filename"], "b.png");
  EXPECT_EQ(images[1]["contentType"], "image/png");
  for (const std::string& id : ids) {
    EXPECT_NE(WaitForAnalysis(port(), id).find("\"done\""), std::string::npos);
  }
}

TEST_F(ApiTest, IdempotencyKeyNeverDuplicates) {
  std::string jpeg = Photo("photos/orange.jpg");
  auto first = Post(port(), "/v1/images", "image/jpeg", jpeg, {{"Idempotency-Key", "k-42"}});
  ASSERT_EQ(first.status, 202) << first.body;
  int64_t count = ImageCount();
  size_t blobs = BlobCount();
  auto second = Post(port(), "/v1/images", "image/jpeg", jpeg, {{"Idempotency-Key", "k-42"}});
  ASSERT_EQ(second.status, 202) << second.body;
  EXPECT_EQ(Body(second)["id"], Body(first)["id"]);
  EXPECT_EQ(second.Header("idempotent-replayed"), "true");
  EXPECT_EQ(ImageCount(), count);
  EXPECT_EQ(BlobCount(), blobs);
}

TEST_F(ApiTest, ListIsNewestFirstWithCursorsAndStatusFilter) {
  std::vector<std::string> uploaded;
  for (int i = 0; i < 5; ++i) {
    auto r = Post(port(), "/v1/images", "image/jpeg", Photo("photos/butterfly.jpg"));
    ASSERT_EQ(r.status, 202);
    uploaded.push_back(Body(r)["id"]);
  }
  std::vector<std::string> seen;
  std::string cursor;
  do {
    auto r = Get(port(), "/v1/images?limit=2" + (cursor.empty() ? "" : "&cursor=" + cursor));
    ASSERT_EQ(r.status, 200) << r.body;
    json page = Body(r);
    EXPECT_LE(page["images"].size(), 2u);
    for (const json& image : page["images"]) seen.push_back(image["id"]);
    cursor = page["nextCursor"].is_null() ? "" : page["nextCursor"].get<std::string>();
  } while (!cursor.empty());
  ASSERT_GE(seen.size(), 5u);
  for (size_t i = 0; i < 5; ++i) EXPECT_EQ(seen[i], uploaded[4 - i]);  // newest first
  EXPECT_TRUE(std::is_sorted(seen.rbegin(), seen.rend()));

  for (const std::string& id : uploaded) ASSERT_FALSE(WaitForAnalysis(port(), id).empty());
  json done = Body(Get(port(), "/v1/images?status=done&limit=1000"));
  for (const json& image : done["images"]) EXPECT_EQ(image["status"], "done");
  EXPECT_GE(done["images"].size(), 5u);
  EXPECT_EQ(Get(port(), "/v1/images?status=bogus").status, 400);
  EXPECT_EQ(Get(port(), "/v1/images?limit=0").status, 400);
  EXPECT_EQ(Get(port(), "/v1/images?cursor=../x").status, 400);
}

TEST_F(ApiTest, DeleteRemovesDocumentAndBlob) {
  auto r = Post(port(), "/v1/images", "image/jpeg", Photo("photos/rocket.jpg"));
  ASSERT_EQ(r.status, 202);
  std::string id = Body(r)["id"];
  ASSERT_FALSE(WaitForAnalysis(port(), id).empty());
  size_t blobs = BlobCount();
  EXPECT_EQ(Delete(port(), "/v1/images/" + id).status, 204);
  EXPECT_EQ(Get(port(), "/v1/images/" + id).status, 404);
  EXPECT_EQ(Get(port(), "/v1/images/" + id + "/content").status, 404);
  EXPECT_EQ(Delete(port(), "/v1/images/" + id).status, 404);
  EXPECT_EQ(BlobCount(), blobs - 1);
}

TEST_F(ApiTest, BadInputIsRejectedAndNothingStored) {
  int64_t images = ImageCount();
  size_t blobs = BlobCount();
  std::string jpeg = Photo("detect/dog.jpg");
  ExpectRejected(Post(port(), "/v1/images", "text/plain", "hello"), 415, "UnsupportedMediaType",
                 images, blobs);
  ExpectRejected(Post(port(), "/v1/images", "", jpeg), 415, "UnsupportedMediaType", images,
                 blobs);
  ExpectRejected(Post(port(), "/v1/images", "application/octet-stream", "this is not an image"),
                 400, "InvalidImageFormat", images, blobs);
  ExpectRejected(Post(port(), "/v1/images", "image/jpeg", ""), 400, "InvalidImageFormat", images,
                 blobs);
  ExpectRejected(Post(port(), "/v1/images", "image/jpeg", Truncated(jpeg, 0.5)), 400,
                 "InvalidImageFormat", images, blobs);
  ExpectRejected(Post(port(), "/v1/images", "image/png", BlackPng(1, 1)), 400, "InvalidImageSize",
                 images, blobs);
  ExpectRejected(Post(port(), "/v1/images", "image/png", BlackPng(30000, 30000)), 400,
                 "InvalidImageSize", images, blobs);
  std::string bomb = BlackPng(12000, 12000);  // 144 Mpx in a few hundred KB
  ASSERT_LT(bomb.size(), 1u << 20);
  ExpectRejected(Post(port(), "/v1/images", "image/png", bomb), 400, "InvalidImageSize", images,
                 blobs);
  std::string big = jpeg + std::string(3'000'000, '\0');  // over the 3 MB test limit
  ExpectRejected(Post(port(), "/v1/images", "image/jpeg", big), 413, "PayloadTooLarge", images,
                 blobs);
  std::string huge_body(5'000'000, 'x');  // over the server's body limit: refused unread
  ExpectRejected(Post(port(), "/v1/images", "image/jpeg", huge_body), 413, "PayloadTooLarge",
                 images, blobs);
  // A bad file in a multipart batch stores none of the batch.
  std::string body = MultipartBody({{"good.jpg", "image/jpeg", jpeg},
                                    {"bad.txt", "text/plain", "not an image"}},
                                   "b0undary");
  auto multi = Post(port(), "/v1/images", "multipart/form-data; boundary=b0undary", body);
  ExpectRejected(multi, 415, "UnsupportedMediaType", images, blobs);
  EXPECT_NE(multi.body.find("bad.txt"), std::string::npos) << multi.body;
  ExpectRejected(Post(port(), "/v1/images", "multipart/form-data; boundary=b0undary", "garbage"),
                 400, "InvalidArgument", images, blobs);
}

TEST_F(ApiTest, DroppedUploadLeavesNothing) {
  int64_t images = ImageCount();
  size_t blobs = BlobCount();
  std::string jpeg = Photo("detect/dog.jpg");
  SendTruncated(port(), "/v1/images", "image/jpeg", jpeg.substr(0, jpeg.size() / 3), jpeg.size());
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  EXPECT_EQ(ImageCount(), images);
  EXPECT_EQ(BlobCount(), blobs);
}

TEST_F(ApiTest, ErrorsAreJsonEverywhere) {
  auto missing = Get(port(), "/v1/images/01J00000000000000000000000");
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(Body(missing)["error"]["code"], "NotFound");
  EXPECT_EQ(Body(Get(port(), "/v1/images/not-an-id"))["error"]["code"], "NotFound");
  auto unknown = Get(port(), "/nope");
  EXPECT_EQ(unknown.status, 404);
  EXPECT_TRUE(Body(unknown)["error"].is_object());
  auto wrong_method = Send(port(), {"PUT", "/v1/images", {}, ""});
  EXPECT_EQ(wrong_method.status, 405);
  EXPECT_EQ(Body(wrong_method)["error"]["code"], "MethodNotAllowed");
  EXPECT_NE(wrong_method.Header("allow").find("POST"), std::string::npos);
}

TEST_F(ApiTest, OperationsEndpoints) {
  EXPECT_EQ(Get(port(), "/healthz").status, 200);
  auto ready = Get(port(), "/readyz");
  EXPECT_EQ(ready.status, 200) << ready.body;
  EXPECT_EQ(Body(ready)["checks"]["models"]["ok"], true);
  ASSERT_EQ(Post(port(), "/v1/images", "image/jpeg", Photo("detect/eagle.jpg")).status, 202);
  auto metrics = Get(port(), "/metrics");
  EXPECT_EQ(metrics.status, 200);
  for (const char* family :
       {"ocula_http_requests_total{", "ocula_upload_bytes_total", "ocula_queue_depth{",
        "ocula_images{status=\"done\"}", "ocula_http_request_seconds_bucket{"}) {
    EXPECT_NE(metrics.body.find(family), std::string::npos) << family << "\n" << metrics.body;
  }
  EXPECT_NE(metrics.body.find("route=\"/v1/images\""), std::string::npos);
}

}  // namespace
}  // namespace ocula::testing
