// InstrumentedHandler: blocking routes run on the pool and never on the
// calling (I/O) thread, a full pool answers 503 with Retry-After at once, an
// exception escaping a handler is a 500 for that request only, and metrics
// labels take no values a client makes up.
#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <thread>

#include "api/api.h"
#include "api/auth.h"
#include "auth/key_store.h"
#include "core/work_pool.h"
#include "storage/temp_dir.h"

namespace ocula {
namespace {

class RequestHandlerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto keys = OpenSqliteKeyStore(dir_.File("keys.db"));
    ASSERT_TRUE(keys.ok()) << keys.status();
    keys_ = *std::move(keys);
    authenticator_ = std::make_unique<Authenticator>(*keys_, Clock::Real());
    access_ =
        std::make_unique<AccessControl>(AccessControl{*authenticator_, limiter_, Clock::Real()});
  }

  // Sends one request through `handler` and waits for its response.
  static HttpResponse Call(const AsyncHandler& handler, std::string method, std::string path) {
    HttpRequest req;
    req.method = std::move(method);
    req.path = std::move(path);
    std::promise<HttpResponse> answered;
    handler(std::move(req), [&](HttpResponse r) { answered.set_value(std::move(r)); });
    return answered.get_future().get();
  }

  testing::TempDir dir_;
  std::unique_ptr<KeyStore> keys_;
  std::unique_ptr<Authenticator> authenticator_;
  RateLimiter limiter_;
  std::unique_ptr<AccessControl> access_;
  MetricsRegistry metrics_;
};

TEST_F(RequestHandlerTest, EachRouteRunsWhereItDeclared) {
  Router router;
  std::atomic<std::thread::id> ran_on;
  auto record = [&](HttpRequest&) {
    ran_on = std::this_thread::get_id();
    return HttpResponse::Json(200, "{}");
  };
  router.Add("GET", "/inline", RouteAccess::Public(), record);
  router.AddStorage("POST", "/upload", RouteAccess::Public(), record);
  router.AddBlocking("GET", "/slow", RouteAccess::Public(), record);
  WorkPool storage("test-storage", 1, 4);
  WorkPool blocking("test-blocking", 1, 4);
  AsyncHandler handler = InstrumentedHandler(router, metrics_, *access_, {storage, blocking});
  auto thread_of = [](WorkPool& pool) {
    std::promise<std::thread::id> id;
    pool.TrySubmit([&] { id.set_value(std::this_thread::get_id()); });
    return id.get_future().get();
  };

  EXPECT_EQ(Call(handler, "GET", "/inline").status, 200);
  EXPECT_EQ(ran_on.load(), std::this_thread::get_id());
  EXPECT_EQ(Call(handler, "POST", "/upload").status, 200);
  EXPECT_EQ(ran_on.load(), thread_of(storage));
  EXPECT_EQ(Call(handler, "GET", "/slow").status, 200);
  EXPECT_EQ(ran_on.load(), thread_of(blocking));
}

TEST_F(RequestHandlerTest, AFullPoolAnswers503WithRetryAfterAtOnce) {
  Router router;
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  std::promise<void> started;
  router.AddBlocking("POST", "/vision/v3.2/analyze", RouteAccess::Public(), [&](HttpRequest&) {
    started.set_value();
    released.wait();
    return HttpResponse::Json(200, "{}");
  });
  WorkPool storage("test-storage", 1, 4);
  WorkPool pool("test-blocking", 1, 0);  // one thread, nothing may wait
  AsyncHandler handler = InstrumentedHandler(router, metrics_, *access_, {storage, pool});

  std::promise<HttpResponse> first;
  HttpRequest req;
  req.method = "POST";
  req.path = "/vision/v3.2/analyze";
  handler(req, [&](HttpResponse r) { first.set_value(std::move(r)); });
  started.get_future().wait();  // the only thread is busy now

  HttpResponse busy = Call(handler, "POST", "/vision/v3.2/analyze");
  EXPECT_EQ(busy.status, 503);
  bool retry_after = false;
  for (const auto& [name, value] : busy.headers) retry_after |= name == "Retry-After";
  EXPECT_TRUE(retry_after);
  EXPECT_NE(busy.body.find("\"code\""), std::string::npos) << busy.body;  // the Vision envelope

  release.set_value();
  EXPECT_EQ(first.get_future().get().status, 200);
  EXPECT_NE(metrics_.RenderPrometheus().find("ocula_http_busy_total"), std::string::npos);
}

TEST_F(RequestHandlerTest, AnExceptionInAHandlerIsA500ForThatRequestOnly) {
  Router router;
  router.Add("GET", "/throws", RouteAccess::Public(),
             [](HttpRequest&) -> HttpResponse { throw std::runtime_error("boom"); });
  router.AddBlocking("GET", "/throws-on-pool", RouteAccess::Public(),
                     [](HttpRequest&) -> HttpResponse { throw 42; });
  router.Add("GET", "/ok", RouteAccess::Public(),
             [](HttpRequest&) { return HttpResponse::Json(200, "{}"); });
  WorkPool pool("test-blocking", 1, 4);
  AsyncHandler handler = InstrumentedHandler(router, metrics_, *access_, {pool, pool});

  HttpResponse failed = Call(handler, "GET", "/throws");
  EXPECT_EQ(failed.status, 500);
  EXPECT_EQ(failed.body.find("boom"), std::string::npos) << "no internals in the answer";
  EXPECT_EQ(Call(handler, "GET", "/throws-on-pool").status, 500);
  EXPECT_EQ(Call(handler, "GET", "/ok").status, 200);
}

TEST_F(RequestHandlerTest, MetricsLabelUnknownMethodsAsOther) {
  Router router;
  router.Add("GET", "/ok", RouteAccess::Public(),
             [](HttpRequest&) { return HttpResponse::Json(200, "{}"); });
  WorkPool pool("test-blocking", 1, 4);
  AsyncHandler handler = InstrumentedHandler(router, metrics_, *access_, {pool, pool});

  EXPECT_EQ(Call(handler, "BREW", "/ok").status, 405);
  EXPECT_EQ(Call(handler, "GET", "/ok").status, 200);
  const std::string text = metrics_.RenderPrometheus();
  EXPECT_EQ(text.find("BREW"), std::string::npos) << text;
  EXPECT_NE(text.find("method=\"other\""), std::string::npos) << text;
  EXPECT_NE(text.find("method=\"GET\""), std::string::npos) << text;
}

}  // namespace
}  // namespace ocula
