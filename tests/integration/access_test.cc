// Identities and access, end to end against the real server: the bootstrap
// admin key, keys with scopes (HTTP and `ocula keys`), revocation without a
// restart, per-key rate limits, and signed upload URLs.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <thread>

#include "http_client.h"
#include "server_process.h"

namespace ocula::testing {
namespace {

using nlohmann::json;
using Headers = std::vector<std::pair<std::string, std::string>>;

Headers Bearer(const std::string& key) { return {{"Authorization", "Bearer " + key}}; }

std::string Photo() { return ReadFile(ServerProcess::SharedDir() + "/testdata/detect/dog.jpg"); }

std::string ErrorCode(const ClientResponse& r) {
  json body = json::parse(r.body, nullptr, false);
  return body.is_object() && body.contains("error") ? body["error"].value("code", "") : "";
}

struct CliRun {
  int exit_code;
  std::string out;
};

CliRun Ocula(const std::string& args) {
  FILE* pipe = popen((ServerProcess::Binary() + " " + args + " 2>/dev/null").c_str(), "r");
  std::string out;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, pipe)) > 0) out.append(buf, n);
  int status = pclose(pipe);
  while (!out.empty() && out.back() == '\n') out.pop_back();
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, out};
}

// Polls until GET /v1/images with `key` answers `status` (revocation is
// cached for up to a second).
bool WaitForStatus(int port, const std::string& key, int status) {
  for (int i = 0; i < 40; ++i) {
    if (Get(port, "/v1/images?limit=1", Bearer(key)).status == status) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return false;
}

class AuthTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new std::string(MakeTempDir("ocula-auth"));
    server_ = new ServerProcess(*dir_, {{"OCULA_WORKERS", "1"}});
    ASSERT_TRUE(server_->Start()) << server_->log();
  }
  static void TearDownTestSuite() {
    EXPECT_EQ(server_->Terminate(), 0) << server_->log();
    delete server_;
    std::filesystem::remove_all(*dir_);
    delete dir_;
  }
  static int port() { return server_->port(); }

  // A new key from POST /v1/keys (as the admin).
  static json CreateKey(const std::string& name, const json& scopes, json extra = json::object()) {
    json body = extra;
    body["name"] = name;
    body["scopes"] = scopes;
    auto r = Post(port(), "/v1/keys", "application/json", body.dump());
    EXPECT_EQ(r.status, 201) << r.body;
    return json::parse(r.body, nullptr, false);
  }

  static std::string* dir_;
  static ServerProcess* server_;
};
std::string* AuthTest::dir_ = nullptr;
ServerProcess* AuthTest::server_ = nullptr;

