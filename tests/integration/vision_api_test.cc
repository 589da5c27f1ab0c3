// /vision/v3.2 end to end: the real server, real HTTP, real photos; every
// response checked against the contract's field names and types.
#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <thread>

#include "http_client.h"
#include "server_process.h"
#include "vision/image/image.h"

namespace ocula::testing {
namespace {

using nlohmann::json;

const std::set<std::string> kColorNames = {"Black", "Blue",   "Brown", "Gray", "Green", "Orange",
                                           "Pink",  "Purple", "Red",   "Teal", "White", "Yellow"};

std::string Photo(const std::string& rel) {
  std::string bytes = ReadFile(ServerProcess::SharedDir() + "/testdata/" + rel);
  if (bytes.empty()) ADD_FAILURE() << "test photo " << rel << " is missing";
  return bytes;
}

void ExpectBox(const json& b, const std::vector<std::string>& keys) {
  for (const std::string& k : keys) EXPECT_TRUE(b[k].is_number_integer()) << k << " in " << b;
}

// Field names and types of every feature of an analyze response.
void ExpectContractShape(const json& r) {
  EXPECT_TRUE(r["requestId"].is_string());
  EXPECT_TRUE(r["modelVersion"].is_string());
  ExpectBox(r["metadata"], {"width", "height"});
  EXPECT_TRUE(r["metadata"]["format"].is_string());
  if (r.contains("categories")) {
    for (const json& c : r["categories"]) {
      EXPECT_TRUE(c["name"].is_string());
      EXPECT_TRUE(c["score"].is_number());
    }
  }
  if (r.contains("tags")) {
    for (const json& t : r["tags"]) {
      EXPECT_TRUE(t["name"].is_string());
      EXPECT_TRUE(t["confidence"].is_number());
      if (t.contains("hint")) {
        EXPECT_TRUE(t["hint"].is_string());
      }
    }
  }
  if (r.contains("description")) {
    EXPECT_TRUE(r["description"]["tags"].is_array());
    for (const json& c : r["description"]["captions"]) {
      EXPECT_TRUE(c["text"].is_string());
      EXPECT_TRUE(c["confidence"].is_number());
    }
  }
  if (r.contains("faces")) {
    for (const json& f : r["faces"])
      ExpectBox(f["faceRectangle"], {"left", "top", "width", "height"});
  }
  if (r.contains("objects")) {
    for (const json& o : r["objects"]) {
      ExpectBox(o["rectangle"], {"x", "y", "w", "h"});
      EXPECT_TRUE(o["object"].is_string());
      EXPECT_TRUE(o["confidence"].is_number());
      for (const json* p = &o; p->contains("parent"); p = &(*p)["parent"]) {
        EXPECT_TRUE((*p)["parent"]["object"].is_string());
        EXPECT_TRUE((*p)["parent"]["confidence"].is_number());
      }
    }
  }
  if (r.contains("color")) {
    const json& c = r["color"];
    EXPECT_TRUE(kColorNames.count(c["dominantColorForeground"].get<std::string>())) << c;
    EXPECT_TRUE(kColorNames.count(c["dominantColorBackground"].get<std::string>())) << c;
    for (const json& name : c["dominantColors"])
      EXPECT_TRUE(kColorNames.count(name.get<std::string>()));
    EXPECT_TRUE(std::regex_match(c["accentColor"].get<std::string>(), std::regex("[0-9A-F]{6}")))
        << c;
    EXPECT_TRUE(c["isBWImg"].is_boolean());
  }
  if (r.contains("imageType")) {
    int clip = r["imageType"]["clipArtType"], line = r["imageType"]["lineDrawingType"];
    EXPECT_TRUE(clip >= 0 && clip <= 3);
    EXPECT_TRUE(line == 0 || line == 1);
  }
  if (r.contains("adult")) {
    const json& a = r["adult"];
    EXPECT_TRUE(a["isAdultContent"].is_boolean());
    EXPECT_TRUE(a["isRacyContent"].is_boolean());
    EXPECT_TRUE(a["adultScore"].is_number());
    EXPECT_TRUE(a["racyScore"].is_number());
    EXPECT_FALSE(a.contains("goreScore")) << "gore is not modelled and must not be invented";
  }
}

void ExpectVisionError(const ClientResponse& r, int status, const std::string& inner) {
  EXPECT_EQ(r.status, status) << r.body;
  json body = json::parse(r.body, nullptr, false);
  ASSERT_TRUE(body.is_object()) << r.body;
  EXPECT_TRUE(body["error"]["code"].is_string()) << r.body;
  EXPECT_TRUE(body["error"]["message"].is_string()) << r.body;
  EXPECT_EQ(body["error"]["innererror"]["code"], inner) << r.body;
}

std::set<std::string> Names(const json& array, const std::string& field) {
  std::set<std::string> out;
  for (const json& e : array) out.insert(e[field].get<std::string>());
  return out;
}

class VisionApiTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new std::string(MakeTempDir("ocula-vision"));
    server_ = new ServerProcess(*dir_, {{"OCULA_WORKERS", "1"}});
    ASSERT_TRUE(server_->Start()) << server_->log();
    ASSERT_TRUE(server_->WaitReady()) << server_->log();
  }
  static void TearDownTestSuite() {
    EXPECT_EQ(server_->Terminate(), 0);
    delete server_;
    std::filesystem::remove_all(*dir_);
    delete dir_;
  }
  static ClientResponse Vision(const std::string& path, const std::string& body,
                               const std::string& type = "application/octet-stream") {
    return Post(server_->port(), "/vision/v3.2" + path, type, body);
  }
  static std::string* dir_;
  static ServerProcess* server_;
};
std::string* VisionApiTest::dir_ = nullptr;
ServerProcess* VisionApiTest::server_ = nullptr;

