#include "core/metrics.h"

#include "absl/strings/str_cat.h"

namespace ocula {

Histogram::Histogram(std::vector<double> bounds)
    : bounds_(std::move(bounds)),
      buckets_(std::make_unique<std::atomic<uint64_t>[]>(bounds_.size() + 1)) {}

void Histogram::Observe(double v) {
  size_t i = 0;
  while (i < bounds_.size() && v > bounds_[i]) ++i;
  buckets_[i].fetch_add(1);
  sum_.fetch_add(v);
  count_.fetch_add(1);
}

std::string Histogram::Render(const std::string& name, const std::string& labels) const {
  std::string out;
  std::string sep = labels.empty() ? "" : ",";
  uint64_t cumulative = 0;
  for (size_t i = 0; i <= bounds_.size(); ++i) {
    cumulative += buckets_[i].load();
    std::string le = i < bounds_.size() ? absl::StrCat(bounds_[i]) : "+Inf";
    absl::StrAppend(&out, name, "_bucket{", labels, sep, "le=\"", le, "\"} ", cumulative, "\n");
  }
  std::string braces = labels.empty() ? "" : absl::StrCat("{", labels, "}");
  absl::StrAppend(&out, name, "_sum", braces, " ", sum_.load(), "\n");
  absl::StrAppend(&out, name, "_count", braces, " ", count_.load(), "\n");
  return out;
}

std::string MetricsRegistry::Key(const Labels& labels) {
  std::string out;
  for (const auto& [k, v] : labels) {
    if (!out.empty()) out += ",";
    std::string escaped;
    for (char c : v) {
      if (c == '"' || c == '\\') escaped += '\\';
      if (c == '\n') { escaped += "\\n"; continue; }
      escaped += c;
    }
    absl::StrAppend(&out, k, "=\"", escaped, "\"");
  }
  return out;
}

Counter& MetricsRegistry::GetCounter(const std::string& name, const Labels& labels) {
  std::lock_guard lock(mu_);
  auto& slot = counters_[name][Key(labels)];
  if (!slot) slot = std::make_unique<Counter>();
  return *slot;
}

Histogram& MetricsRegistry::GetHistogram(const std::string& name,
                                         const std::vector<double>& bounds,
                                         const Labels& labels) {
  std::lock_guard lock(mu_);
  auto& slot = histograms_[name][Key(labels)];
  if (!slot) slot = std::make_unique<Histogram>(bounds);
  return *slot;
}

void MetricsRegistry::AddGauge(const std::string& name, const std::string& help, GaugeFn fn) {
  std::lock_guard lock(mu_);
  help_[name] = help;
  gauges_[name] = std::move(fn);
}

void MetricsRegistry::SetHelp(const std::string& name, const std::string& help) {
  std::lock_guard lock(mu_);
  help_[name] = help;
}

std::string MetricsRegistry::RenderPrometheus() const {
  std::lock_guard lock(mu_);
  std::string out;
  auto header = [&](const std::string& name, const char* type) {
    if (auto it = help_.find(name); it != help_.end()) {
      absl::StrAppend(&out, "# HELP ", name, " ", it->second, "\n");
    }
    absl::StrAppend(&out, "# TYPE ", name, " ", type, "\n");
  };
  for (const auto& [name, series] : counters_) {
    header(name, "counter");
    for (const auto& [labels, c] : series) {
      absl::StrAppend(&out, name, labels.empty() ? "" : "{" + labels + "}", " ", c->Value(),
                      "\n");
    }
  }
  for (const auto& [name, series] : histograms_) {
    header(name, "histogram");
    for (const auto& [labels, h] : series) out += h->Render(name, labels);
  }
  for (const auto& [name, fn] : gauges_) {
    header(name, "gauge");
    std::vector<std::pair<Labels, double>> samples;
    fn(samples);
    for (const auto& [labels, v] : samples) {
      std::string key = Key(labels);
      absl::StrAppend(&out, name, key.empty() ? "" : "{" + key + "}", " ", v, "\n");
    }
  }
  return out;
}

}  // namespace ocula
