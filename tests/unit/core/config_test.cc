#include "core/config.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

namespace ocula {
namespace {

EnvLookup Env(std::map<std::string, std::string> vars) {
  return [vars](const std::string& name) -> std::optional<std::string> {
    auto it = vars.find(name);
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
}

std::string WriteFile(const std::string& text) {
  auto path = std::filesystem::temp_directory_path() /
              ("ocula-config-" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) +
               ::testing::UnitTest::GetInstance()->current_test_info()->name() + ".toml");
  std::ofstream(path) << text;
  return path.string();
}

TEST(ConfigTest, DefaultsAreEmbedded) {
  auto c = LoadConfig("", Env({}), {});
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->listen, "127.0.0.1:8080");
  EXPECT_EQ(c->max_upload_bytes, 20u << 20);
  std::string dir = std::filesystem::absolute("./data").lexically_normal().string();
  EXPECT_EQ(c->blob_uri, "file://" + dir + "/blobs");
  EXPECT_EQ(c->metadata_uri, "sqlite://" + dir + "/ocula.db");
  EXPECT_EQ(c->events_uri, c->metadata_uri);
}

TEST(ConfigTest, AnotherMetadataStoreNeedsItsOwnQueue) {
  auto c = LoadConfig("", Env({{"OCULA_METADATA", "postgresql://ocula@db/ocula"}}), {});
  EXPECT_EQ(c.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(c.status().message().find("storage.events"), absl::string_view::npos);
  auto both = LoadConfig("", Env({{"OCULA_METADATA", "postgresql://ocula@db/ocula"},
                                  {"OCULA_EVENTS", "nats://q:4222"}}), {});
  ASSERT_TRUE(both.ok()) << both.status();
  EXPECT_EQ(both->events_uri, "nats://q:4222");
}

TEST(ConfigTest, FileThenEnvironmentThenFlags) {
  std::string file = WriteFile(R"(
data_dir = "/srv/ocula"
[server]
listen = "0.0.0.0:9000"
io_threads = 3
[vision]
engine = "opencv"
top_tags = 7
)");
  auto c = LoadConfig(file, Env({{"OCULA_LISTEN", "127.0.0.1:9001"}, {"OCULA_TOP_TAGS", "9"}}),
                      {{"vision.top_tags", "11"}});
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->data_dir, "/srv/ocula");
  EXPECT_EQ(c->io_threads, 3);
  EXPECT_EQ(c->engine, "opencv");
  EXPECT_EQ(c->listen, "127.0.0.1:9001");  // env beats file
  EXPECT_EQ(c->top_tags, 11);              // flag beats env
  EXPECT_EQ(c->blob_uri, "file:///srv/ocula/blobs");
}

TEST(ConfigTest, UnknownKeyInFileIsAnError) {
  std::string file = WriteFile("[server]\nlisten_addr = \"x\"\n");
  auto c = LoadConfig(file, Env({}), {});
  ASSERT_EQ(c.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(c.status().message().find("unknown setting 'server.listen_addr'"), std::string::npos)
      << c.status();
}

TEST(ConfigTest, BadValuesNameTheirSource) {
  auto bad_env = LoadConfig("", Env({{"OCULA_WORKERS", "many"}}), {});
  ASSERT_EQ(bad_env.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(bad_env.status().message().find("OCULA_WORKERS"), std::string::npos);

  auto bad_engine = LoadConfig("", Env({{"OCULA_ENGINE", "tensorflow"}}), {});
  EXPECT_NE(bad_engine.status().message().find("not one of: onnxruntime, opencv"),
            std::string::npos)
      << bad_engine.status();

  auto out_of_range = LoadConfig("", Env({}), {{"server.io_threads", "0"}});
  EXPECT_EQ(out_of_range.status().code(), StatusCode::kInvalidArgument);

  std::string file = WriteFile("[server\nlisten=");
  auto syntax = LoadConfig(file, Env({}), {});
  EXPECT_NE(syntax.status().message().find("line"), std::string::npos) << syntax.status();
}

TEST(ConfigTest, EverySettingHasAnEnvironmentVariableAndHelp) {
  for (const Setting& s : Settings()) {
    EXPECT_EQ(s.env.rfind("OCULA_", 0), 0u) << s.key;
    EXPECT_FALSE(s.help.empty()) << s.key;
    Config c;
    EXPECT_TRUE(s.set(c, s.get(c)).ok()) << s.key << " does not accept its own default";
  }
}

}  // namespace
}  // namespace ocula
