// Backend URIs (s3://, azblob://, nats://) and credentials from the
// environment or files.
#include <gtest/gtest.h>

#include <fstream>
#include <map>

#include "blob/blob_store_azure.h"
#include "blob/blob_store_s3.h"
#include "events/event_bus_nats.h"
#include "storage/temp_dir.h"

namespace ocula {
namespace {

EnvLookup Env(std::map<std::string, std::string> vars) {
  return [vars = std::move(vars)](const std::string& name) -> std::optional<std::string> {
    auto it = vars.find(name);
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
}

const std::map<std::string, std::string> kAwsKeys = {{"AWS_ACCESS_KEY_ID", "AK"},
                                                     {"AWS_SECRET_ACCESS_KEY", "SK"}};

StatusOr<S3Config> S3(const std::string& uri, const std::map<std::string, std::string>& env = kAwsKeys) {
  return S3ConfigFromUri(*ParseUri(uri), Env(env));
}

TEST(S3ConfigTest, DefaultsToAwsWithVirtualHostAddressing) {
  auto config = S3("s3://photos");
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->bucket, "photos");
  EXPECT_EQ(config->prefix, "");
  EXPECT_EQ(config->endpoint, "https://s3.us-east-1.amazonaws.com");
  EXPECT_FALSE(config->path_style);
  EXPECT_EQ(config->credentials.access_key_id, "AK");
  EXPECT_EQ(config->credentials.secret_access_key, "SK");
}

TEST(S3ConfigTest, CustomEndpointDefaultsToPathStyle) {
  auto config = S3("s3://photos/ocula/prod?endpoint=http://minio:9000/&region=eu-west-1&part_size=6291456");
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->prefix, "ocula/prod/");
  EXPECT_EQ(config->endpoint, "http://minio:9000");
  EXPECT_EQ(config->region, "eu-west-1");
  EXPECT_TRUE(config->path_style);
  EXPECT_EQ(config->part_size, 6291456u);
  EXPECT_FALSE(S3("s3://photos?endpoint=http://minio:9000&addressing=virtual")->path_style);
}

TEST(S3ConfigTest, RegionFromTheEnvironment) {
  auto env = kAwsKeys;
  env["AWS_REGION"] = "ap-south-1";
  EXPECT_EQ(S3("s3://b", env)->endpoint, "https://s3.ap-south-1.amazonaws.com");
}

TEST(S3ConfigTest, CredentialsFromTheSharedFile) {
  testing::TempDir dir;
  std::ofstream(dir.File("credentials"))
      << "[default]\naws_access_key_id = DEF\naws_secret_access_key = DEFS\n"
      << "# comment\n[ocula]\naws_access_key_id=OK\naws_secret_access_key = OS\naws_session_token=T\n";
  auto config = S3("s3://b", {{"AWS_SHARED_CREDENTIALS_FILE", dir.File("credentials")},
                              {"AWS_PROFILE", "ocula"}});
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->credentials.access_key_id, "OK");
  EXPECT_EQ(config->credentials.secret_access_key, "OS");
  EXPECT_EQ(config->credentials.session_token, "T");
  EXPECT_EQ(S3("s3://b", {{"AWS_SHARED_CREDENTIALS_FILE", dir.File("credentials")}})
                ->credentials.access_key_id,
            "DEF");
}

TEST(S3ConfigTest, ErrorsSayWhatIsWrong) {
  auto no_creds = S3("s3://b", {{"HOME", "/nonexistent"}});
  EXPECT_EQ(no_creds.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(no_creds.status().message().find("AWS_ACCESS_KEY_ID"), absl::string_view::npos);
  EXPECT_NE(no_creds.status().message().find("/nonexistent/.aws/credentials"), absl::string_view::npos);
  EXPECT_NE(S3("s3://b?endpont=x").status().message().find("unknown s3:// parameter 'endpont'"),
            absl::string_view::npos);
  EXPECT_FALSE(S3("s3://b?part_size=1024").ok());
  EXPECT_FALSE(S3("s3://b?addressing=dns").ok());
  EXPECT_FALSE(S3("s3://b?endpoint=minio:9000").ok());
  EXPECT_FALSE(S3("s3:///prefix-only").ok());
}

StatusOr<AzureConfig> Azure(const std::string& uri, std::map<std::string, std::string> env = {
                                                        {"AZURE_STORAGE_KEY", "a2V5"}}) {
  return AzureConfigFromUri(*ParseUri(uri), Env(std::move(env)));
}

TEST(AzureConfigTest, AccountContainerPrefixAndDefaultEndpoint) {
  auto config = Azure("azblob://acct/images/ocula");
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->account, "acct");
  EXPECT_EQ(config->container, "images");
  EXPECT_EQ(config->prefix, "ocula/");
  EXPECT_EQ(config->endpoint, "https://acct.blob.core.windows.net");
  EXPECT_EQ(config->shared_key, "a2V5");
}

