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
  router.Add("GET", "/v1/images", Echo);
  router.Add("GET", "/v1/images/{id}", Echo);
  router.Add("GET", "/v1/images/{id}/content", Echo);
  HttpRequest req;
  req.method = "GET";
  req.path = "/v1/images/ABC/content";
  std::string route;
  EXPECT_EQ(router.Dispatch(req, &route).body, "GET ABC");
  EXPECT_EQ(route, "/v1/images/{id}/content");
}

TEST(RouterTest, UnknownPathIs404AndWrongMethodIs405WithAllow) {
  Router router;
  router.Add("GET", "/v1/images/{id}", Echo);
  router.Add("DELETE", "/v1/images/{id}", Echo);
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
  router.Add("GET", "/v1/images/{id}", Echo);
  HttpRequest req;
  req.method = "GET";
  req.path = "/v1/images/";
  std::string route;
  EXPECT_EQ(router.Dispatch(req, &route).status, 404);
}

TEST(RouterTest, HeadIsServedByGet) {
  Router router;
  router.Add("GET", "/healthz", Echo);
  HttpRequest req;
  req.method = "HEAD";
  req.path = "/healthz";
  std::string route;
  EXPECT_EQ(router.Dispatch(req, &route).status, 200);
}

}  // namespace
}  // namespace ocula