TEST_F(VisionApiTest, AnalyzeEveryFeatureOnTheDogPhoto) {
  auto r = Vision(
      "/analyze?visualFeatures=Categories,Tags,Description,Faces,ImageType,Color,"
      "Adult,Objects&language=en&model-version=latest",
      Photo("detect/dog.jpg"));
  ASSERT_EQ(r.status, 200) << r.body;
  json body = json::parse(r.body);
  for (const char* field :
       {"categories", "tags", "description", "faces", "imageType", "color", "adult", "objects"}) {
    EXPECT_TRUE(body.contains(field))
        << field << " was requested";  // shape checks skip absent fields
  }
  ExpectContractShape(body);
  EXPECT_EQ(body["metadata"]["width"], 768);
  EXPECT_EQ(body["metadata"]["format"], "Jpeg");
  std::set<std::string> objects = Names(body["objects"], "object");
  EXPECT_TRUE(objects.count("dog")) << body["objects"];
  EXPECT_TRUE(objects.count("bicycle")) << body["objects"];
  EXPECT_TRUE(Names(body["tags"], "name").count("dog")) << body["tags"];
  EXPECT_TRUE(Names(body["categories"], "name").count("animal_dog")) << body["categories"];
  EXPECT_FALSE(body["description"]["captions"].empty());
  EXPECT_FALSE(body["adult"]["isAdultContent"]);
}

TEST_F(VisionApiTest, OneFaceAndAPersonOnTheAstronaut) {
  auto r =
      Vision("/analyze?visualFeatures=faces,objects,categories", Photo("photos/astronaut.png"));
  ASSERT_EQ(r.status, 200) << r.body;
  json body = json::parse(r.body);
  ExpectContractShape(body);
  EXPECT_EQ(body["faces"].size(), 1u) << body["faces"];
  EXPECT_TRUE(Names(body["objects"], "object").count("person")) << body["objects"];
  EXPECT_FALSE(body.contains("tags")) << "only requested features are returned";
}

TEST_F(VisionApiTest, DefaultFeatureIsCategories) {
  auto r = Vision("/analyze", Photo("photos/chelsea.png"));
  ASSERT_EQ(r.status, 200) << r.body;
  json body = json::parse(r.body);
  EXPECT_TRUE(body.contains("categories"));
  EXPECT_FALSE(body.contains("tags"));
  EXPECT_TRUE(Names(body["categories"], "name").count("animal_cat")) << body["categories"];
}

