// FaultPlan: the faults a fault-injecting decorator (metadata_store_faulty,
// event_bus_faulty) is told to inject, per operation, and the forwarding of a
// call under them. Op is an enum class whose last value is kCheckHealth.
//
// FaultTiming::kInsteadOfCall fails the call without touching the wrapped
// object; kAfterForwarding runs it and then reports the failure (the write
// happened but its answer was lost).
//
// Thread-safety: safe for concurrent use.
#pragma once

#include <array>
#include <cstddef>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "core/status.h"

namespace ocula {

enum class FaultTiming { kInsteadOfCall, kAfterForwarding };

template <typename Op>
class FaultPlan {
 public:
  // The next `count` calls of `op` return `status` (which must not be OK).
  void FailNext(Op op, int count, Status status, FaultTiming timing) {
    absl::MutexLock lock(&mu_);
    faults_[Index(op)] = Fault{count, std::move(status), timing};
  }
  // With a non-OK `status`, every call of every operation fails with it and
  // nothing is forwarded; OK ends that.
  void FailEverything(Status status) {
    absl::MutexLock lock(&mu_);
    everything_ = std::move(status);
  }
  void Clear() {
    absl::MutexLock lock(&mu_);
    faults_ = {};
    everything_ = absl::OkStatus();
  }
  // How many calls of `op` have failed by injection so far.
  int injected(Op op) const {
    absl::MutexLock lock(&mu_);
    return injected_[Index(op)];
  }

  // Runs `call` (which forwards to the wrapped object) under the fault for `op`.
  template <typename Call>
  auto Forward(Op op, Call call) -> decltype(call()) {
    Decision decision = Take(op);
    if (!decision.before.ok()) return decision.before;
    auto result = call();
    if (!decision.after.ok()) return decision.after;
    return result;
  }

 private:
  struct Fault {
    int remaining = 0;
    Status status;
    FaultTiming timing = FaultTiming::kInsteadOfCall;
  };
  struct Decision {
    Status before;  // not OK: fail instead of forwarding
    Status after;   // not OK: forward, then fail
  };
  static constexpr size_t kOps = static_cast<size_t>(Op::kCheckHealth) + 1;
  static size_t Index(Op op) { return static_cast<size_t>(op); }

  Decision Take(Op op) {
    absl::MutexLock lock(&mu_);
    const size_t i = Index(op);
    if (!everything_.ok()) {
      ++injected_[i];
      return {everything_, absl::OkStatus()};
    }
    Fault& fault = faults_[i];
    if (fault.remaining <= 0) return {};
    --fault.remaining;
    ++injected_[i];
    if (fault.timing == FaultTiming::kAfterForwarding) return {absl::OkStatus(), fault.status};
    return {fault.status, absl::OkStatus()};
  }

  mutable absl::Mutex mu_;
  std::array<Fault, kOps> faults_ ABSL_GUARDED_BY(mu_);
  std::array<int, kOps> injected_ ABSL_GUARDED_BY(mu_) = {};
  Status everything_ ABSL_GUARDED_BY(mu_);
};

}  // namespace ocula
