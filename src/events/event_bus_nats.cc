#include "events/event_bus_nats.h"

#include <nats/nats.h>

#include <algorithm>
#include <atomic>
#include <fstream>
#include <unordered_map>
#include <unordered_set>

#include "absl/base/thread_annotations.h"
#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "core/ids.h"

namespace ocula {
namespace {

using std::chrono::milliseconds;

// The shortest pull. JetStream 2.9 can leave no_wait pulls unanswered when
// receivers compete, so even Receive(0) is a (short) waiting pull.
constexpr milliseconds kMinPull{60};
// A waiting pull expires this much before the receiver gives up, so that a
// message sent at the last moment still reaches it.
constexpr milliseconds kExpiresMargin{20};
// How often a blocked Receive looks for WakeAll.
constexpr milliseconds kWakeCheck{50};

constexpr char kIdHeader[] = "Nats-Msg-Id";
constexpr char kStatusHeader[] = "Status";
constexpr char kDescriptionHeader[] = "Description";
constexpr char kTopicHeader[] = "Ocula-Topic";
constexpr char kReasonHeader[] = "Ocula-Reason";
constexpr char kAttemptsHeader[] = "Ocula-Attempts";
constexpr char kDeadAtHeader[] = "Ocula-Dead-At";

// Owning pointers for the C client's objects.
template <typename T, void (*Destroy)(T*)>
struct Destroyer {
  void operator()(T* object) const { Destroy(object); }
};
template <typename T, void (*Destroy)(T*)>
using Owned = std::unique_ptr<T, Destroyer<T, Destroy>>;
using OptionsPtr = Owned<natsOptions, natsOptions_Destroy>;
using ConnectionPtr = Owned<natsConnection, natsConnection_Destroy>;
using JsPtr = Owned<jsCtx, jsCtx_Destroy>;
using MsgPtr = Owned<natsMsg, natsMsg_Destroy>;
using InboxPtr = Owned<natsInbox, natsInbox_Destroy>;
using StreamInfoPtr = Owned<jsStreamInfo, jsStreamInfo_Destroy>;
using ConsumerInfoPtr = Owned<jsConsumerInfo, jsConsumerInfo_Destroy>;
using MetaDataPtr = Owned<jsMsgMetaData, jsMsgMetaData_Destroy>;

void UnsubscribeAndDestroy(natsSubscription* sub) {
  (void)natsSubscription_Unsubscribe(sub);  // fails only when already closed
  natsSubscription_Destroy(sub);
}
using SubscriptionPtr = Owned<natsSubscription, UnsubscribeAndDestroy>;

int64_t Nanos(milliseconds ms) { return ms.count() * 1'000'000; }

// Maps a client status to the project's codes. Connection trouble is
// Unavailable (retry); the client's error text is added only for server
// (JetStream API) errors, since connection errors may echo a URL.
Status NatsError(std::string_view what, natsStatus s, jsErrCode code = static_cast<jsErrCode>(0)) {
  std::string text = absl::StrCat("NATS ", AbslView(what), ": ", natsStatus_GetText(s));
  if (code != 0) {
    absl::StrAppend(&text, " (JetStream error ", static_cast<int>(code), ": ",
                    nats_GetLastError(nullptr), ")");
  }
  switch (s) {
    case NATS_TIMEOUT:
    case NATS_CONNECTION_CLOSED:
    case NATS_CONNECTION_DISCONNECTED:
    case NATS_NO_SERVER:
    case NATS_IO_ERROR:
    case NATS_STALE_CONNECTION:
    case NATS_NO_RESPONDERS:
    case NATS_NOT_YET_CONNECTED:
    case NATS_INSUFFICIENT_BUFFER:
    case NATS_SSL_ERROR:
      return absl::UnavailableError(text);
    case NATS_CONNECTION_AUTH_FAILED:
    case NATS_NOT_PERMITTED:
      return absl::PermissionDeniedError(text);
    case NATS_MAX_PAYLOAD:
      return absl::InvalidArgumentError(text);
    default:
      return code == JSInsufficientResourcesErr ? absl::ResourceExhaustedError(text)
                                                : absl::InternalError(text);
  }
}

// A topic becomes one or more subject tokens: letters, digits, '-', '_',
// separated by single dots.
bool ValidTopic(const std::string& topic) {
  if (topic.empty() || topic.front() == '.' || topic.back() == '.') return false;
  char previous = 0;
  for (char c : topic) {
    const bool allowed = absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '-' ||
                         c == '_' || c == '.';
    if (!allowed || (c == '.' && previous == '.')) return false;
    previous = c;
  }
  return true;
}

Status InvalidTopic(const std::string& topic) {
  return absl::InvalidArgumentError(absl::StrCat(
      "NATS event bus: topic '", topic, "' must be letters, digits, '-', '_' and inner dots"));
}

// Durable names may not hold '.', and are directory names on the server:
// anything but letters, digits and '-' is written as _XX (hex), which keeps
// different topics apart.
std::string ConsumerName(const std::string& topic) {
  std::string name = "topic_";
  for (unsigned char c : topic) {
    if (absl::ascii_isalnum(c) || c == '-') {
      name += static_cast<char>(c);
    } else {
      absl::StrAppend(&name, "_", absl::Hex(static_cast<uint32_t>(c), absl::kZeroPad2));
    }
  }
  return name;
}

// Header values are single lines.
std::string HeaderValue(std::string value) {
  std::replace_if(value.begin(), value.end(), [](char c) { return c == '\r' || c == '\n'; }, ' ');
  return value;
}

std::string Header(natsMsg* msg, const char* key) {
  const char* value = nullptr;
  if (natsMsgHeader_Get(msg, key, &value) != NATS_OK || value == nullptr) return "";
  return value;
}

std::string Payload(natsMsg* msg) {
  const char* data = natsMsg_GetData(msg);
  return data == nullptr ? "" : std::string(data, natsMsg_GetDataLength(msg));
}

struct Credentials {
  std::string user;
  std::string password;
  std::string token;
};

// The file's first line: "user:password", or a token.
StatusOr<Credentials> ResolveCredentials(const NatsBusConfig& config) {
  if (config.credentials_file.empty()) {
    return Credentials{config.user, config.password, config.token};
  }
  std::ifstream in(config.credentials_file);
  std::string line;
  if (!in || !std::getline(in, line)) {
    return absl::InvalidArgumentError(
        absl::StrCat("cannot read the NATS credentials file ", config.credentials_file));
  }
  const std::string secret(absl::StripAsciiWhitespace(line));
  if (secret.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("the NATS credentials file ", config.credentials_file, " is empty"));
  }
  const size_t colon = secret.find(':');
  if (colon == std::string::npos) return Credentials{"", "", secret};
  return Credentials{secret.substr(0, colon), secret.substr(colon + 1), ""};
}

bool ValidName(const std::string& name) {
  return !name.empty() && std::none_of(name.begin(), name.end(), [](unsigned char c) {
    return c == '.' || c == '*' || c == '>' || c == '/' || c == '\\' || absl::ascii_isspace(c);
  });
}

Status ValidateConfig(const NatsBusConfig& config, const EventBusOptions& options) {
  if (options.visibility_timeout.count() <= 0 || options.max_attempts < 1 ||
      options.backoff_base.count() < 0 || options.backoff_max < options.backoff_base) {
    return absl::InvalidArgumentError(
        "event bus options: need visibility_timeout > 0, max_attempts >= 1 and "
        "0 <= backoff_base <= backoff_max");
  }
  if (config.servers.empty() || !ValidName(config.stream) ||
      !ValidName(config.dead_letter_stream) || config.stream == config.dead_letter_stream ||
      !ValidTopic(config.subject_prefix) || !ValidTopic(config.dead_letter_subject) ||
      config.dead_letter_subject.rfind(config.subject_prefix + ".", 0) == 0) {
    return absl::InvalidArgumentError(
        "NATS event bus: need servers, two different stream names without '.', '*', '>', '/' "
        "or spaces, and a dead-letter subject outside the subject prefix");
  }
  if (config.connect_timeout.count() <= 0 || config.request_timeout.count() <= 0 ||
      config.reconnect_wait.count() <= 0 || config.dedup_window.count() <= 0 ||
      config.replicas < 1 || config.max_ack_pending < 1) {
    return absl::InvalidArgumentError(
        "NATS event bus: timeouts, dedup_window, replicas and max_ack_pending must be positive");
  }
  return absl::OkStatus();
}

StatusOr<ConnectionPtr> Connect(const NatsBusConfig& config) {
  OCULA_ASSIGN_OR_RETURN(Credentials credentials, ResolveCredentials(config));
  natsOptions* raw_options = nullptr;
  natsStatus s = natsOptions_Create(&raw_options);
  if (s != NATS_OK) return NatsError("options", s);
  OptionsPtr options(raw_options);
  std::vector<const char*> urls;
  for (const std::string& url : config.servers) urls.push_back(url.c_str());
  s = natsOptions_SetServers(options.get(), urls.data(), static_cast<int>(urls.size()));
  if (s == NATS_OK) s = natsOptions_SetTimeout(options.get(), config.connect_timeout.count());
  if (s == NATS_OK) s = natsOptions_SetName(options.get(), "ocula");
  // Reconnect for ever: an outage makes calls Unavailable, never kills the bus.
  if (s == NATS_OK) s = natsOptions_SetMaxReconnect(options.get(), -1);
  if (s == NATS_OK) s = natsOptions_SetReconnectWait(options.get(), config.reconnect_wait.count());
  // Requests in flight fail at a disconnect instead of waiting out their timeout.
  if (s == NATS_OK) s = natsOptions_SetFailRequestsOnDisconnect(options.get(), true);
  if (s == NATS_OK && !credentials.token.empty()) {
    s = natsOptions_SetToken(options.get(), credentials.token.c_str());
  } else if (s == NATS_OK && !credentials.user.empty()) {
    s = natsOptions_SetUserInfo(options.get(), credentials.user.c_str(),
                                credentials.password.c_str());
  }
  if (s != NATS_OK) return NatsError("client options (check the server URLs)", s);
  natsConnection* raw_connection = nullptr;
  s = natsConnection_Connect(&raw_connection, options.get());
  if (s != NATS_OK) {
    return NatsError(absl::StrCat("connecting to ", config.servers.size(), " server(s)"), s);
  }
  return ConnectionPtr(raw_connection);
}

// Creates the stream, or brings an existing one to this configuration.
//
// Processes started together race to create it: while one creation is in
// flight, the server can answer another with "subjects overlap with an
// existing stream" (10065), or the update that follows "name exists" with
// "stream not found". Those answers are retried for a few seconds, after which
// the overlap is real (another stream holds these subjects): a configuration
// error.
Status EnsureStream(jsCtx* js, const NatsBusConfig& config, const std::string& name,
                    const std::string& subject, jsRetentionPolicy retention) {
  const char* subjects[] = {subject.c_str()};
  jsStreamConfig stream;
  jsStreamConfig_Init(&stream);
  stream.Name = name.c_str();
  stream.Subjects = subjects;
  stream.SubjectsLen = 1;
  stream.Retention = retention;
  stream.Storage = js_FileStorage;
  stream.Duplicates = Nanos(config.dedup_window);
  stream.Replicas = config.replicas;
  constexpr int kAttempts = 12;  // about 4 s in all
  for (int attempt = 1;; ++attempt) {
    jsErrCode code = static_cast<jsErrCode>(0);
    natsStatus s = js_AddStream(nullptr, js, &stream, nullptr, &code);
    if (s != NATS_OK && (code == JSStreamNameExistErr || code == JSStreamSubjectOverlapErr)) {
      s = js_UpdateStream(nullptr, js, &stream, nullptr, &code);
    }
    if (s == NATS_OK) return absl::OkStatus();
    const bool racing = code == JSStreamSubjectOverlapErr || code == JSStreamNotFoundErr;
    if (!racing || attempt == kAttempts) {
      Status status = NatsError(absl::StrCat("creating stream ", name), s, code);
      if (code == 0) return status;
      return absl::FailedPreconditionError(
          racing ? absl::StrCat(status.message(), "; another stream holds subject ", subject,
                                "? (each Ocula deployment needs subjects of its own)")
                 : status.message());
    }
    absl::SleepFor(absl::Milliseconds(50 * attempt));
  }
}

struct Lease {
  Message message;
  std::string ack_subject;  // the server's $JS.ACK subject for this delivery
  absl::Time deadline;
};

Status LeaseLost(const Message& message) {
  return absl::FailedPreconditionError(absl::StrCat(
      "lease of message '", message.id, "' was lost (expired, settled, or not leased here)"));
}

class NatsEventBus : public EventBus {
 public:
  NatsEventBus(const NatsBusConfig& config, const EventBusOptions& options,
               ConnectionPtr connection, JsPtr js)
      : config_(config),
        options_(options),
        connection_(std::move(connection)),
        js_(std::move(js)) {}

