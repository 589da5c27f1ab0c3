// Custom classifiers over HTTP on a real server (the official clients'
// round trip is sdk_test's): the /v1/custom routes with Ocula image ids and
// envelope, gallery images tagged by id without a second copy, the errors a
// client gets, the scopes, and a kill -9 during training.
#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <regex>
#include <thread>

#include "http_client.h"
#include "server_process.h"
#include "wait_until.h"

namespace ocula::testing {
namespace {

using nlohmann::json;

// `count` photos of a garment type (testdata/custom/clothing-types/<kind>).
std::vector<std::string> Garments(const std::string& kind, size_t count) {
  std::vector<std::string> paths;
  for (auto& e : std::filesystem::directory_iterator(ServerProcess::SharedDir() +
                                                     "/testdata/custom/clothing-types/" + kind)) {
    paths.push_back(e.path().string());
  }
  std::sort(paths.begin(), paths.end());
  std::vector<std::string> out;
  for (size_t i = 0; i < count && i < paths.size(); ++i) out.push_back(ReadFile(paths[i]));
  return out;
}

json Body(const ClientResponse& r) { return json::parse(r.body, nullptr, false); }

ClientResponse Put(int port, const std::string& path, const std::string& body) {
  ClientRequest request;
  request.method = "PUT";
  request.path = path;
  request.headers = {{"Content-Type", "application/json"}};
  request.body = body;
  return Send(port, request);
}

class CustomVisionApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = MakeTempDir("ocula-custom");
    server_ = std::make_unique<ServerProcess>(
        dir_, std::map<std::string, std::string>{{"OCULA_WORKERS", "1"}});
    ASSERT_TRUE(server_->Start()) << server_->log();
  }
  void TearDown() override {
    server_.reset();
    std::filesystem::remove_all(dir_);
  }
  int port() const { return server_->port(); }

  std::string CreateProject(const std::string& name) {
    auto r = Post(port(), "/v1/custom/projects", "application/json",
                  json{{"name", name}, {"classificationType", "Multiclass"}}.dump());
    EXPECT_EQ(r.status, 200) << r.body;
    return Body(r)["id"];
  }
  std::string CreateTag(const std::string& project, const std::string& name) {
    auto r = Post(port(), "/v1/custom/projects/" + project + "/tags?name=" + name, "", "");
    EXPECT_EQ(r.status, 200) << r.body;
    return Body(r)["id"];
  }
  // Uploads photos into the project with `tag`, one raw request each.
  void Upload(const std::string& project, const std::string& tag,
              const std::vector<std::string>& photos) {
    for (const std::string& photo : photos) {
      auto r = Post(port(), "/v1/custom/projects/" + project + "/images?tagIds=" + tag,
                    "image/jpeg", photo);
      ASSERT_EQ(r.status, 200) << r.body;
      ASSERT_TRUE(Body(r)["isBatchSuccessful"].get<bool>()) << r.body;
    }
  }

  std::string dir_;
  std::unique_ptr<ServerProcess> server_;
};

