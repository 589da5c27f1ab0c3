#include "api/change_feed.h"

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "absl/strings/str_cat.h"
#include "core/thread_name.h"

namespace ocula {
namespace {

constexpr size_t kPageSize = 500;
constexpr char kKeepAlive[] = ": keep-alive\n\n";
// How long an EventSource waits before reconnecting.
constexpr char kRetry[] = "retry: 3000\n";

std::string Event(std::string_view name, int64_t seq, const std::string& data) {
  return absl::StrCat("id: ", seq, "\nevent: ", AbslView(name), "\ndata: ", data, "\n\n");
}

}  // namespace

ChangeFeed::ChangeFeed(MetadataStore& store, ChangeFeedOptions options)
    : store_(store), options_(options) {}

ChangeFeed::~ChangeFeed() { Stop(); }

std::string ChangeFeed::FormatChange(const ImageChange& change) {
  nlohmann::json data = {{"seq", change.seq}, {"id", change.id}, {"status", change.status}};
  return Event("image", change.seq, data.dump());
}

void ChangeFeed::Start() {
  {
    absl::MutexLock lock(&mu_);
    stop_ = false;
  }
  thread_ = std::thread([this] {
    SetThreadName("ocula-feed");
    Run();
  });
}

void ChangeFeed::Stop() {
  {
    absl::MutexLock lock(&mu_);
    stop_ = true;
  }
  if (thread_.joinable()) thread_.join();
  active_.clear();
  absl::MutexLock lock(&mu_);
  joining_.clear();
  open_ = 0;
}

Status ChangeFeed::Subscribe(std::shared_ptr<ResponseStream> stream,
                             std::optional<int64_t> last_seq) {
  absl::MutexLock lock(&mu_);
  if (open_ >= options_.max_subscribers) {
    return absl::UnavailableError(
        absl::StrCat("too many open event streams (", options_.max_subscribers, ")"));
  }
  ++open_;
  joining_.push_back(Subscriber{std::move(stream), last_seq});
  return absl::OkStatus();
}

bool ChangeFeed::HasRoom() {
  absl::MutexLock lock(&mu_);
  return open_ < options_.max_subscribers;
}

void ChangeFeed::Run() {
  last_send_ = std::chrono::steady_clock::now();
  while (true) {
    {
      absl::MutexLock lock(&mu_);
      // Woken early by a new subscriber or by Stop.
      auto wake = [this]() ABSL_SHARED_LOCKS_REQUIRED(mu_) { return stop_ || !joining_.empty(); };
      mu_.AwaitWithTimeout(absl::Condition(&wake),
                           absl::Milliseconds(options_.poll_interval.count()));
      if (stop_) return;
    }
    Poll();
  }
}

void ChangeFeed::Poll() {
  std::vector<Subscriber> joining;
  {
    absl::MutexLock lock(&mu_);
    joining.swap(joining_);
  }
  if (active_.empty() && joining.empty()) return;
  if (active_.empty()) {  // nobody was listening: start from now
    auto latest = store_.ChangesSince(0, 1);
    if (!latest.ok()) {
      spdlog::warn("event stream: cannot read the change log: {}", latest.status().ToString());
      absl::MutexLock lock(&mu_);
      joining_.insert(joining_.begin(), joining.begin(), joining.end());  // try again
      return;
    }
    cursor_ = latest->latest_seq;
  }
  for (Subscriber& subscriber : joining) Admit(std::move(subscriber));

  auto page = store_.ChangesSince(cursor_, kPageSize);
  if (!page.ok()) {
    spdlog::warn("event stream: cannot read the change log: {}", page.status().ToString());
  } else if (page->gap) {  // e.g. the database was replaced: everyone starts over
    cursor_ = page->latest_seq;
    Broadcast(Event("reset", cursor_, "{}"));
  } else {
    for (const ImageChange& change : page->changes) {
      Broadcast(FormatChange(change));
      cursor_ = change.seq;
    }
  }
  if (std::chrono::steady_clock::now() - last_send_ >= options_.keepalive) Broadcast(kKeepAlive);
}

// Sends a joining subscriber what it needs to be level with cursor_.
void ChangeFeed::Admit(Subscriber subscriber) {
  std::string greeting = kRetry;
  if (!subscriber.last_seq) {
    greeting += Event("ready", cursor_, absl::StrCat("{\"seq\":", cursor_, "}"));
  } else if (*subscriber.last_seq < cursor_) {
    auto missed = store_.ChangesSince(*subscriber.last_seq, options_.max_catch_up + 1);
    if (!missed.ok() || missed->gap || missed->changes.size() > options_.max_catch_up) {
      greeting += Event("reset", cursor_, "{}");
    } else {
      for (const ImageChange& change : missed->changes) {
        if (change.seq <= cursor_) greeting += FormatChange(change);
      }
    }
  } else if (*subscriber.last_seq > cursor_) {  // a seq this store never gave
    greeting += Event("reset", cursor_, "{}");
  }
  if (subscriber.stream->Send(std::move(greeting))) {
    active_.push_back(std::move(subscriber.stream));
  } else {
    absl::MutexLock lock(&mu_);
    --open_;
  }
}

void ChangeFeed::Broadcast(const std::string& text) {
  last_send_ = std::chrono::steady_clock::now();
  size_t dropped = 0;
  std::erase_if(active_, [&](const std::shared_ptr<ResponseStream>& stream) {
    bool gone = !stream->Send(text);
    dropped += gone ? 1 : 0;
    return gone;
  });
  if (dropped > 0) {
    absl::MutexLock lock(&mu_);
    open_ -= dropped;
  }
}

}  // namespace ocula