  Status Publish(const Message& message) override;
  StatusOr<std::optional<Message>> Receive(const std::string& topic,
                                           milliseconds wait) override;
  Status Ack(const Message& message) override;
  Status Nack(const Message& message, const std::string& reason,
              std::optional<milliseconds> delay) override;
  Status DeadLetterNow(const Message& message, const std::string& reason) override;
  StatusOr<std::vector<DeadLetter>> DeadLetters(size_t limit) override;
  StatusOr<int64_t> Depth(const std::string& topic) override;
  void WakeAll() override { wake_seq_.fetch_add(1); }
  Status CheckHealth() override;

 private:
  std::string SubjectOf(const std::string& topic) const {
    return absl::StrCat(config_.subject_prefix, ".", topic);
  }
  // Unavailable at once while the client is (re)connecting.
  Status CheckConnected();
  // Creates the topic's durable consumer once per bus (and updates its
  // AckWait to this bus's visibility_timeout).
  Status EnsureConsumer(const std::string& topic);
  // One pull request for the next delivery of `topic`: null when none came
  // within `wait` or WakeAll was called.
  StatusOr<MsgPtr> Pull(const std::string& topic, milliseconds wait, uint64_t wake_seen);
  // Waits on `sub` for the pull's answer until `deadline`.
  StatusOr<MsgPtr> AwaitDelivery(natsSubscription* sub, absl::Time deadline, uint64_t wake_seen);
  StatusOr<Lease> ToLease(natsMsg* msg, const std::string& topic);
  // Records a lease as this receiver's and restarts the server's timer, so
  // that the server never redelivers before the local deadline.
  Message Keep(Lease lease);
  // Removes the lease of `message` for settling; FailedPrecondition when it
  // is unknown or expired.
  StatusOr<Lease> TakeLease(const Message& message);
  // Puts a lease back after settling it failed transiently.
  void RestoreLease(Lease lease);
  // Sends an ack-protocol verb (+ACK, -NAK, +TERM) and waits for the server.
  Status Control(const Lease& lease, const std::string& verb);
  Status Nak(const Lease& lease, milliseconds delay);
  // Publishes the dead letter, then terminates the original.
  Status DeadLetterLease(const Lease& lease, const std::string& reason, int attempts);
  Status PublishDeadLetter(const Message& message, const std::string& reason, int attempts);
  StatusOr<std::optional<DeadLetter>> ReadDeadLetter(uint64_t sequence);
  milliseconds Backoff(int attempts) const;

