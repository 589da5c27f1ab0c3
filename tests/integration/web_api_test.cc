// What the front end relies on, end to end against the real server: the live
// event stream, thumbnails, labels and list filters, the static files, and
// which of them need the API key.
#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <thread>

#include "http_client.h"
#include "server_process.h"

namespace ocula::testing {
namespace {

using nlohmann::json;

constexpr char kKey[] = "web-test-admin-key";
using Headers = std::vector<std::pair<std::string, std::string>>;
const Headers kAuth = {{"Authorization", std::string("Bearer ") + kKey}};

class WebApiTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    data_dir_ = new std::string(MakeTempDir("ocula-web"));
    server_ = new ServerProcess(*data_dir_, {{"OCULA_ADMIN_KEY", kKey}, {"OCULA_WORKERS", "1"}});
    ASSERT_TRUE(server_->Start()) << server_->log();
    ASSERT_TRUE(server_->WaitReady()) << server_->log();
  }
  static void TearDownTestSuite() {
    EXPECT_EQ(server_->Terminate(), 0) << server_->log();
    delete server_;
    std::filesystem::remove_all(*data_dir_);
    delete data_dir_;
  }

  static int port() { return server_->port(); }
  static ClientResponse AuthGet(const std::string& path, Headers extra = {}) {
    Headers headers = kAuth;
    headers.insert(headers.end(), extra.begin(), extra.end());
    return Get(port(), path, headers);
  }
  static std::string Upload(const std::string& rel) {
    std::string bytes = ReadFile(ServerProcess::SharedDir() + "/testdata/" + rel);
    EXPECT_FALSE(bytes.empty()) << rel;
    auto r = Post(port(), "/v1/images", "image/jpeg", bytes, kAuth);
    EXPECT_EQ(r.status, 202) << r.body;
    return r.status == 202 ? json::parse(r.body)["id"].get<std::string>() : "";
  }
  static json WaitDone(const std::string& id) {
    for (int i = 0; i < 600; ++i) {
      auto r = AuthGet("/v1/images/" + id);
      if (r.status == 200) {
        json doc = json::parse(r.body);
        if (doc["status"] == "done" || doc["status"] == "failed") return doc;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    ADD_FAILURE() << "image " << id << " was not analysed in 60 s\n" << server_->log();
    return json();
  }
  static ClientRequest StreamRequest(Headers extra = {}) {
    ClientRequest request;
    request.path = "/v1/events/stream";
    request.headers = kAuth;
    request.headers.insert(request.headers.end(), extra.begin(), extra.end());
    return request;
  }

  static std::string* data_dir_;
  static ServerProcess* server_;
};
std::string* WebApiTest::data_dir_ = nullptr;
ServerProcess* WebApiTest::server_ = nullptr;

// The seq of the event line `"id":"<id>","seq":N,"status":"<status>"` in `body`.
int64_t SeqOf(const std::string& body, const std::string& id, const std::string& status) {
  std::string data = "\"id\":\"" + id + "\",\"seq\":";
  for (size_t at = body.find(data); at != std::string::npos; at = body.find(data, at + 1)) {
    size_t number = at + data.size();
    size_t comma = body.find(',', number);
    if (body.compare(comma, 12 + status.size(), ",\"status\":\"" + status + "\"") == 0) {
      return std::stoll(body.substr(number, comma - number));
    }
  }
  return -1;
}

TEST_F(WebApiTest, EventStreamFollowsAnImageFromUploadToDelete) {
  StreamReader stream(port(), StreamRequest());
  ASSERT_EQ(stream.Status(), 200);
  EXPECT_EQ(stream.Header("content-type"), "text/event-stream; charset=utf-8");
  ASSERT_TRUE(stream.WaitFor("event: ready", 5000)) << stream.body();

  std::string id = Upload("detect/dog.jpg");
  for (const char* status : {"pending", "processing", "done"}) {
    ASSERT_TRUE(stream.WaitFor(std::string("\"status\":\"") + status, 60000, 0))
        << status << "\n" << stream.body();
  }
  const int64_t pending = SeqOf(stream.body(), id, "pending");
  const int64_t processing = SeqOf(stream.body(), id, "processing");
  const int64_t done = SeqOf(stream.body(), id, "done");
  EXPECT_GT(pending, 0) << stream.body();
  EXPECT_LT(pending, processing);
  EXPECT_LT(processing, done);
  EXPECT_NE(stream.body().find("id: " + std::to_string(done) + "\nevent: image\n"),
            std::string::npos);

  ASSERT_EQ(Delete(port(), "/v1/images/" + id).status, 401);  // needs the key
  ClientRequest del{"DELETE", "/v1/images/" + id, kAuth, ""};
  ASSERT_EQ(Send(port(), del).status, 204);
  ASSERT_TRUE(stream.WaitFor("\"status\":\"deleted\"", 10000)) << stream.body();
  EXPECT_GT(SeqOf(stream.body(), id, "deleted"), done);

  // A client that reconnects with Last-Event-ID gets what it missed, in order.
  StreamReader resumed(port(), StreamRequest({{"Last-Event-ID", std::to_string(pending)}}));
  ASSERT_EQ(resumed.Status(), 200);
  ASSERT_TRUE(resumed.WaitFor("\"status\":\"deleted\"", 10000)) << resumed.body();
  EXPECT_EQ(SeqOf(resumed.body(), id, "pending"), -1);  // not before the resume point
  EXPECT_EQ(SeqOf(resumed.body(), id, "processing"), processing);
  EXPECT_EQ(SeqOf(resumed.body(), id, "done"), done);
  EXPECT_EQ(resumed.body().find("event: ready"), std::string::npos);
}

TEST_F(WebApiTest, EventStreamAsksAClientFromElsewhereToStartOver) {
  StreamReader stream(port(), StreamRequest({{"Last-Event-ID", "999999999"}}));
  ASSERT_EQ(stream.Status(), 200);
  EXPECT_TRUE(stream.WaitFor("event: reset", 5000)) << stream.body();

  EXPECT_EQ(AuthGet("/v1/events/stream?since=abc").status, 400);
  StreamReader anonymous(port(), ClientRequest{"GET", "/v1/events/stream", {}, "", false});
  EXPECT_EQ(anonymous.Status(), 401);
}

TEST_F(WebApiTest, RawUploadKeepsTheFileNameFromContentDisposition) {
  std::string bytes = ReadFile(ServerProcess::SharedDir() + "/testdata/detect/eagle.jpg");
  Headers headers = kAuth;
  headers.emplace_back("Content-Disposition", "attachment; filename*=UTF-8''%C3%A4gle%20(1).jpg");
  auto r = Post(port(), "/v1/images", "image/jpeg", bytes, headers);
  ASSERT_EQ(r.status, 202) << r.body;
  json receipt = json::parse(r.body);
  EXPECT_EQ(receipt["filename"], "\xC3\xA4gle (1).jpg");
  json doc = json::parse(AuthGet("/v1/images/" + receipt["id"].get<std::string>()).body);
  EXPECT_EQ(doc["filename"], "\xC3\xA4gle (1).jpg");
  auto anonymous = Post(port(), "/v1/images", "image/jpeg", bytes, kAuth);
  EXPECT_FALSE(json::parse(anonymous.body).contains("filename"));
}

TEST_F(WebApiTest, ThumbnailsFitTheAskedSizeAndAreCachedByETag) {
  std::string id = Upload("detect/dog.jpg");  // 768 x 576
  auto thumb = AuthGet("/v1/images/" + id + "/thumbnail?size=128");
  ASSERT_EQ(thumb.status, 200) << thumb.body;
  EXPECT_EQ(thumb.Header("content-type"), "image/jpeg");
  ASSERT_GT(thumb.body.size(), 500u);
  EXPECT_LT(thumb.body.size(), 20000u);
  // The JPEG's SOF0 frame header holds height and width.
  size_t sof = thumb.body.find("\xFF\xC0");
  ASSERT_NE(sof, std::string::npos);
  auto byte = [&](size_t i) { return static_cast<unsigned char>(thumb.body[sof + i]); };
  EXPECT_EQ(byte(5) << 8 | byte(6), 96);   // height: 576 * 128 / 768
  EXPECT_EQ(byte(7) << 8 | byte(8), 128);  // width

  const std::string etag = thumb.Header("etag");
  ASSERT_FALSE(etag.empty());
  EXPECT_EQ(AuthGet("/v1/images/" + id + "/thumbnail?size=128", {{"If-None-Match", etag}}).status,
            304);
  EXPECT_NE(AuthGet("/v1/images/" + id + "/thumbnail?size=64").Header("etag"), etag);
  auto fallback = AuthGet("/v1/images/" + id + "/thumbnail");  // 256 by default
  EXPECT_EQ(fallback.status, 200);

  EXPECT_EQ(AuthGet("/v1/images/" + id + "/thumbnail?size=5000").status, 400);
  EXPECT_EQ(AuthGet("/v1/images/" + id + "/thumbnail?size=big").status, 400);
  EXPECT_EQ(AuthGet("/v1/images/01HZZZZZZZZZZZZZZZZZZZZZZZ/thumbnail").status, 404);
  EXPECT_EQ(Get(port(), "/v1/images/" + id + "/thumbnail").status, 401);
}

TEST_F(WebApiTest, ListsFilterByTagAndCategoryAndLabelsCountThem) {
  std::string dog = Upload("detect/dog.jpg");
  std::string horses = Upload("detect/horses.jpg");
  json dog_doc = WaitDone(dog);
  json horses_doc = WaitDone(horses);
  ASSERT_EQ(dog_doc["status"], "done");
  ASSERT_EQ(horses_doc["status"], "done");
  ASSERT_FALSE(dog_doc["analysis"]["tags"].empty());
  ASSERT_FALSE(dog_doc["analysis"]["categories"].empty());

  // A tag of the dog photo that the horses photo lacks.
  std::string only_dog;
  for (const json& tag : dog_doc["analysis"]["tags"]) {
    bool shared = false;
    for (const json& other : horses_doc["analysis"]["tags"]) shared |= other["name"] == tag["name"];
    if (!shared) only_dog = tag["name"];
  }
  ASSERT_FALSE(only_dog.empty()) << dog_doc.dump();
  json listed = json::parse(AuthGet("/v1/images?tag=" + only_dog).body);
  ASSERT_FALSE(listed["images"].empty());
  for (const json& image : listed["images"]) {
    bool has = false;
    for (const json& tag : image["analysis"]["tags"]) has |= tag["name"] == only_dog;
    EXPECT_TRUE(has) << image.dump();
    EXPECT_NE(image["id"], horses);
  }

  const std::string category = dog_doc["analysis"]["categories"][0]["name"];
  json by_category = json::parse(AuthGet("/v1/images?category=" + category + "&status=done").body);
  bool found = false;
  for (const json& image : by_category["images"]) found |= image["id"] == dog;
  EXPECT_TRUE(found) << by_category.dump();
  EXPECT_TRUE(json::parse(AuthGet("/v1/images?tag=no-such-tag").body)["images"].empty());

  auto labels = AuthGet("/v1/labels");
  ASSERT_EQ(labels.status, 200) << labels.body;
  json counts = json::parse(labels.body);
  int64_t count = 0;
  for (const json& tag : counts["tags"]) {
    if (tag["name"] == only_dog) count = tag["count"];
  }
  EXPECT_EQ(count, static_cast<int64_t>(listed["images"].size()));
  EXPECT_FALSE(counts["categories"].empty());
  EXPECT_EQ(Get(port(), "/v1/labels").status, 401);
}

TEST_F(WebApiTest, FrontEndIsServedWithoutAKeyAndNothingElseIs) {
  auto page = Get(port(), "/");
  ASSERT_EQ(page.status, 200);
  EXPECT_EQ(page.Header("content-type"), "text/html; charset=utf-8");
  EXPECT_NE(page.body.find("<!doctype html>"), std::string::npos);
  EXPECT_NE(page.Header("content-security-policy").find("default-src 'self'"), std::string::npos);
  EXPECT_EQ(page.Header("x-content-type-options"), "nosniff");
  EXPECT_EQ(Get(port(), "/", {{"If-None-Match", page.Header("etag")}}).status, 304);

  auto script = Get(port(), "/app.js");
  EXPECT_EQ(script.status, 200);
  EXPECT_EQ(script.Header("content-type"), "text/javascript; charset=utf-8");
  EXPECT_EQ(Get(port(), "/styles.css").Header("content-type"), "text/css; charset=utf-8");

  EXPECT_EQ(Get(port(), "/no-such-file.js").status, 404);
  EXPECT_EQ(Get(port(), "/..%2fsrc%2fapp%2fmain.cc").status, 404);
  EXPECT_EQ(Get(port(), "/.hidden").status, 404);
  EXPECT_EQ(Post(port(), "/app.js", "text/plain", "x").status, 404);
  EXPECT_EQ(Get(port(), "/v1/images").status, 401);  // the data still needs the key
  EXPECT_EQ(Get(port(), "/vision/v3.2/analyze").status, 401);
  EXPECT_EQ(Get(port(), "/healthz").status, 200);
}

}  // namespace
}  // namespace ocula::testing
