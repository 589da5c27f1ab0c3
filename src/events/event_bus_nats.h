// The scale-out EventBus on NATS JetStream: many processes (API and worker
// roles) share one durable queue on a NATS server or cluster.
//
// Mapping:
// - Topic T is subject "<subject_prefix>.T" in one stream (`stream`, file
//   storage, work-queue retention: a message is removed once acked or
//   dead-lettered). Publish sets Nats-Msg-Id to the message id, so the server
//   drops an id seen within `dedup_window` (the SQLite bus remembers acked ids
//   for 24 h and dead ones forever; here both last for the window).
// - Each topic has one durable pull consumer shared by every process
//   (explicit ack, AckWait = visibility_timeout: buses sharing a topic must
//   use the same visibility_timeout; the last one to open it sets it).
//   Receive asks it for one message; the server hands each delivery to
//   exactly one receiver.
// - Message.attempt is the server's delivery count. Nack before the last
//   attempt is a NAK with the backoff (backoff_base doubling up to
//   backoff_max) or the given delay; at max_attempts it dead-letters.
// - Dead letters are messages on `dead_letter_subject` in their own stream
//   (`dead_letter_stream`), carrying the reason and attempt count in headers;
//   the original is then terminated (+TERM). DeadLetters reads that stream
//   back, most recent first.
// - Depth(T) is the number of T's messages in the stream: not yet acked nor
//   dead-lettered (leased messages and those waiting out a Nack delay
//   included). It reads the stream, so publish-only processes can call it.
//
// Where JetStream differs from the SQLite bus, and what this bus does:
// - The server's MaxDeliver drops a message silently (an advisory only), so
//   the consumer has no MaxDeliver: a delivery whose count exceeds
//   max_attempts (the last lease expired) is dead-lettered by the Receive that
//   gets it ("visibility timeout expired after N attempts") and never handed
//   out, as the SQLite bus does.
// - JetStream accepts an ack from any earlier delivery of a message, even
//   after it was redelivered to someone else. So this bus tracks each lease
//   itself: the receipt is valid in the bus instance that received it, until
//   visibility_timeout after Receive returned (the bus sends +WPI on receipt,
//   so the server's timer never runs out before that). Ack/Nack/DeadLetterNow
//   with an unknown, settled or expired receipt return FailedPrecondition and
//   leave the message alone. Unlike the SQLite bus, an expired lease is lost
//   even when nobody has taken the message yet.
// - Receive waits at least 60 ms when nothing is visible: each Receive is a
//   pull request that the server ends after the wait (JetStream 2.9 leaves
//   no_wait pulls unanswered when receivers compete, so there is no instant
//   "poll"). WakeAll makes blocked Receives return within 50 ms; a message the
//   server sent to a receiver that just gave up (woken, or its wait ran out
//   as the message was on its way) is delivered again after
//   visibility_timeout, as an extra attempt.
// - Ordering: first deliveries in publish order; redeliveries come first.
//
// Failures: while the client is disconnected (it reconnects by itself, for
// ever) every call returns Unavailable at once; calls that reach a server that
// does not answer within request_timeout return Unavailable. A lease survives
// an outage shorter than visibility_timeout. CheckHealth is Unavailable while
// disconnected or when the stream cannot be read.
//
// Thread-safety: safe for concurrent use.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "core/env.h"
#include "core/status.h"
#include "core/uri.h"
#include "events/event_bus.h"

namespace ocula {

struct NatsBusConfig {
  // Server URLs ("nats://host:4222"); the client fails over and reconnects
  // among them. Credentials in a URL (nats://user:pass@host) work too.
  std::vector<std::string> servers{"nats://127.0.0.1:4222"};
  std::string stream = "OCULA";
  std::string subject_prefix = "ocula.events";  // must not overlap the dead-letter subject
  std::string dead_letter_stream = "OCULA_DEAD";
  std::string dead_letter_subject = "ocula.dead";

  // Credentials: user + password, or token. `credentials_file`, when set,
  // holds "user:password" or a token on its first line and takes precedence
  // (keep secrets out of config files and process listings). The wiring layer
  // may fill these from OCULA_* environment variables. Never logged and never
  // part of an error message.
  std::string user;
  std::string password;
  std::string token;
  std::string credentials_file;

  std::chrono::milliseconds connect_timeout{5000};
  // Bound on each round trip: JetStream API calls, publish and ack replies.
  std::chrono::milliseconds request_timeout{5000};
  std::chrono::milliseconds reconnect_wait{500};
  std::chrono::milliseconds dedup_window{24 * 60 * 60 * 1000};
  int replicas = 1;
  // Leased plus Nack-delayed messages per topic; beyond it the server stops
  // delivering that topic until some are settled.
  int max_ack_pending = 10'000;
};

// Connects, then creates (or updates to this configuration) the stream and the
// dead-letter stream. Consumers are created on first use of a topic.
// InvalidArgument for bad options or config (as OpenSqliteEventBus, plus
// empty names, an unreadable credentials file); Unavailable when no server
// answers within connect_timeout; PermissionDenied when authentication fails;
// FailedPrecondition when an existing stream cannot take this configuration.
StatusOr<std::unique_ptr<EventBus>> OpenNatsEventBus(const NatsBusConfig& config,
                                                     const EventBusOptions& options);

// The configuration of a `nats://HOST:PORT[,HOST2:PORT...][?stream=S&subject_prefix=P&
// dead_letter_stream=D&dead_letter_subject=DS&replicas=N]` URI (events_uri).
// Credentials come from the environment, never the URI (which is logged):
// OCULA_NATS_TOKEN, or OCULA_NATS_USER and OCULA_NATS_PASSWORD, or
// OCULA_NATS_CREDENTIALS_FILE (a file holding "user:password" or a token).
// InvalidArgument for user:password@ in the URI or an unknown parameter.
StatusOr<NatsBusConfig> NatsBusConfigFromUri(const Uri& uri, const EnvLookup& env = ProcessEnv());

}  // namespace ocula