TEST_F(CustomVisionApiTest, NativeRoutesShareTheGalleryAndUseOculaIds) {
  const std::string project = CreateProject("garments");
  const std::string hat = CreateTag(project, "hat");
  const std::vector<std::string> hats = Garments("hat", 2);

  // A photo already in the gallery is tagged by its id: no second image.
  auto uploaded = Post(port(), "/v1/images", "image/jpeg", hats[0]);
  ASSERT_EQ(uploaded.status, 202) << uploaded.body;
  const std::string id = Body(uploaded)["id"];
  auto tagged = Post(port(), "/v1/custom/projects/" + project + "/images/tags", "application/json",
                     json{{"tags", {{{"imageId", id}, {"tagId", hat}}}}}.dump());
  ASSERT_EQ(tagged.status, 200) << tagged.body;
  EXPECT_EQ(Body(tagged)["created"][0]["imageId"], id);
  // Uploaded into the project, a photo joins the gallery; the same bytes
  // uploaded again are the same image.
  auto first = Post(port(), "/v1/custom/projects/" + project + "/images?tagIds=" + hat,
                    "image/jpeg", hats[1]);
  auto again = Post(port(), "/v1/custom/projects/" + project + "/images?tagIds=" + hat,
                    "image/jpeg", hats[1]);
  ASSERT_EQ(again.status, 200) << again.body;
  EXPECT_EQ(Body(first)["images"][0]["status"], "OK");
  EXPECT_EQ(Body(again)["images"][0]["status"], "OKDuplicate");
  EXPECT_EQ(Body(again)["images"][0]["image"]["id"], Body(first)["images"][0]["image"]["id"]);
  auto gallery = Body(Get(port(), "/v1/images"));
  EXPECT_EQ(gallery["images"].size(), 2u);

  auto listed = Get(port(), "/v1/custom/projects/" + project + "/images/tagged");
  ASSERT_EQ(listed.status, 200);
  json images = Body(listed);
  ASSERT_EQ(images.size(), 2u);
  EXPECT_EQ(images[1]["id"], id);  // the Ocula id, not its UUID form; newest first
  EXPECT_EQ(images[1]["originalImageUri"], "/v1/images/" + id + "/content");
  EXPECT_GT(images[1]["width"].get<int>(), 0);

  // The Custom Vision mount shows the same image as a UUID, and takes it back.
  auto cv = Get(port(), "/customvision/v3.3/training/projects/" + project + "/images/tagged");
  ASSERT_EQ(cv.status, 200);
  const std::string uuid = Body(cv)[1]["id"];
  EXPECT_TRUE(std::regex_match(uuid, std::regex("[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}")));
  auto by_uuid = Get(
      port(), "/customvision/v3.3/training/projects/" + project + "/images/id?imageIds=" + uuid);
  ASSERT_EQ(Body(by_uuid).size(), 1u) << by_uuid.body;
  EXPECT_EQ(Body(by_uuid)[0]["originalImageUri"], "/v1/images/" + id + "/content");
}

TEST_F(CustomVisionApiTest, ClientsGetTheErrorOfTheirApi) {
  const std::string project = CreateProject("errors");
  // /v1: Ocula's envelope; /customvision: {"code", "message"}.
  auto v1 = Get(port(), "/v1/custom/projects/00000000-0000-4000-8000-000000000000");
  EXPECT_EQ(v1.status, 404);
  EXPECT_EQ(Body(v1)["error"]["code"], "NotFoundProject");
  auto cv = Get(port(),
                "/customvision/v3.4-preview/training/projects/"
                "00000000-0000-4000-8000-000000000000");
  EXPECT_EQ(cv.status, 404);
  EXPECT_EQ(Body(cv)["code"], "NotFoundProject");
  auto unknown = Get(port(), "/customvision/v3.4-preview/training/nothing");
  EXPECT_EQ(unknown.status, 404);
  EXPECT_TRUE(Body(unknown).contains("code")) << unknown.body;

  auto bad_type = Post(port(), "/v1/custom/projects?name=x&classificationType=Sometimes", "", "");
  EXPECT_EQ(bad_type.status, 400) << bad_type.body;
  auto no_name = Post(port(), "/v1/custom/projects", "application/json", "{}");
  EXPECT_EQ(Body(no_name)["error"]["code"], "BadRequestProjectName");
  auto duplicate = Post(port(), "/customvision/v3.3/training/projects?name=errors", "", "");
  EXPECT_EQ(duplicate.status, 400);
  EXPECT_EQ(Body(duplicate)["code"], "BadRequestProjectNameNotUnique");

  // Training needs 2 tags with 5 images each.
  auto empty = Post(port(), "/customvision/v3.3/training/projects/" + project + "/train", "", "");
  EXPECT_EQ(empty.status, 400);
  EXPECT_EQ(Body(empty)["code"], "BadRequestTrainingValidationFailed");
  const std::string hat = CreateTag(project, "hat");
  const std::string shoes = CreateTag(project, "shoes");
  Upload(project, hat, Garments("hat", 5));
  Upload(project, shoes, Garments("shoes", 3));
  auto few = Post(port(), "/v1/custom/projects/" + project + "/train", "", "");
  EXPECT_EQ(few.status, 400);
  EXPECT_NE(Body(few)["error"]["message"].get<std::string>().find("at least 5"), std::string::npos)
      << few.body;

  // Batches: 64 images at most; bytes that are not an image are listed as such.
  json batch = {{"images", json::array()}};
  for (int i = 0; i < 65; ++i) batch["images"].push_back({{"contents", "AAAA"}});
  auto big = Post(port(), "/v1/custom/projects/" + project + "/images/files", "application/json",
                  batch.dump());
  EXPECT_EQ(Body(big)["error"]["code"], "BadRequestExceededBatchSize") << big.body;
  batch["images"] = {{{"contents", "AAAA"}}};
  auto junk = Post(port(), "/v1/custom/projects/" + project + "/images/files", "application/json",
                   batch.dump());
  EXPECT_FALSE(Body(junk)["isBatchSuccessful"].get<bool>()) << junk.body;
  EXPECT_EQ(Body(junk)["images"][0]["status"], "ErrorImageFormat");
  auto unknown_tag =
      Post(port(),
           "/v1/custom/projects/" + project + "/images?tagIds=00000000-0000-4000-8000-000000000000",
           "image/jpeg", Garments("hat", 1)[0]);
  EXPECT_EQ(Body(unknown_tag)["error"]["code"], "NotFoundTag");
  auto bad_id = Get(port(), "/v1/custom/projects/" + project + "/images/id?imageIds=nope");
  EXPECT_EQ(Body(bad_id)["error"]["code"], "BadRequestInvalidIds");
}