TEST_F(AuthTest, ScopesDecideWhatEachKeyMayDo) {
  const std::string reader = CreateKey("reader", {"images:read"})["key"];
  const std::string writer = CreateKey("writer", "images:write")["key"];
  const std::string analyst = CreateKey("analyst", {"analyze"})["key"];
  const std::string jpeg = Photo();

  EXPECT_EQ(Get(port(), "/v1/images", Bearer(reader)).status, 200);
  auto refused = Post(port(), "/v1/images", "image/jpeg", jpeg, Bearer(reader));
  EXPECT_EQ(refused.status, 403);
  EXPECT_EQ(ErrorCode(refused), "Forbidden");
  EXPECT_NE(refused.body.find("images:write"), std::string::npos) << refused.body;

  auto upload = Post(port(), "/v1/images", "image/jpeg", jpeg, Bearer(writer));
  ASSERT_EQ(upload.status, 202) << upload.body;
  const std::string id = json::parse(upload.body)["id"];
  EXPECT_EQ(Get(port(), "/v1/images/" + id, Bearer(writer)).status, 403);
  EXPECT_EQ(Send(port(), {"DELETE", "/v1/images/" + id, Bearer(reader), ""}).status, 403);
  EXPECT_EQ(Get(port(), "/v1/images/" + id, {{"Ocp-Apim-Subscription-Key", reader}}).status, 200);

  EXPECT_EQ(Post(port(), "/vision/v3.2/tag", "application/octet-stream", jpeg,
                 {{"Ocp-Apim-Subscription-Key", analyst}})
                .status,
            200);
  auto vision_refused = Post(port(), "/vision/v3.2/tag", "application/octet-stream", jpeg,
                             {{"Ocp-Apim-Subscription-Key", reader}});
  EXPECT_EQ(vision_refused.status, 403);
  EXPECT_TRUE(json::parse(vision_refused.body)["error"].contains("innererror"));  // CV envelope
  EXPECT_EQ(Get(port(), "/v1/images", Bearer(analyst)).status, 403);

  EXPECT_EQ(Post(port(), "/v1/keys", "application/json", R"({"name":"x","scopes":"admin"})",
                 Bearer(reader))
                .status,
            403);
  EXPECT_EQ(Get(port(), "/v1/keys", Bearer(writer)).status, 403);
  auto bad_scope = Post(port(), "/v1/keys", "application/json", R"({"name":"x","scopes":"root"})");
  EXPECT_EQ(bad_scope.status, 400);

  // Missing and wrong keys: 401 with the envelope, on both header forms.
  ClientRequest anonymous{"GET", "/v1/images", {}, "", false};
  auto none = Send(port(), anonymous);
  EXPECT_EQ(none.status, 401);
  EXPECT_EQ(ErrorCode(none), "Unauthorized");
  EXPECT_EQ(Get(port(), "/v1/images", Bearer(reader + "x")).status, 401);
  EXPECT_EQ(Get(port(), "/v1/images", {{"Ocp-Apim-Subscription-Key", "ocula_zzzzzzzzzzzz_x"}}).status,
            401);
}

TEST_F(AuthTest, ListingShowsKeysButNeverTheirSecrets) {
  json created = CreateKey("listed", {"images:read", "analyze"}, {{"expiresInDays", 7}});
  auto list = Get(port(), "/v1/keys");
  ASSERT_EQ(list.status, 200) << list.body;
  EXPECT_EQ(list.body.find(created["key"].get<std::string>()), std::string::npos);
  bool found = false;
  const json listed = json::parse(list.body);
  for (const json& key : listed["keys"]) {
    EXPECT_FALSE(key.contains("key"));
    EXPECT_FALSE(key.contains("hash"));
    if (key["id"] == created["id"]) {
      found = true;
      EXPECT_EQ(key["scopes"], "images:read,analyze");
      EXPECT_TRUE(key["expiresAt"].is_string());
      EXPECT_TRUE(key["revokedAt"].is_null());
    }
  }
  EXPECT_TRUE(found);
}

TEST_F(AuthTest, RevocationTakesEffectWithoutARestart) {
  json created = CreateKey("short-lived", {"images:read"});
  const std::string key = created["key"];
  ASSERT_EQ(Get(port(), "/v1/images", Bearer(key)).status, 200);
  ASSERT_EQ(Send(port(), {"DELETE", "/v1/keys/" + created["id"].get<std::string>(), {}, ""}).status,
            204);
  EXPECT_TRUE(WaitForStatus(port(), key, 401));
}