TEST_F(VisionApiTest, SiblingEndpoints) {
  std::string dog = Photo("detect/dog.jpg");
  json tag = json::parse(Vision("/tag", dog).body);
  ExpectContractShape(tag);
  EXPECT_FALSE(tag["tags"].empty());
  json describe = json::parse(Vision("/describe?maxCandidates=1", dog).body);
  ExpectContractShape(describe);
  EXPECT_EQ(describe["description"]["captions"].size(), 1u);
  json detect = json::parse(Vision("/detect", dog).body);
  ExpectContractShape(detect);
  EXPECT_TRUE(Names(detect["objects"], "object").count("dog"));
  json area = json::parse(Vision("/areaOfInterest", dog).body);
  ExpectBox(area["areaOfInterest"], {"x", "y", "w", "h"});
  EXPECT_GT(area["areaOfInterest"]["w"].get<int>(), 0);

  auto thumb = Vision("/generateThumbnail?width=100&height=80&smartCropping=true", dog);
  ASSERT_EQ(thumb.status, 200) << thumb.body;
  EXPECT_EQ(thumb.Header("content-type"), "image/jpeg");
  auto header = ProbeImage(thumb.body, ImageLimits{.min_dimension = 1});
  ASSERT_TRUE(header.ok()) << header.status();
  EXPECT_EQ(header->width, 100);
  EXPECT_EQ(header->height, 80);
  ExpectVisionError(Vision("/generateThumbnail?width=0&height=80", dog), 400,
                    "InvalidThumbnailSize");
  ExpectVisionError(Vision("/generateThumbnail?width=2000&height=80", dog), 400,
                    "InvalidThumbnailSize");
}

