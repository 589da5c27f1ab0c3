#include "core/metrics.h"

#include <gtest/gtest.h>

namespace ocula {
namespace {

TEST(MetricsTest, RendersCountersHistogramsAndGauges) {
  MetricsRegistry m;
  m.SetHelp("http_requests_total", "Requests.");
  m.GetCounter("http_requests_total", {{"route", "/v1/images"}, {"code", "202"}}).Add();
  m.GetCounter("http_requests_total", {{"route", "/v1/images"}, {"code", "202"}}).Add(2);
  auto& h = m.GetHistogram("latency_seconds", {0.1, 1});
  h.Observe(0.05);
  h.Observe(0.5);
  h.Observe(5);
  m.AddGauge("depth", "Queue depth.", [](auto& out) { out.push_back({{{"topic", "t"}}, 7}); });
  std::string text = m.RenderPrometheus();
  EXPECT_NE(text.find("# HELP http_requests_total Requests.\n# TYPE http_requests_total counter\n"
                      "http_requests_total{route=\"/v1/images\",code=\"202\"} 3\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("latency_seconds_bucket{le=\"0.1\"} 1\n"), std::string::npos) << text;
  EXPECT_NE(text.find("latency_seconds_bucket{le=\"1\"} 2\n"), std::string::npos) << text;
  EXPECT_NE(text.find("latency_seconds_bucket{le=\"+Inf\"} 3\n"), std::string::npos) << text;
  EXPECT_NE(text.find("latency_seconds_count 3\n"), std::string::npos) << text;
  EXPECT_NE(text.find("depth{topic=\"t\"} 7\n"), std::string::npos) << text;
}

TEST(MetricsTest, EscapesLabelValues) {
  MetricsRegistry m;
  m.GetCounter("c", {{"path", "a\"b\\c"}}).Add();
  EXPECT_NE(m.RenderPrometheus().find(R"(c{path="a\"b\\c"} 1)"), std::string::npos);
}

}  // namespace
}  // namespace ocula