TEST_F(AuthTest, KeysCommandWorksBesideARunningServer) {
  const std::string data = "--data-dir " + *dir_;
  CliRun created = Ocula("keys create " + data + " --name cli-reader --scopes images:read");
  ASSERT_EQ(created.exit_code, 0) << created.out;
  EXPECT_EQ(created.out.rfind("ocula_", 0), 0u) << created.out;
  EXPECT_TRUE(WaitForStatus(port(), created.out, 200));
  EXPECT_EQ(Post(port(), "/v1/images", "image/jpeg", Photo(), Bearer(created.out)).status, 403);

  CliRun list = Ocula("keys list --json " + data);
  ASSERT_EQ(list.exit_code, 0);
  EXPECT_NE(list.out.find("\"cli-reader\""), std::string::npos) << list.out;
  EXPECT_EQ(list.out.find(created.out), std::string::npos);
  const std::string id = created.out.substr(6, 12);
  EXPECT_EQ(Ocula("keys revoke " + data + " " + id).exit_code, 0);
  EXPECT_TRUE(WaitForStatus(port(), created.out, 401));
  EXPECT_NE(Ocula("keys revoke " + data + " no-such-key").exit_code, 0);
  EXPECT_NE(Ocula("keys create " + data + " --name x --scopes root").exit_code, 0);
}

TEST_F(AuthTest, KeysOverTheirRateGet429WithRetryAfter) {
  const std::string key = CreateKey("slow", {"images:read"}, {{"ratePerSecond", 2}})["key"];
  int limited = 0;
  ClientResponse last;
  for (int i = 0; i < 12; ++i) {  // the burst holds 2 s worth: 4 requests
    auto r = Get(port(), "/v1/images?limit=1", Bearer(key));
    if (r.status == 429) {
      ++limited;
      last = r;
    }
  }
  EXPECT_GE(limited, 6);
  EXPECT_EQ(ErrorCode(last), "TooManyRequests");
  EXPECT_GE(std::stoi(last.Header("retry-after")), 1);
  EXPECT_EQ(Get(port(), "/v1/images?limit=1").status, 200);  // other keys are not slowed
}

TEST_F(AuthTest, SignedUploadUrlsWorkOnceUntilTheyExpire) {
  json writer = CreateKey("uploader", {"images:write"});
  const std::string writer_key = writer["key"];
  auto minted = Post(port(), "/v1/upload-urls", "application/json", "", Bearer(writer_key));
  ASSERT_EQ(minted.status, 201) << minted.body;
  const std::string url = json::parse(minted.body)["url"];
  ASSERT_EQ(url.rfind("/v1/uploads/", 0), 0u);

  auto anonymous = [&](const std::string& path, const std::string& body) {
    return Send(port(), {"POST", path, {{"Content-Type", "image/jpeg"}}, body, false});
  };
  auto bad_image = anonymous(url, "not an image");
  EXPECT_EQ(bad_image.status, 400);  // refused before the URL is used up
  auto used = anonymous(url, Photo());
  ASSERT_EQ(used.status, 202) << used.body;
  const std::string id = json::parse(used.body)["id"];
  EXPECT_EQ(Get(port(), "/v1/images/" + id).status, 200);
  auto replay = anonymous(url, Photo());
  EXPECT_EQ(replay.status, 403);
  EXPECT_EQ(ErrorCode(replay), "UrlAlreadyUsed");

  std::string tampered = url;
  tampered[15] = tampered[15] == 'A' ? 'B' : 'A';
  EXPECT_EQ(ErrorCode(anonymous(tampered, Photo())), "InvalidSignature");

  auto short_lived = Post(port(), "/v1/upload-urls", "application/json",
                          R"({"expiresInSeconds":1})", Bearer(writer_key));
  ASSERT_EQ(short_lived.status, 201);
  std::this_thread::sleep_for(std::chrono::milliseconds(1100));
  auto expired = anonymous(json::parse(short_lived.body)["url"], Photo());
  EXPECT_EQ(expired.status, 403);
  EXPECT_EQ(ErrorCode(expired), "UrlExpired");

  // Only writers mint, and a URL dies with the key that signed it.
  const std::string reader = CreateKey("no-mint", {"images:read"})["key"];
  EXPECT_EQ(Post(port(), "/v1/upload-urls", "application/json", "", Bearer(reader)).status, 403);
  auto orphan = Post(port(), "/v1/upload-urls", "application/json", "", Bearer(writer_key));
  ASSERT_EQ(orphan.status, 201);
  ASSERT_EQ(Send(port(), {"DELETE", "/v1/keys/" + writer["id"].get<std::string>(), {}, ""}).status,
            204);
  std::this_thread::sleep_for(std::chrono::milliseconds(1100));
  EXPECT_EQ(anonymous(json::parse(orphan.body)["url"], Photo()).status, 403);
  EXPECT_EQ(Post(port(), "/v1/upload-urls", "application/json", R"({"expiresInSeconds":0})").status,
            400);
}

