#include "core/registry.h"

#include <gtest/gtest.h>

namespace ocula {
namespace {

struct Thing {
  virtual ~Thing() = default;
  std::string where;
};
struct Ctx {};

TEST(RegistryTest, BuildsTheBackendNamedByTheScheme) {
  BackendRegistry<Thing, Ctx> registry("thing store");
  registry.Register("mem", [](const Uri& uri, const Ctx&) -> StatusOr<std::unique_ptr<Thing>> {
    auto t = std::make_unique<Thing>();
    t->where = uri.path;
    return t;
  });
  auto thing = registry.Create("MEM:///a/b?x=1", Ctx{});
  ASSERT_TRUE(thing.ok()) << thing.status();
  EXPECT_EQ((*thing)->where, "/a/b");
}

TEST(RegistryTest, UnknownSchemeNamesTheKnownOnes) {
  BackendRegistry<Thing, Ctx> registry("thing store");
  registry.Register("mem", [](const Uri&, const Ctx&) -> StatusOr<std::unique_ptr<Thing>> {
    return std::make_unique<Thing>();
  });
  auto thing = registry.Create("ftp://host/x?secret=1", Ctx{});
  ASSERT_EQ(thing.status().code(), StatusCode::kInvalidArgument);
  std::string msg(thing.status().message());
  EXPECT_NE(msg.find("unknown thing store scheme 'ftp://'"), std::string::npos) << msg;
  EXPECT_NE(msg.find("mem://"), std::string::npos) << msg;
  EXPECT_EQ(msg.find("secret"), std::string::npos) << "query strings may hold secrets: " << msg;
}

TEST(UriTest, ParsesPartsAndDecodes) {
  auto uri = ParseUri("s3://bucket/some%20path?endpoint=http%3A%2F%2Fx%3A9000&region=eu");
  ASSERT_TRUE(uri.ok());
  EXPECT_EQ(uri->scheme, "s3");
  EXPECT_EQ(uri->authority, "bucket");
  EXPECT_EQ(uri->path, "/some path");
  EXPECT_EQ(uri->query.at("endpoint"), "http://x:9000");
  EXPECT_EQ(uri->query.at("region"), "eu");
  EXPECT_EQ(uri->Redacted(), "s3://bucket/some path");
  EXPECT_EQ(ParseUri("postgresq://user:pw@db:5432/x?password=y")->Redacted(), "postgresq://db:5432/x");
}

TEST(UriTest, RejectsMalformed) {
  EXPECT_EQ(ParseUri("/just/a/path").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(ParseUri("file:///a%zz").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(ParseUri("file:///a%2").status().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace ocula
