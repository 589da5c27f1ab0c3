// AnalyzerPool: Analyzers for code that runs on many threads but needs only
// a few analyses at once (the /vision API on the blocking pool). An Analyzer is
// not thread-safe; the pool hands each one to a single borrower at a time,
// creating up to `max` lazily and making borrowers wait beyond that.
//
// Thread-safety: safe for concurrent use.
#pragma once

#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <vector>

#include "vision/analyzer.h"

namespace ocula {

class AnalyzerPool {
 public:
  using Factory = std::function<StatusOr<std::unique_ptr<Analyzer>>()>;

  // Returns the borrowed analyzer to the pool when destroyed.
  class Lease {
   public:
    Lease(AnalyzerPool* pool, std::unique_ptr<Analyzer> analyzer)
        : pool_(pool), analyzer_(std::move(analyzer)) {}
    Lease(Lease&&) = default;
    ~Lease() {
      if (analyzer_) pool_->Return(std::move(analyzer_));
    }
    Analyzer* operator->() const { return analyzer_.get(); }
    Analyzer& operator*() const { return *analyzer_; }

   private:
    AnalyzerPool* pool_;
    std::unique_ptr<Analyzer> analyzer_;
  };

  AnalyzerPool(Factory factory, size_t max);

  // Borrows an analyzer. Errors are the factory's (a missing model, say),
  // returned as Unavailable so that callers answer 503.
  StatusOr<Lease> Acquire();

 private:
  void Return(std::unique_ptr<Analyzer> analyzer);

  const Factory factory_;
  const size_t max_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::unique_ptr<Analyzer>> idle_;  // guarded by mu_
  size_t created_ = 0;                            // guarded by mu_
};

}  // namespace ocula