TEST_F(AuthTest, NoSecretReachesTheLog) {
  const std::string key = CreateKey("logged?", {"images:read"})["key"];
  Get(port(), "/v1/images", Bearer(key));
  Get(port(), "/v1/images", Bearer("wrong-" + key));
  const std::string log = server_->log();
  EXPECT_EQ(log.find(kTestAdminKey), std::string::npos);
  EXPECT_EQ(log.find(key.substr(19)), std::string::npos);  // the secret part
}

TEST(AuthBootstrapTest, FirstStartWritesAnAdminKeyFileOnce) {
  std::string dir = MakeTempDir("ocula-bootstrap");
  std::string key;
  {
    ServerProcess server(dir, {{"OCULA_ADMIN_KEY", ""}, {"OCULA_WORKERS", "1"}});
    ASSERT_TRUE(server.Start()) << server.log();
    struct stat st {};
    ASSERT_EQ(stat((dir + "/admin.key").c_str(), &st), 0) << server.log();
    EXPECT_EQ(st.st_mode & 0777, 0600);
    key = ReadFile(dir + "/admin.key");
    while (!key.empty() && key.back() == '\n') key.pop_back();
    EXPECT_NE(server.log().find(dir + "/admin.key"), std::string::npos) << "the log says where";
    EXPECT_EQ(server.log().find(key), std::string::npos) << "but not what";
    EXPECT_EQ(Get(server.port(), "/v1/images", Bearer(key)).status, 200);
    EXPECT_EQ(Get(server.port(), "/v1/images").status, 401);  // the test default is not set here
    EXPECT_EQ(server.Terminate(), 0);
  }
  ServerProcess again(dir, {{"OCULA_ADMIN_KEY", ""}, {"OCULA_WORKERS", "1"}});
  ASSERT_TRUE(again.Start()) << again.log();
  EXPECT_EQ(Get(again.port(), "/v1/images", Bearer(key)).status, 200);
  auto keys = Get(again.port(), "/v1/keys", Bearer(key));
  EXPECT_EQ(json::parse(keys.body)["keys"].size(), 1u) << "no second key on restart";
  EXPECT_EQ(again.Terminate(), 0);
  std::filesystem::remove_all(dir);
}

TEST(AuthBootstrapTest, AdminKeyFromAFileAndTooShortKeysRefused) {
  std::string dir = MakeTempDir("ocula-keyfile");
  const std::string file = dir + "-admin.txt";
  std::ofstream(file) << "a-deployment-chosen-secret\n";
  {
    ServerProcess server(dir, {{"OCULA_ADMIN_KEY", ""}, {"OCULA_ADMIN_KEY_FILE", file}});
    ASSERT_TRUE(server.Start()) << server.log();
    EXPECT_EQ(Get(server.port(), "/v1/images", Bearer("a-deployment-chosen-secret")).status, 200);
    EXPECT_FALSE(std::filesystem::exists(dir + "/admin.key"));
    EXPECT_EQ(server.Terminate(), 0);
  }
  ServerProcess short_key(dir, {{"OCULA_ADMIN_KEY", "short"}});
  EXPECT_FALSE(short_key.Start(5000));
  EXPECT_NE(short_key.log().find("at least 16 characters"), std::string::npos) << short_key.log();
  std::filesystem::remove_all(dir);
  std::filesystem::remove(file);
}

}  // namespace
}  // namespace ocula::testing