TEST_F(CustomVisionApiTest, ScopesSeparateTrainingFromPrediction) {
  auto created = Post(port(), "/v1/keys", "application/json",
                      json{{"name", "predictor"}, {"scopes", "prediction"}}.dump());
  ASSERT_EQ(created.status, 201) << created.body;
  const std::string key = Body(created)["key"];
  auto train = Get(port(), "/customvision/v3.3/training/projects", {{"Training-Key", key}});
  EXPECT_EQ(train.status, 403);
  EXPECT_EQ(Body(train)["code"], "Forbidden");
  auto predict = Post(port(),
                      "/customvision/v3.0/prediction/00000000-0000-4000-8000-000000000000/"
                      "classify/iterations/x/image",
                      "image/jpeg", "x", {{"Prediction-Key", key}});
  EXPECT_EQ(predict.status, 404) << predict.body;  // allowed in, no such project
  auto no_key = Get(port(), "/customvision/v3.3/training/projects", {{"Training-Key", "wrong"}});
  EXPECT_EQ(no_key.status, 401);
}

// Trains the project's iteration and publishes it as "prod"; its id.
std::string TrainAndPublish(int port, const std::string& project) {
  auto train = Post(port, "/v1/custom/projects/" + project + "/train", "", "");
  EXPECT_EQ(train.status, 200) << train.body;
  const std::string iteration = Body(train)["id"];
  const std::string path = "/v1/custom/projects/" + project + "/iterations/" + iteration;
  EXPECT_TRUE(WaitUntil([&] { return Body(Get(port, path))["status"] != "Training"; },
                        std::chrono::seconds(60)));
  auto published = Post(port, path + "/publish?publishName=prod&predictionId=local", "", "");
  EXPECT_EQ(published.status, 200) << published.body;
  return iteration;
}

// The predictions of `project`'s classifier in an image's document: its
// customVision entry's best tag ("" when it has none).
std::string BestCustomTag(int port, const std::string& image, const std::string& project) {
  json doc = Body(Get(port, "/v1/images/" + image));
  for (const json& entry : doc["analysis"].value("customVision", json::array())) {
    if (entry["project"] == project) return entry["predictions"][0]["tagName"];
  }
  return "";
}

