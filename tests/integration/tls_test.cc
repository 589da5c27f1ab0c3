// HTTPS end to end: the real `ocula serve` with a self-signed certificate made
// by the openssl CLI, driven with libcurl (which checks the certificate
// against that file) and with raw sockets for clients that misbehave.
#include <curl/curl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "http_client.h"
#include "server_process.h"

namespace ocula::testing {
namespace {

using Clock = std::chrono::steady_clock;
using nlohmann::json;
using std::chrono::milliseconds;

// The bootstrap admin key the TLS server is started with (OCULA_ADMIN_KEY),
// sent as a Bearer token on /v1 requests.
const std::string kKey = "tls-test-admin-key-0123456789abcdef";

int64_t MillisSince(Clock::time_point start) {
  return std::chrono::duration_cast<milliseconds>(Clock::now() - start).count();
}

// Runs a shell command quietly; its exit status.
int Shell(const std::string& command) {
  int status = std::system((command + " >/dev/null 2>&1 </dev/null").c_str());
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

struct Certs {
  std::string cert;       // self-signed, for 127.0.0.1 and localhost
  std::string key;        // its key
  std::string other_key;  // a key of another certificate
  std::string garbage;    // not PEM at all
};

Certs MakeCerts(const std::string& dir) {
  Certs c{dir + "/cert.pem", dir + "/key.pem", dir + "/other-key.pem", dir + "/garbage.pem"};
  int made = Shell(
      "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes "
      "-days 2 -subj /CN=127.0.0.1 "
      "-addext subjectAltName=IP:127.0.0.1,DNS:localhost -keyout " +
      c.key + " -out " + c.cert);
  EXPECT_EQ(made, 0) << "openssl req failed";
  EXPECT_EQ(
      Shell("openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out " + c.other_key),
      0);
  std::ofstream(c.garbage) << "this is not a certificate\n";
  return c;
}

struct HttpsResponse {
  long status = 0;  // 0 when the request failed
  std::string body;
  std::string content_type;
  std::string error;
  long new_connections = -1;  // connections libcurl opened for this request
};

// A libcurl handle trusting only `ca_file`: requests made through one client
// reuse its connection (keep-alive).
class HttpsClient {
 public:
  explicit HttpsClient(std::string ca_file) : curl_(curl_easy_init()), ca_(std::move(ca_file)) {}
  ~HttpsClient() { curl_easy_cleanup(curl_); }
  HttpsClient(const HttpsClient&) = delete;
  HttpsClient& operator=(const HttpsClient&) = delete;

  HttpsResponse Get(int port, const std::string& path, bool with_key = false) {
    curl_easy_setopt(curl_, CURLOPT_HTTPGET, 1L);
    return Perform(port, path, with_key, {});
  }
  HttpsResponse Post(int port, const std::string& path, const std::string& content_type,
                     const std::string& body) {
    curl_easy_setopt(curl_, CURLOPT_POST, 1L);
    curl_easy_setopt(curl_, CURLOPT_POSTFIELDS, body.data());
    curl_easy_setopt(curl_, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
    // No "Expect: 100-continue": the body goes out at once.
    return Perform(port, path, true, {"Content-Type: " + content_type, "Expect:"});
  }
  // Reads a streamed response until `until` appears in it (or the timeout),
  // then hangs up.
  HttpsResponse ReadStream(int port, const std::string& path, const std::string& until,
                           int timeout_ms) {
    curl_easy_setopt(curl_, CURLOPT_HTTPGET, 1L);
    stop_at_ = until;
    HttpsResponse r = Perform(port, path, true, {}, timeout_ms);
    stop_at_.clear();
    return r;
  }
  void set_tls_versions(long versions) { curl_easy_setopt(curl_, CURLOPT_SSLVERSION, versions); }

 private:
  static size_t Append(char* data, size_t size, size_t n, void* self_ptr) {
    auto* self = static_cast<HttpsClient*>(self_ptr);
    self->body_.append(data, size * n);
    if (!self->stop_at_.empty() && self->body_.find(self->stop_at_) != std::string::npos) {
      return 0;  // enough: abort the transfer
    }
    return size * n;
  }

  HttpsResponse Perform(int port, const std::string& path, bool with_key,
                        std::vector<std::string> headers, int timeout_ms = 20000) {
    if (with_key) headers.push_back("Authorization: Bearer " + kKey);
    curl_slist* list = nullptr;
    for (const std::string& h : headers) list = curl_slist_append(list, h.c_str());
    std::string url = "https://127.0.0.1:" + std::to_string(port) + path;
    char error[CURL_ERROR_SIZE] = "";
    body_.clear();
    curl_easy_setopt(curl_, CURLOPT_URL, url.c_str());
    curl_easy_setopt(curl_, CURLOPT_CAINFO, ca_.c_str());
    curl_easy_setopt(curl_, CURLOPT_HTTPHEADER, list);
    curl_easy_setopt(curl_, CURLOPT_WRITEFUNCTION, &HttpsClient::Append);
    curl_easy_setopt(curl_, CURLOPT_WRITEDATA, this);
    curl_easy_setopt(curl_, CURLOPT_ERRORBUFFER, error);
    curl_easy_setopt(curl_, CURLOPT_CONNECTTIMEOUT_MS, 5000L);
    curl_easy_setopt(curl_, CURLOPT_TIMEOUT_MS, static_cast<long>(timeout_ms));
    curl_easy_setopt(curl_, CURLOPT_NOSIGNAL, 1L);
    CURLcode rc = curl_easy_perform(curl_);
    HttpsResponse out;
    out.body = body_;
    curl_easy_getinfo(curl_, CURLINFO_RESPONSE_CODE, &out.status);
    curl_easy_getinfo(curl_, CURLINFO_NUM_CONNECTS, &out.new_connections);
    char* type = nullptr;
    curl_easy_getinfo(curl_, CURLINFO_CONTENT_TYPE, &type);
    if (type) out.content_type = type;
    if (rc != CURLE_OK) {
      out.error = std::string(curl_easy_strerror(rc)) + ": " + error;
      if (stop_at_.empty() || rc != CURLE_WRITE_ERROR) out.status = 0;
    }
    curl_easy_setopt(curl_, CURLOPT_HTTPHEADER, nullptr);
    curl_easy_setopt(curl_, CURLOPT_ERRORBUFFER, nullptr);
    curl_slist_free_all(list);
    return out;
  }

  CURL* curl_;
  std::string ca_;
  std::string body_;
  std::string stop_at_;
};

// ServerProcess::Start waits for /healthz over plain HTTP, which a TLS
// listener never answers: start the process without waiting (a zero wait
// just forks it), then wait for /healthz over HTTPS here.
bool StartTls(ServerProcess& server, const std::string& ca_file, int timeout_ms = 30000) {
  server.Start(0);
  HttpsClient client(ca_file);
  auto start = Clock::now();
  while (MillisSince(start) < timeout_ms) {
    if (client.Get(server.port(), "/healthz").status == 200) return true;
    if (server.log().find("critical") != std::string::npos) return false;
    std::this_thread::sleep_for(milliseconds(100));
  }
  return false;
}

struct Exit {
  int code = -1;  // -1: still running after the timeout (then killed)
  std::string output;
};

// Runs `ocula serve` with the test environment plus `env`, expecting it to
// stop by itself; its exit code and what it printed.
Exit RunServe(const std::string& data_dir, const std::map<std::string, std::string>& env,
              int timeout_ms = 30000) {
  std::string log = data_dir + "/serve.out";
  pid_t pid = fork();
  if (pid == 0) {
    setenv("OCULA_DATA_DIR", data_dir.c_str(), 1);
    setenv("OCULA_LISTEN", "127.0.0.1:0", 1);
    setenv("OCULA_MODEL_DIR", ServerProcess::ModelDir().c_str(), 1);
    setenv("OCULA_WORKERS", "1", 1);
    for (const auto& [k, v] : env) setenv(k.c_str(), v.c_str(), 1);
    FILE* out = std::fopen(log.c_str(), "w");
    if (out) {
      dup2(fileno(out), STDOUT_FILENO);
      dup2(fileno(out), STDERR_FILENO);
    }
    std::string bin = ServerProcess::Binary();
    execl(bin.c_str(), bin.c_str(), "serve", static_cast<char*>(nullptr));
    _exit(127);
  }
  Exit result;
  auto start = Clock::now();
  int status = 0;
  while (waitpid(pid, &status, WNOHANG) != pid) {
    if (MillisSince(start) > timeout_ms) {
      kill(pid, SIGKILL);
      waitpid(pid, &status, 0);
      result.output = ReadFile(log);
      return result;
    }
    std::this_thread::sleep_for(milliseconds(20));
  }
  result.code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  result.output = ReadFile(log);
  return result;
}

class TlsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new std::string(MakeTempDir("ocula-tls"));
    certs_ = new Certs(MakeCerts(*dir_));
    server_ = new ServerProcess(*dir_ + "/data", {{"OCULA_TLS_CERT_FILE", certs_->cert},
                                                  {"OCULA_TLS_KEY_FILE", certs_->key},
                                                  {"OCULA_HEADER_TIMEOUT_S", "2"},
                                                  {"OCULA_MAX_UPLOAD_BYTES", "3000000"},
                                                  {"OCULA_ADMIN_KEY", kKey},
                                                  {"OCULA_WORKERS", "1"}});
    ASSERT_TRUE(StartTls(*server_, certs_->cert)) << server_->log();
  }
  static void TearDownTestSuite() {
    EXPECT_EQ(server_->Terminate(), 0) << server_->log();
    delete server_;
    std::filesystem::remove_all(*dir_);
    delete certs_;
    delete dir_;
  }
  void TearDown() override {
    // Whatever a test sent, the server must still be serving HTTPS.
    HttpsClient client(certs_->cert);
    EXPECT_EQ(client.Get(port(), "/healthz").status, 200) << server_->log();
  }

  static int port() { return server_->port(); }
  static const Certs& certs() { return *certs_; }

  static std::string* dir_;
  static Certs* certs_;
  static ServerProcess* server_;
};
std::string* TlsTest::dir_ = nullptr;
Certs* TlsTest::certs_ = nullptr;
ServerProcess* TlsTest::server_ = nullptr;

TEST_F(TlsTest, HealthzAnswersOverHttps) {
  HttpsClient client(certs().cert);
  HttpsResponse r = client.Get(port(), "/healthz");
  EXPECT_EQ(r.status, 200) << r.error;
  EXPECT_EQ(r.new_connections, 1);
  EXPECT_NE(server_->log().find("TLS on"), std::string::npos) << server_->log();
}

TEST_F(TlsTest, KeepAliveCarriesTwoRequestsOnOneConnection) {
  HttpsClient client(certs().cert);
  HttpsResponse first = client.Get(port(), "/healthz");
  ASSERT_EQ(first.status, 200) << first.error;
  EXPECT_EQ(first.new_connections, 1);
  HttpsResponse second = client.Get(port(), "/readyz");
  EXPECT_GT(second.status, 0) << second.error;
  EXPECT_EQ(second.new_connections, 0) << "the second request opened a new connection";
}

TEST_F(TlsTest, TlsBelowVersionOnePointTwoIsRefused) {
  std::string connect = "openssl s_client -connect 127.0.0.1:" + std::to_string(port());
  // The client's own security level would refuse TLS 1.1 first: lower it.
  EXPECT_NE(Shell(connect + " -tls1_1 -cipher DEFAULT@SECLEVEL=0"), 0);
  EXPECT_EQ(Shell(connect + " -tls1_2"), 0);  // the same command works with 1.2
  HttpsClient client(certs().cert);
  client.set_tls_versions(long{CURL_SSLVERSION_TLSv1_2} | long{CURL_SSLVERSION_MAX_TLSv1_2});
  EXPECT_EQ(client.Get(port(), "/healthz").status, 200);
}

TEST_F(TlsTest, UploadOverHttpsIsAcceptedAndAnalysed) {
  std::string jpeg = ReadFile(ServerProcess::SharedDir() + "/testdata/detect/dog.jpg");
  ASSERT_FALSE(jpeg.empty()) << "test photo detect/dog.jpg is missing";
  HttpsClient client(certs().cert);
  HttpsResponse r = client.Post(port(), "/v1/images", "image/jpeg", jpeg);
  ASSERT_EQ(r.status, 202) << r.error << r.body;
  std::string id = json::parse(r.body)["id"];
  json doc;
  auto start = Clock::now();
  while (MillisSince(start) < 60000) {
    HttpsResponse got = client.Get(port(), "/v1/images/" + id, /*with_key=*/true);
    ASSERT_EQ(got.status, 200) << got.error << got.body;
    doc = json::parse(got.body);
    if (doc["status"] == "done" || doc["status"] == "failed") break;
    std::this_thread::sleep_for(milliseconds(100));
  }
  ASSERT_EQ(doc["status"], "done") << doc.dump();
  EXPECT_FALSE(doc["analysis"]["tags"].empty()) << doc.dump();
}

TEST_F(TlsTest, OversizedUploadIsRefused413OverHttps) {
  HttpsClient client(certs().cert);
  // Over max_upload_bytes plus the multipart allowance: refused before the
  // body is read, then the rest is drained so the client reads the answer.
  HttpsResponse r = client.Post(port(), "/v1/images", "image/jpeg", std::string(6 << 20, 'x'));
  EXPECT_EQ(r.status, 413) << r.error;
  EXPECT_NE(r.body.find("PayloadTooLarge"), std::string::npos) << r.body;
}

TEST_F(TlsTest, EventStreamIsStreamedOverHttps) {
  HttpsClient client(certs().cert);
  HttpsResponse r = client.ReadStream(port(), "/v1/events/stream", "event: ready", 10000);
  EXPECT_EQ(r.status, 200) << r.error;
  EXPECT_EQ(r.content_type.rfind("text/event-stream", 0), 0u) << r.content_type;
  EXPECT_NE(r.body.find("event: ready"), std::string::npos) << r.error << "\n" << r.body;
}

TEST_F(TlsTest, PlainHttpToTheTlsPortFailsWithoutHarm) {
  ClientResponse plain = Get(port(), "/healthz");
  EXPECT_EQ(plain.status, 0) << "a plain HTTP request was answered over the TLS port";
  RawConnection c(port());
  ASSERT_TRUE(c.connected());
  c.Send("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
  EXPECT_TRUE(c.WaitClosed(3000)) << "the connection stayed open";
  EXPECT_EQ(c.received().find("HTTP/1.1"), std::string::npos) << c.received();
}

TEST_F(TlsTest, ClientThatNeverFinishesTheHandshakeIsDropped) {
  auto start = Clock::now();
  RawConnection silent(port());   // connects, sends nothing
  RawConnection stalled(port());  // starts a ClientHello, never finishes it
  ASSERT_TRUE(silent.connected() && stalled.connected());
  stalled.Send(std::string("\x16\x03\x01\x02\x00\x01\x00", 7));
  // Meanwhile others are served.
  HttpsClient client(certs().cert);
  EXPECT_EQ(client.Get(port(), "/healthz").status, 200);
  EXPECT_TRUE(silent.WaitClosed(6000));
  EXPECT_TRUE(stalled.WaitClosed(1000));
  int64_t elapsed = MillisSince(start);
  EXPECT_GE(elapsed, 1500);  // header_timeout (the handshake's limit) is 2 s
  EXPECT_LE(elapsed, 4500);
}

TEST(TlsStartupTest, CertificateWithoutKeyOrKeyWithoutCertificateIsAnError) {
  std::string dir = MakeTempDir("ocula-tls-start");
  Certs certs = MakeCerts(dir);
  Exit cert_only = RunServe(dir, {{"OCULA_TLS_CERT_FILE", certs.cert}});
  EXPECT_NE(cert_only.code, 0) << cert_only.output;
  EXPECT_NE(cert_only.code, -1) << "it kept running\n" << cert_only.output;
  EXPECT_NE(cert_only.output.find("server.tls_key_file"), std::string::npos) << cert_only.output;
  Exit key_only = RunServe(dir, {{"OCULA_TLS_KEY_FILE", certs.key}});
  EXPECT_NE(key_only.code, 0) << key_only.output;
  EXPECT_NE(key_only.code, -1) << "it kept running\n" << key_only.output;
  EXPECT_NE(key_only.output.find("server.tls_cert_file"), std::string::npos) << key_only.output;
  std::filesystem::remove_all(dir);
}

TEST(TlsStartupTest, BadCertificateOrKeyFileIsAnErrorNamingTheFile) {
  std::string dir = MakeTempDir("ocula-tls-start");
  Certs certs = MakeCerts(dir);
  struct Case {
    std::string cert, key, named;
  } cases[] = {
      {certs.garbage, certs.key, certs.garbage},                // not a certificate
      {dir + "/missing.pem", certs.key, dir + "/missing.pem"},  // no such file
      {certs.cert, certs.other_key, certs.other_key},           // key of another certificate
      {certs.cert, certs.garbage, certs.garbage},               // not a key
  };
  for (const Case& c : cases) {
    Exit e = RunServe(dir, {{"OCULA_TLS_CERT_FILE", c.cert}, {"OCULA_TLS_KEY_FILE", c.key}});
    EXPECT_NE(e.code, 0) << c.named << "\n" << e.output;
    EXPECT_NE(e.code, -1) << "it kept running with " << c.named << "\n" << e.output;
    EXPECT_NE(e.output.find(c.named), std::string::npos) << e.output;
  }
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace ocula::testing
