// Process metrics in the Prometheus text format: counters, gauges and
// histograms with labels. Safe for concurrent use; updates are lock-free
// after the first use of a label set.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace ocula {

using Labels = std::vector<std::pair<std::string, std::string>>;

class Counter {
 public:
  void Add(double v = 1) { value_.fetch_add(v); }
  double Value() const { return value_.load(); }

 private:
  std::atomic<double> value_{0};
};

class Histogram {
 public:
  explicit Histogram(std::vector<double> bounds);
  void Observe(double v);
  std::string Render(const std::string& name, const std::string& labels) const;

 private:
  std::vector<double> bounds_;
  std::unique_ptr<std::atomic<uint64_t>[]> buckets_;  // bounds_.size() + 1 (+Inf)
  std::atomic<double> sum_{0};
  std::atomic<uint64_t> count_{0};
};

class MetricsRegistry {
 public:
  // Returns the counter `name` with `labels`, creating it; the reference stays
  // valid for the registry's lifetime.
  Counter& GetCounter(const std::string& name, const Labels& labels = {});
  Histogram& GetHistogram(const std::string& name, const std::vector<double>& bounds,
                          const Labels& labels = {});
  // A gauge whose value is computed on each scrape (queue depth, images by status).
  // `fn` appends (labels, value) samples.
  using GaugeFn = std::function<void(std::vector<std::pair<Labels, double>>&)>;
  void AddGauge(const std::string& name, const std::string& help, GaugeFn fn);
  void SetHelp(const std::string& name, const std::string& help);

  std::string RenderPrometheus() const;

 private:
  static std::string Key(const Labels& labels);
  mutable std::mutex mu_;
  std::map<std::string, std::string> help_;
  std::map<std::string, std::map<std::string, std::unique_ptr<Counter>>> counters_;
  std::map<std::string, std::map<std::string, std::unique_ptr<Histogram>>> histograms_;
  std::map<std::string, GaugeFn> gauges_;
};

}  // namespace ocula