  // Constant after construction.
  const NatsBusConfig config_;
  const EventBusOptions options_;
  const ConnectionPtr connection_;
  const JsPtr js_;  // declared after connection_: destroyed first

  std::atomic<uint64_t> wake_seq_{0};
  absl::Mutex mu_;
  std::unordered_set<std::string> consumers_ ABSL_GUARDED_BY(mu_);
  std::unordered_map<std::string, Lease> leases_ ABSL_GUARDED_BY(mu_);  // by receipt
};

Status NatsEventBus::CheckConnected() {
  if (natsConnection_Status(connection_.get()) == NATS_CONN_STATUS_CONNECTED) {
    return absl::OkStatus();
  }
  return absl::UnavailableError("NATS event bus: not connected to a server (reconnecting)");
}

Status NatsEventBus::Publish(const Message& message) {
  if (message.id.empty() || message.topic.empty()) {
    return absl::InvalidArgumentError("Publish: message id and topic are required");
  }
  if (!ValidTopic(message.topic)) return InvalidTopic(message.topic);
  OCULA_RETURN_IF_ERROR(CheckConnected());
  natsMsg* raw = nullptr;
  natsStatus s = natsMsg_Create(&raw, SubjectOf(message.topic).c_str(), nullptr,
                                message.payload.data(), static_cast<int>(message.payload.size()));
  if (s != NATS_OK) return NatsError("publish", s);
  MsgPtr msg(raw);
  jsPubOptions publish;
  jsPubOptions_Init(&publish);
  publish.MsgId = message.id.c_str();  // the server drops a repeated id
  publish.ExpectStream = config_.stream.c_str();
  jsErrCode code = static_cast<jsErrCode>(0);
  s = js_PublishMsg(nullptr, js_.get(), msg.get(), &publish, &code);
  return s == NATS_OK ? absl::OkStatus() : NatsError("publish", s, code);
}

Status NatsEventBus::EnsureConsumer(const std::string& topic) {
  {
    absl::MutexLock lock(&mu_);
    if (consumers_.count(topic) > 0) return absl::OkStatus();
  }
  const std::string name = ConsumerName(topic);
  const std::string subject = SubjectOf(topic);
  jsConsumerConfig consumer;
  jsConsumerConfig_Init(&consumer);
  consumer.Durable = name.c_str();
  consumer.FilterSubject = subject.c_str();
  consumer.DeliverPolicy = js_DeliverAll;
  consumer.AckPolicy = js_AckExplicit;
  consumer.AckWait = Nanos(options_.visibility_timeout);
  consumer.MaxDeliver = -1;  // dead-lettering is the bus's job: see the header
  consumer.MaxAckPending = config_.max_ack_pending;
  jsErrCode code = static_cast<jsErrCode>(0);
  natsStatus s = js_AddConsumer(nullptr, js_.get(), config_.stream.c_str(), &consumer, nullptr,
                                &code);
  if (s != NATS_OK && code == JSConsumerNameExistErr) {
    s = js_UpdateConsumer(nullptr, js_.get(), config_.stream.c_str(), &consumer, nullptr, &code);
  }
  if (s != NATS_OK) {
    return NatsError(absl::StrCat("creating the consumer of topic '", topic, "'"), s, code);
  }
  absl::MutexLock lock(&mu_);
  consumers_.insert(topic);
  return absl::OkStatus();
}

StatusOr<std::optional<Message>> NatsEventBus::Receive(const std::string& topic,
                                                       milliseconds wait) {
  if (!ValidTopic(topic)) return InvalidTopic(topic);
  const uint64_t wake_seen = wake_seq_.load();
  const absl::Time deadline = absl::Now() + absl::FromChrono(wait);
  OCULA_RETURN_IF_ERROR(CheckConnected());
  OCULA_RETURN_IF_ERROR(EnsureConsumer(topic));
  while (true) {
    const milliseconds left =
        std::max(absl::ToChronoMilliseconds(deadline - absl::Now()), milliseconds(0));
    OCULA_ASSIGN_OR_RETURN(MsgPtr msg, Pull(topic, left, wake_seen));
    if (msg == nullptr) return std::nullopt;
    OCULA_ASSIGN_OR_RETURN(Lease lease, ToLease(msg.get(), topic));
    if (lease.message.attempt <= options_.max_attempts) return Keep(std::move(lease));
    // Its last lease expired unsettled: dead-letter it, as the SQLite bus does.
    const int attempts = lease.message.attempt - 1;
    OCULA_RETURN_IF_ERROR(DeadLetterLease(
        lease, absl::StrCat("visibility timeout expired after ", attempts, " attempts"), attempts));
  }
}

StatusOr<MsgPtr> NatsEventBus::Pull(const std::string& topic, milliseconds wait,
                                    uint64_t wake_seen) {
  // A fresh inbox per pull: an answer that arrives after we stopped waiting
  // finds no subscriber instead of a later receiver with a stale lease.
  natsInbox* raw_inbox = nullptr;
  natsStatus s = natsInbox_Create(&raw_inbox);
  if (s != NATS_OK) return NatsError("receive", s);
  InboxPtr inbox(raw_inbox);
  natsSubscription* raw_sub = nullptr;
  s = natsConnection_SubscribeSync(&raw_sub, connection_.get(), inbox.get());
  if (s != NATS_OK) return NatsError("receive", s);
  SubscriptionPtr sub(raw_sub);

  wait = std::max(wait, kMinPull);
  const std::string request =
      absl::StrCat(R"({"batch":1,"expires":)", Nanos(wait - kExpiresMargin), "}");
  const std::string next = absl::StrCat("$JS.API.CONSUMER.MSG.NEXT.", config_.stream, ".",
                                        ConsumerName(topic));
  s = natsConnection_PublishRequestString(connection_.get(), next.c_str(), inbox.get(),
                                          request.c_str());
  if (s != NATS_OK) return NatsError("receive", s);
  return AwaitDelivery(sub.get(), absl::Now() + absl::FromChrono(wait), wake_seen);
}

StatusOr<MsgPtr> NatsEventBus::AwaitDelivery(natsSubscription* sub, absl::Time deadline,
                                             uint64_t wake_seen) {
  while (wake_seq_.load() == wake_seen) {
    const absl::Duration left = deadline - absl::Now();
    if (left <= absl::ZeroDuration()) {
      OCULA_RETURN_IF_ERROR(CheckConnected());
      return MsgPtr();
    }
    natsMsg* raw = nullptr;
    const int64_t slice = std::min(absl::ToInt64Milliseconds(left) + 1,
                                   static_cast<int64_t>(kWakeCheck.count()));
    natsStatus s = natsSubscription_NextMsg(&raw, sub, slice);
    if (s == NATS_TIMEOUT) continue;
    if (s != NATS_OK) return NatsError("receive", s);
    MsgPtr msg(raw);
    const std::string status = Header(msg.get(), kStatusHeader);
    if (status.empty()) return msg;
    // The pull expired a little before `deadline`: wait out the rest, so that
    // Receive honours its wait.
    if (status == "408") continue;
    return absl::UnavailableError(absl::StrCat("NATS event bus: pull answered ", status, " ",
                                               Header(msg.get(), kDescriptionHeader)));
  }
  return MsgPtr();
}

StatusOr<Lease> NatsEventBus::ToLease(natsMsg* msg, const std::string& topic) {
  jsMsgMetaData* raw_meta = nullptr;
  natsStatus s = natsMsg_GetMetaData(&raw_meta, msg);
  if (s != NATS_OK) return NatsError("reading delivery metadata", s);
  MetaDataPtr meta(raw_meta);
  Lease lease;
  lease.message.id = Header(msg, kIdHeader);
  if (lease.message.id.empty()) {  // published by another tool: name it by position
    lease.message.id = absl::StrCat(config_.stream, "-", meta->Sequence.Stream);
  }
  lease.message.topic = topic;
  lease.message.payload = Payload(msg);
  lease.message.attempt = static_cast<int>(meta->NumDelivered);
  lease.ack_subject = natsMsg_GetReply(msg);
  return lease;
}

Message NatsEventBus::Keep(Lease lease) {
  const absl::Time now = absl::Now();
  lease.deadline = now + absl::FromChrono(options_.visibility_timeout);
  lease.message.receipt = RandomToken();
  // +WPI restarts the server's AckWait from a moment after `now`. Best effort:
  // if it is lost, the lease is shorter by the time the pull took.
  (void)natsConnection_PublishString(connection_.get(), lease.ack_subject.c_str(), "+WPI");
  Message message = lease.message;
  absl::MutexLock lock(&mu_);
  for (auto it = leases_.begin(); it != leases_.end();) {  // forget abandoned leases
    it = it->second.deadline <= now ? leases_.erase(it) : std::next(it);
  }
  leases_.emplace(message.receipt, std::move(lease));
  return message;
}

StatusOr<Lease> NatsEventBus::TakeLease(const Message& message) {
  absl::MutexLock lock(&mu_);
  auto it = leases_.find(message.receipt);
  if (it == leases_.end() || it->second.message.id != message.id) return LeaseLost(message);
  Lease lease = std::move(it->second);
  leases_.erase(it);
  if (absl::Now() >= lease.deadline) return LeaseLost(message);
  return lease;
}

void NatsEventBus::RestoreLease(Lease lease) {
  absl::MutexLock lock(&mu_);
  const std::string receipt = lease.message.receipt;
  leases_.emplace(receipt, std::move(lease));
}

Status NatsEventBus::Control(const Lease& lease, const std::string& verb) {
  natsMsg* reply = nullptr;
  natsStatus s = natsConnection_RequestString(&reply, connection_.get(), lease.ack_subject.c_str(),
                                              verb.c_str(), config_.request_timeout.count());
  MsgPtr owned(reply);
  return s == NATS_OK ? absl::OkStatus() : NatsError("settling a message", s);
}

Status NatsEventBus::Nak(const Lease& lease, milliseconds delay) {
  if (delay.count() <= 0) return Control(lease, "-NAK");
  return Control(lease, absl::StrCat(R"(-NAK {"delay":)", Nanos(delay), "}"));
}

Status NatsEventBus::Ack(const Message& message) {
  OCULA_RETURN_IF_ERROR(CheckConnected());
  OCULA_ASSIGN_OR_RETURN(Lease lease, TakeLease(message));
  Status status = Control(lease, "+ACK");
  if (!status.ok()) RestoreLease(std::move(lease));
  return status;
}

milliseconds NatsEventBus::Backoff(int attempts) const {
  milliseconds delay = options_.backoff_base;
  for (int i = 1; i < attempts && delay < options_.backoff_max; ++i) delay *= 2;
  return std::min(delay, options_.backoff_max);
}

Status NatsEventBus::Nack(const Message& message, const std::string& reason,
                          std::optional<milliseconds> delay) {
  OCULA_RETURN_IF_ERROR(CheckConnected());
  OCULA_ASSIGN_OR_RETURN(Lease lease, TakeLease(message));
  const int attempts = lease.message.attempt;
  Status status = attempts >= options_.max_attempts
                      ? DeadLetterLease(lease, reason, attempts)
                      : Nak(lease, delay ? *delay : Backoff(attempts));
  if (!status.ok()) RestoreLease(std::move(lease));
  return status;
}

Status NatsEventBus::DeadLetterNow(const Message& message, const std::string& reason) {
  OCULA_RETURN_IF_ERROR(CheckConnected());
  OCULA_ASSIGN_OR_RETURN(Lease lease, TakeLease(message));
  Status status = DeadLetterLease(lease, reason, lease.message.attempt);
  if (!status.ok()) RestoreLease(std::move(lease));
  return status;
}

Status NatsEventBus::DeadLetterLease(const Lease& lease, const std::string& reason,
                                     int attempts) {
  // Dead letter first: if +TERM is lost the message comes back, and the
  // repeated dead letter has the same Nats-Msg-Id, so it is dropped.
  OCULA_RETURN_IF_ERROR(PublishDeadLetter(lease.message, reason, attempts));
  return Control(lease, "+TERM");
}

Status NatsEventBus::PublishDeadLetter(const Message& message, const std::string& reason,
                                       int attempts) {
  natsMsg* raw = nullptr;
  natsStatus s = natsMsg_Create(&raw, config_.dead_letter_subject.c_str(), nullptr,
                                message.payload.data(), static_cast<int>(message.payload.size()));
  if (s != NATS_OK) return NatsError("dead-lettering", s);
  MsgPtr msg(raw);
  const std::string dead_at = absl::StrCat(absl::ToUnixMillis(absl::Now()));
  const std::string attempts_text = absl::StrCat(attempts);
  const std::string reason_line = HeaderValue(reason);
  s = natsMsgHeader_Set(msg.get(), kTopicHeader, message.topic.c_str());
  if (s == NATS_OK) s = natsMsgHeader_Set(msg.get(), kReasonHeader, reason_line.c_str());
  if (s == NATS_OK) s = natsMsgHeader_Set(msg.get(), kAttemptsHeader, attempts_text.c_str());
  if (s == NATS_OK) s = natsMsgHeader_Set(msg.get(), kDeadAtHeader, dead_at.c_str());
  if (s != NATS_OK) return NatsError("dead-lettering", s);
  jsPubOptions publish;
  jsPubOptions_Init(&publish);
  publish.MsgId = message.id.c_str();
  publish.ExpectStream = config_.dead_letter_stream.c_str();
  jsErrCode code = static_cast<jsErrCode>(0);
  s = js_PublishMsg(nullptr, js_.get(), msg.get(), &publish, &code);
  return s == NATS_OK ? absl::OkStatus() : NatsError("dead-lettering", s, code);
}

StatusOr<std::vector<DeadLetter>> NatsEventBus::DeadLetters(size_t limit) {
  OCULA_RETURN_IF_ERROR(CheckConnected());
  jsStreamInfo* raw_info = nullptr;
  jsErrCode code = static_cast<jsErrCode>(0);
  natsStatus s = js_GetStreamInfo(&raw_info, js_.get(), config_.dead_letter_stream.c_str(),
                                  nullptr, &code);
  if (s != NATS_OK) return NatsError("reading dead letters", s, code);
  StreamInfoPtr info(raw_info);
  std::vector<DeadLetter> out;
  if (info->State.Msgs == 0) return out;
  const uint64_t first = std::max<uint64_t>(info->State.FirstSeq, 1);
  for (uint64_t seq = info->State.LastSeq; seq >= first && out.size() < limit; --seq) {
    OCULA_ASSIGN_OR_RETURN(std::optional<DeadLetter> letter, ReadDeadLetter(seq));
    if (letter) out.push_back(std::move(*letter));
  }
  return out;
}

StatusOr<std::optional<DeadLetter>> NatsEventBus::ReadDeadLetter(uint64_t sequence) {
  natsMsg* raw = nullptr;
  jsErrCode code = static_cast<jsErrCode>(0);
  natsStatus s = js_GetMsg(&raw, js_.get(), config_.dead_letter_stream.c_str(), sequence, nullptr,
                           &code);
  if (s != NATS_OK && code == JSNoMessageFoundErr) return std::nullopt;  // deleted
  if (s != NATS_OK) return NatsError("reading dead letters", s, code);
  MsgPtr msg(raw);
  DeadLetter letter;
  letter.message.id = Header(msg.get(), kIdHeader);
  letter.message.topic = Header(msg.get(), kTopicHeader);
  letter.message.payload = Payload(msg.get());
  letter.reason = Header(msg.get(), kReasonHeader);
  if (!absl::SimpleAtoi(Header(msg.get(), kAttemptsHeader), &letter.attempts)) letter.attempts = 0;
  letter.message.attempt = letter.attempts;
  if (!absl::SimpleAtoi(Header(msg.get(), kDeadAtHeader), &letter.dead_at_ms)) {
    letter.dead_at_ms = 0;
  }
  return letter;
}

// The stream keeps a message until it is acked or dead-lettered (work-queue
// retention), so counting the topic's subject in the stream needs no consumer:
// a process that only publishes (the api's metrics) neither creates nor
// reconfigures one.
StatusOr<int64_t> NatsEventBus::Depth(const std::string& topic) {
  if (!ValidTopic(topic)) return InvalidTopic(topic);
  OCULA_RETURN_IF_ERROR(CheckConnected());
  const std::string subject = SubjectOf(topic);
  jsOptions options;
  jsOptions_Init(&options);
  options.Stream.Info.SubjectsFilter = subject.c_str();
  jsStreamInfo* raw = nullptr;
  jsErrCode code = static_cast<jsErrCode>(0);
  natsStatus s = js_GetStreamInfo(&raw, js_.get(), config_.stream.c_str(), &options, &code);
  if (s != NATS_OK) return NatsError("reading queue depth", s, code);
  StreamInfoPtr info(raw);
  int64_t depth = 0;
  if (info->State.Subjects != nullptr) {
    for (int i = 0; i < info->State.Subjects->Count; ++i) {
      depth += static_cast<int64_t>(info->State.Subjects->List[i].Msgs);
    }
  }
  return depth;
}

Status NatsEventBus::CheckHealth() {
  OCULA_RETURN_IF_ERROR(CheckConnected());
  jsStreamInfo* raw = nullptr;
  jsErrCode code = static_cast<jsErrCode>(0);
  natsStatus s = js_GetStreamInfo(&raw, js_.get(), config_.stream.c_str(), nullptr, &code);
  StreamInfoPtr info(raw);
  if (s == NATS_OK) return absl::OkStatus();
  return absl::UnavailableError(NatsError("reading the stream", s, code).message());
}

}  // namespace

StatusOr<std::unique_ptr<EventBus>> OpenNatsEventBus(const NatsBusConfig& config,
                                                     const EventBusOptions& options) {
  OCULA_RETURN_IF_ERROR(ValidateConfig(config, options));
  OCULA_ASSIGN_OR_RETURN(ConnectionPtr connection, Connect(config));
  jsOptions js_options;
  jsOptions_Init(&js_options);
  js_options.Wait = config.request_timeout.count();
  jsCtx* raw_js = nullptr;
  natsStatus s = natsConnection_JetStream(&raw_js, connection.get(), &js_options);
  if (s != NATS_OK) return NatsError("JetStream context", s);
  JsPtr js(raw_js);
  OCULA_RETURN_IF_ERROR(EnsureStream(js.get(), config, config.stream,
                                     absl::StrCat(config.subject_prefix, ".>"),
                                     js_WorkQueuePolicy));
  OCULA_RETURN_IF_ERROR(EnsureStream(js.get(), config, config.dead_letter_stream,
                                     config.dead_letter_subject, js_LimitsPolicy));
  return std::make_unique<NatsEventBus>(config, options, std::move(connection), std::move(js));
}

}  // namespace ocula