TEST_F(VisionApiTest, OcrAndAsynchronousRead) {
  std::string page = Photo("ocr/phototest.tif");
  auto ocr = Vision("/ocr?language=unk", page);
  ASSERT_EQ(ocr.status, 200) << ocr.body;
  json regions = json::parse(ocr.body)["regions"];
  ASSERT_FALSE(regions.empty());
  EXPECT_TRUE(regions[0]["boundingBox"].is_string());

  auto submit = Vision("/read/analyze", page);
  ASSERT_EQ(submit.status, 202) << submit.body;
  std::string location = submit.Header("operation-location");
  ASSERT_EQ(location.rfind("/vision/v3.2/read/analyzeResults/", 0), 0u) << location;
  json result;
  for (int i = 0; i < 200; ++i) {
    result = json::parse(Get(server_->port(), location).body);
    if (result["status"] == "succeeded" || result["status"] == "failed") break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ASSERT_EQ(result["status"], "succeeded") << result;
  EXPECT_TRUE(result["createdDateTime"].is_string());
  const json& read = result["analyzeResult"]["readResults"][0];
  EXPECT_EQ(read["unit"], "pixel");
  std::string text;
  for (const json& line : read["lines"]) {
    EXPECT_EQ(line["boundingBox"].size(), 8u);
    for (const json& word : line["words"]) EXPECT_EQ(word["boundingBox"].size(), 8u);
    text += line["text"].get<std::string>() + "\n";
  }
  EXPECT_NE(text.find("quick brown"), std::string::npos) << text;
  EXPECT_EQ(
      Get(server_->port(), "/vision/v3.2/read/analyzeResults/01J00000000000000000000000").status,
      404);
}

TEST_F(VisionApiTest, ContractErrors) {
  std::string dog = Photo("detect/dog.jpg");
  ExpectVisionError(Vision("/analyze?visualFeatures=Brands", dog), 400,
                    "NotSupportedVisualFeature");
  ExpectVisionError(Vision("/analyze?visualFeatures=Tags,Bogus", dog), 400,
                    "NotSupportedVisualFeature");
  ExpectVisionError(Vision("/analyze?details=Celebrities", dog), 400, "InvalidDetails");
  ExpectVisionError(Vision("/analyze?language=xx", dog), 400, "NotSupportedLanguage");
  ExpectVisionError(Vision("/analyze", dog, "text/plain"), 415, "UnsupportedMediaType");
  ExpectVisionError(Vision("/analyze", "not an image"), 400, "InvalidImageFormat");
  ExpectVisionError(Vision("/tag", ""), 400, "InvalidImageFormat");
  ExpectVisionError(Vision("/analyze", R"({"nourl": 1})", "application/json"), 400,
                    "InvalidImageUrl");
  ExpectVisionError(Vision("/analyze", R"({"url": "ftp://example.com/a.jpg"})", "application/json"),
                    400, "InvalidImageUrl");
  // Loopback is private: refused unless configured (SSRF protection).
  std::string url = "http://127.0.0.1:" + std::to_string(server_->port()) + "/healthz";
  ExpectVisionError(Vision("/analyze", json{{"url", url}}.dump(), "application/json"), 400,
                    "InvalidImageUrl");
}

TEST_F(VisionApiTest, StoredAndOnDemandResultsAgree) {
  std::string dog = Photo("detect/dog.jpg");
  auto upload = Post(server_->port(), "/v1/images", "image/jpeg", dog);
  ASSERT_EQ(upload.status, 202);
  std::string done = WaitForAnalysis(server_->port(), json::parse(upload.body)["id"]);
  ASSERT_FALSE(done.empty());
  json stored = json::parse(done)["analysis"];
  json live = json::parse(Vision("/analyze?visualFeatures=Categories,Tags,Description,Faces,"
                                 "ImageType,Color,Adult,Objects",
                                 dog)
                              .body);
  for (const char* field :
       {"categories", "tags", "description", "faces", "imageType", "color", "adult", "objects"}) {
    EXPECT_EQ(stored[field], live[field]) << field;
  }
}

// Read operations are stored (issue 22): the ones a server accepted but had
// not run when it stopped are run by the next start, and finished ones keep
// answering across the restart; their images are deleted once done.
TEST(VisionReadRestartTest, ReadOperationsSurviveARestart) {
  std::string dir = MakeTempDir("ocula-read-restart");
  std::string page = Photo("ocr/phototest.tif");
  std::vector<std::string> locations;
  {
    ServerProcess server(dir, {{"OCULA_WORKERS", "1"}});
    ASSERT_TRUE(server.Start()) << server.log();
    // One OCR thread takes about 0.3 s a page: most of these still wait
    // when the server stops.
    for (int i = 0; i < 8; ++i) {
      auto submit =
          Post(server.port(), "/vision/v3.2/read/analyze", "application/octet-stream", page);
      ASSERT_EQ(submit.status, 202) << submit.body;
      locations.push_back(submit.Header("operation-location"));
    }
    ASSERT_EQ(server.Terminate(), 0) << server.log();
  }
  ServerProcess restarted(dir, {{"OCULA_WORKERS", "1"}});
  ASSERT_TRUE(restarted.Start()) << restarted.log();
  for (const std::string& location : locations) {
    json result;
    for (int i = 0; i < 400; ++i) {
      result = json::parse(Get(restarted.port(), location).body);
      if (result["status"] == "succeeded" || result["status"] == "failed") break;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    ASSERT_EQ(result["status"], "succeeded") << location << ": " << result;
    EXPECT_NE(result["analyzeResult"]["readResults"][0].dump().find("quick brown"),
              std::string::npos);
  }
  EXPECT_TRUE(std::regex_search(restarted.log(), std::regex("resumed [1-8] unfinished Read")))
      << "no operation was left waiting at the stop: " << restarted.log();
  EXPECT_EQ(restarted.Terminate(), 0);  // the last image's deletion is done by then
  EXPECT_FALSE(std::filesystem::exists(dir + "/blobs/read-operations") &&
               !std::filesystem::is_empty(dir + "/blobs/read-operations"))
      << "finished operations delete their images";
  std::filesystem::remove_all(dir);
}

TEST(VisionAuthTest, ConfiguredKeyIsRequired) {
  std::string dir = MakeTempDir("ocula-auth");
  ServerProcess server(dir, {{"OCULA_ADMIN_KEY", "s3cret-key-of-16+"}, {"OCULA_WORKERS", "1"}});
  ASSERT_TRUE(server.Start()) << server.log();
  std::string dog = Photo("detect/dog.jpg");
  ClientRequest anonymous{
      "POST", "/vision/v3.2/tag", {{"Content-Type", "application/octet-stream"}}, dog, false};
  auto none = Send(server.port(), anonymous);
  EXPECT_EQ(none.status, 401);
  EXPECT_TRUE(json::parse(none.body)["error"].is_object());
  auto wrong = Post(server.port(), "/vision/v3.2/tag", "application/octet-stream", dog,
                    {{"Ocp-Apim-Subscription-Key", "s3cret-key-of-16-"}});
  EXPECT_EQ(wrong.status, 401);
  EXPECT_EQ(Post(server.port(), "/vision/v3.2/tag", "application/octet-stream", dog,
                 {{"Ocp-Apim-Subscription-Key", "s3cret-key-of-16+"}})
                .status,
            200);
  EXPECT_EQ(Get(server.port(), "/v1/images").status, 401);  // the default test key is not this one
  EXPECT_EQ(
      Get(server.port(), "/v1/images", {{"Authorization", "Bearer s3cret-key-of-16+"}}).status,
      200);
  EXPECT_EQ(Get(server.port(), "/healthz").status, 200);
  EXPECT_EQ(server.Terminate(), 0);
  std::filesystem::remove_all(dir);
}

TEST(PipelineFeaturesTest, ConfiguredFeaturesAreWhatGetsStored) {
  std::string dir = MakeTempDir("ocula-features");
  ServerProcess server(dir, {{"OCULA_FEATURES", "tags,Text"}, {"OCULA_WORKERS", "1"}});
  ASSERT_TRUE(server.Start()) << server.log();
  auto upload = Post(server.port(), "/v1/images", "image/png", Photo("photos/page.png"));
  ASSERT_EQ(upload.status, 202) << upload.body;
  std::string done = WaitForAnalysis(server.port(), json::parse(upload.body)["id"]);
  ASSERT_FALSE(done.empty()) << server.log();
  json analysis = json::parse(done)["analysis"];
  EXPECT_TRUE(analysis.contains("tags"));
  EXPECT_FALSE(analysis.contains("objects"));
  EXPECT_FALSE(analysis.contains("color"));
  ASSERT_TRUE(analysis.contains("readResult")) << analysis;
  EXPECT_FALSE(analysis["readResult"]["lines"].empty());
  EXPECT_EQ(server.Terminate(), 0);
  std::filesystem::remove_all(dir);

  ServerProcess bad(MakeTempDir("ocula-features"), {{"OCULA_FEATURES", "Tags,Brands"}});
  EXPECT_FALSE(bad.Start(5000));
  EXPECT_NE(bad.log().find("Brands"), std::string::npos) << bad.log();
}

TEST(VisionUrlTest, FetchesFromAllowedPrivateAddress) {
  // The photo is served without a key as a front-end file of the server itself.
  std::string dir = MakeTempDir("ocula-url");
  std::string web = MakeTempDir("ocula-url-web");
  std::filesystem::copy_file(ServerProcess::SharedDir() + "/testdata/detect/dog.jpg",
                             web + "/dog.jpg");
  ServerProcess server(
      dir, {{"OCULA_URL_ALLOW_PRIVATE", "true"}, {"OCULA_WORKERS", "1"}, {"OCULA_WEB_DIR", web}});
  ASSERT_TRUE(server.Start()) << server.log();
  std::string url = "http://127.0.0.1:" + std::to_string(server.port()) + "/dog.jpg";
  auto r =
      Post(server.port(), "/vision/v3.2/detect", "application/json", json{{"url", url}}.dump());
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_TRUE(Names(json::parse(r.body)["objects"], "object").count("dog"));
  EXPECT_EQ(server.Terminate(), 0);
  std::filesystem::remove_all(dir);
  std::filesystem::remove_all(web);
}

}  // namespace
}  // namespace ocula::testing