TEST_F(CustomVisionApiTest, AttachedClassifiersLabelNewImagesAndReRunOverEarlierOnes) {
  const std::vector<std::string> hats = Garments("hat", 8);
  const std::vector<std::string> shoes = Garments("shoes", 8);
  // A hat in the gallery before any classifier exists.
  auto before = Post(port(), "/v1/images", "image/jpeg", hats[7]);
  ASSERT_EQ(before.status, 202);
  const std::string early = Body(before)["id"];
  ASSERT_NE(WaitForAnalysis(port(), early), "");

  const std::string project = CreateProject("pipeline");
  const std::string hat = CreateTag(project, "hat");
  const std::string shoe = CreateTag(project, "shoes");
  Upload(project, hat, {hats.begin(), hats.begin() + 6});
  Upload(project, shoe, {shoes.begin(), shoes.begin() + 6});
  auto none = Get(port(), "/v1/custom/projects/" + project + "/pipeline");
  EXPECT_EQ(Body(none)["error"]["code"], "NotFoundPipeline");
  auto unpublished =
      Put(port(), "/v1/custom/projects/" + project + "/pipeline", R"({"publishName":"prod"})");
  EXPECT_EQ(unpublished.status, 400) << unpublished.body;

  const std::string iteration = TrainAndPublish(port(), project);
  auto attached =
      Put(port(), "/v1/custom/projects/" + project + "/pipeline", R"({"publishName":"prod"})");
  ASSERT_EQ(attached.status, 200) << attached.body;
  EXPECT_EQ(Body(attached)["iteration"], iteration);

  // Workers see the attachment within 2 s; a new image carries its predictions.
  std::this_thread::sleep_for(std::chrono::milliseconds(2500));
  auto after = Post(port(), "/v1/images", "image/jpeg", shoes[7]);
  ASSERT_EQ(after.status, 202);
  const std::string late = Body(after)["id"];
  ASSERT_NE(WaitForAnalysis(port(), late), "");
  EXPECT_EQ(BestCustomTag(port(), late, project), "shoes")
      << Get(port(), "/v1/images/" + late).body;
  EXPECT_EQ(BestCustomTag(port(), early, project), "");

  // One request re-runs it over what was analysed before.
  auto rerun = Post(port(), "/v1/custom/projects/" + project + "/pipeline/rerun", "", "");
  ASSERT_EQ(rerun.status, 202) << rerun.body;
  json progress;
  EXPECT_TRUE(WaitUntil(
      [&] {
        progress = Body(Get(port(), "/v1/custom/projects/" + project + "/pipeline"))["rerun"];
        return progress["status"] != "Running";
      },
      std::chrono::seconds(60)));
  EXPECT_EQ(progress["status"], "Completed") << progress;
  EXPECT_EQ(progress["done"], progress["total"]) << progress;
  EXPECT_EQ(BestCustomTag(port(), early, project), "hat");

  auto detached = Delete(port(), "/v1/custom/projects/" + project + "/pipeline");
  EXPECT_EQ(detached.status, 204);
}

// kill -9 while an iteration trains; after the restart, it completes.
TEST_F(CustomVisionApiTest, Kill9DuringTrainingCompletesAfterRestart) {
  const std::string project = CreateProject("crash");
  for (const char* kind : {"hat", "shoes", "pants"}) {
    Upload(project, CreateTag(project, kind), Garments(kind, 15));
  }
  auto train = Post(port(), "/v1/custom/projects/" + project + "/train", "", "");
  ASSERT_EQ(train.status, 200) << train.body;
  const std::string iteration = Body(train)["id"];
  const std::string path = "/v1/custom/projects/" + project + "/iterations/" + iteration;
  // Killed once a worker has started on it (computing the 45 photos'
  // features takes over a second).
  ASSERT_TRUE(WaitUntil([&] { return server_->log().find("(attempt 1)") != std::string::npos; },
                        std::chrono::seconds(30)));
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  ASSERT_EQ(Body(Get(port(), path))["status"], "Training") << "trained before the kill";
  server_->Kill9();

  ASSERT_TRUE(server_->Start()) << server_->log();
  std::string status;
  EXPECT_TRUE(WaitUntil(
      [&] {
        status = Body(Get(port(), path))["status"];
        return status != "Training";
      },
      std::chrono::seconds(60)));
  EXPECT_EQ(status, "Completed") << server_->log();
  EXPECT_NE(server_->log().find("(attempt 2)"), std::string::npos) << server_->log();
}

}  // namespace
}  // namespace ocula::testing
