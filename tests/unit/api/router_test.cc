#include "api/router.h"

#include <gtest/gtest.h>

namespace ocula {
namespace {

HttpResponse Echo(HttpRequest& r) {
  HttpResponse out;
  out.body = r.method + " " + (r.path_params.count("id") ? r.path_params["id"] : "-");
  return out;
}

TEST(RouterTest, MatchesPatternsAndCapturesParameters) {
  Router router;
  router.Add("GET", "/v1/images", RouteAccess::Public(), Echo);
  router.Add("GET", "/v1/images/{id}", RouteAccess::Public(), Echo);
  router.Add("GET", "/v1/images/{id}/content", RouteAccess::Public(), Echo);
  HttpRequest req;
  req.method = "GET";
  req.path = "/v1/images/ABC/content";
  std::string route;
  EXPECT_EQ(router.Dispatch(req, &route).body, "GET ABC");
  EXPECT_EQ(route, "/v1/images/{id}/content");
}

TEST(RouterTest, UnknownPathIs404AndWrongMethodIs405WithAllow) {
  Router router;
  router.Add("GET", "/v1/images/{id}", RouteAccess::Public(), Echo);
  router.Add("DELETE", "/v1/images/{id}", RouteAccess::Public(), Echo);
  HttpRequest req;
  req.method = "GET";
  req.path = "/v1/other";
  std::string route;
  EXPECT_EQ(router.Dispatch(req, &route).status, 404);
  EXPECT_EQ(route, "unmatched");
  req.method = "POST";
  req.path = "/v1/images/X";
  HttpResponse r = router.Dispatch(req, &route);
  EXPECT_EQ(r.status, 405);
  ASSERT_FALSE(r.headers.empty());
  EXPECT_EQ(r.headers.back().second, "GET, DELETE");
}

TEST(RouterTest, EmptyParameterDoesNotMatch) {
  Router router;
  router.Add("GET", "/v1/images/{id}", RouteAccess::Public(), Echo);
  HttpRequest req;
  req.method = "GET";
  req.path = "/v1/images/";
  std::string route;
  EXPECT_EQ(router.Dispatch(req, &route).status, 404);
}

TEST(RouterTest, HeadIsServedByGet) {
  Router router;
  router.Add("GET", "/healthz", RouteAccess::Public(), Echo);
  HttpRequest req;
  req.method = "HEAD";
  req.path = "/healthz";
  std::string route;
  EXPECT_EQ(router.Dispatch(req, &route).status, 200);
}

TEST(RouterTest, FallbackTakesUnmatchedGetsOnly) {
  Router router;
  router.Add("GET", "/v1/images/{id}", RouteAccess::Public(), Echo);
  router.SetFallback("web", [](HttpRequest&) {
    HttpResponse out;
    out.body = "file";
    return out;
  });
  HttpRequest req;
  req.method = "GET";
  req.path = "/index.html";
  std::string route;
  EXPECT_EQ(router.Dispatch(req, &route).body, "file");
  EXPECT_EQ(route, "web");
  req.path = "/v1/images/X";  // routes come first
  EXPECT_EQ(router.Dispatch(req, &route).body, "GET X");
  req.method = "HEAD";
  req.path = "/";
  EXPECT_EQ(router.Dispatch(req, &route).body, "file");
  req.method = "POST";
  EXPECT_EQ(router.Dispatch(req, &route).status, 404);
  req.path = "/v1/images/X";  // a known path keeps its 405
  EXPECT_EQ(router.Dispatch(req, &route).status, 405);
}

}  // namespace
}  // namespace ocula