TEST(AzureConfigTest, AccountAndSasFromTheEnvironment) {
  auto config = Azure("azblob:///images?endpoint=http://127.0.0.1:10000/dev",
                      {{"AZURE_STORAGE_ACCOUNT", "dev"}, {"AZURE_STORAGE_SAS_TOKEN", "?sv=1&sig=x"}});
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->account, "dev");
  EXPECT_EQ(config->endpoint, "http://127.0.0.1:10000/dev");
  EXPECT_EQ(config->sas_token, "sv=1&sig=x");
}

TEST(AzureConfigTest, ErrorsSayWhatIsWrong) {
  EXPECT_NE(Azure("azblob://acct/c", {}).status().message().find("AZURE_STORAGE_KEY"),
            absl::string_view::npos);
  EXPECT_FALSE(Azure("azblob://acct/c", {{"AZURE_STORAGE_KEY", "not base64!"}}).ok());
  EXPECT_FALSE(Azure("azblob://acct").ok());
  EXPECT_FALSE(Azure("azblob://acct/c?blocksize=1").ok());
}

// The string to sign of the Azure docs' example layout: standard headers in
// their fixed order, x-ms-* headers sorted, then the resource and its
// parameters (names lowercased and sorted, values decoded).
TEST(AzureSharedKeyTest, StringToSignLayout) {
  std::string to_sign = AzureStringToSign(
      "GET", "myaccount", "/mycontainer",
      {{"x-ms-version", "2021-08-06"}, {"x-ms-date", "Fri, 26 Jun 2015 23:39:12 GMT"}},
      {{"restype", "container"}, {"comp", "list"}, {"prefix", "a/b"}});
  EXPECT_EQ(to_sign,
            "GET\n\n\n\n\n\n\n\n\n\n\n\n"
            "x-ms-date:Fri, 26 Jun 2015 23:39:12 GMT\nx-ms-version:2021-08-06\n"
            "/myaccount/mycontainer\ncomp:list\nprefix:a/b\nrestype:container");
  std::string put = AzureStringToSign("PUT", "a", "/c/b", {{"Content-Length", "0"}, {"If-Match", "\"e\""}}, {});
  EXPECT_EQ(put, "PUT\n\n\n\n\n\n\n\n\"e\"\n\n\n\n/a/c/b");
}

TEST(NatsConfigTest, ServersParametersAndCredentialsFromTheEnvironment) {
  auto config = NatsBusConfigFromUri(*ParseUri("nats://n1:4222,n2:4222?stream=IMG&replicas=3"),
                                     Env({{"OCULA_NATS_TOKEN", "t0k"}}));
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->servers, (std::vector<std::string>{"nats://n1:4222", "nats://n2:4222"}));
  EXPECT_EQ(config->stream, "IMG");
  EXPECT_EQ(config->replicas, 3);
  EXPECT_EQ(config->token, "t0k");
}

TEST(NatsConfigTest, ErrorsSayWhatIsWrong) {
  auto with_secret = NatsBusConfigFromUri(*ParseUri("nats://u:p@n1:4222"), Env({}));
  EXPECT_NE(with_secret.status().message().find("OCULA_NATS_TOKEN"), absl::string_view::npos);
  EXPECT_FALSE(NatsBusConfigFromUri(*ParseUri("nats://n1?stram=x"), Env({})).ok());
  EXPECT_FALSE(NatsBusConfigFromUri(*ParseUri("nats://n1?replicas=9"), Env({})).ok());
}

}  // namespace
}  // namespace ocula
