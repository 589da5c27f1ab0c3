#include "vision/analyzer_pool.h"

namespace ocula {

AnalyzerPool::AnalyzerPool(Factory factory, size_t max)
    : factory_(std::move(factory)), max_(std::max<size_t>(1, max)) {}

StatusOr<AnalyzerPool::Lease> AnalyzerPool::Acquire() {
  std::unique_lock lock(mu_);
  cv_.wait(lock, [this] { return !idle_.empty() || created_ < max_; });
  if (!idle_.empty()) {
    std::unique_ptr<Analyzer> analyzer = std::move(idle_.back());
    idle_.pop_back();
    return Lease(this, std::move(analyzer));
  }
  ++created_;
  lock.unlock();
  auto analyzer = factory_();  // slow (loads models): outside the lock
  if (!analyzer.ok()) {
    std::lock_guard relock(mu_);
    --created_;
    cv_.notify_one();
    return absl::UnavailableError("analysis models are not available: " +
                                  std::string(analyzer.status().message()));
  }
  return Lease(this, std::move(*analyzer));
}

void AnalyzerPool::Return(std::unique_ptr<Analyzer> analyzer) {
  std::lock_guard lock(mu_);
  idle_.push_back(std::move(analyzer));
  cv_.notify_one();
}

}  // namespace ocula
