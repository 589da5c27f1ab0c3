// The only translation unit that includes Boost.Beast (slow to compile).
// One Session template serves both transports: beast::tcp_stream (plain HTTP)
// and beast::ssl_stream<beast::tcp_stream> (HTTPS); the timeouts live on the
// TCP layer underneath either.
#include "api/http_server.h"

#include <openssl/crypto.h>
#include <openssl/ssl.h>

#include <spdlog/spdlog.h>
#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include <algorithm>
#include <array>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <deque>
#include <fstream>
#include <sstream>
#include <optional>
#include <thread>
#include <type_traits>

#include "api/error_mapping.h"
#include "api/http_parse.h"
#include "core/ids.h"
#include "core/thread_name.h"

namespace ocula {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;

namespace {

using PlainStream = beast::tcp_stream;
using TlsStream = beast::ssl_stream<beast::tcp_stream>;
using Clock = std::chrono::steady_clock;

std::string_view View(beast::string_view s) { return {s.data(), s.size()}; }

using BeastRequest = http::request<http::string_body>;
using BeastResponse = http::response<http::string_body>;
using StreamHead = http::response<http::empty_body>;

// A streamed response whose client has not read this many chunks is dropped.
constexpr int kMaxQueuedChunks = 1024;
// Time allowed to write one chunk of a streamed response.
constexpr std::chrono::seconds kChunkWriteTimeout{30};
// Lingering close: how long to drain what a client still sends after our last
// response (and to send TLS close_notify).
constexpr std::chrono::seconds kLingerTime{2};
// Bytes read at once while waiting for the next request on a kept-alive connection.
constexpr size_t kIdleReadSize = 4096;
// Room the read buffer gets while a body is read. Beast reads at most the
// buffer's free capacity (512 bytes at least) at a time; a buffer sized for
// the head alone took ~200 reads, each with its epoll wait, timer update and
// thread hand-off, for a 100 KB upload.
constexpr size_t kBodyReadSize = 64 * 1024;
// TLS 1.2 cipher suites: forward secrecy and AEAD only (TLS 1.3 uses OpenSSL's
// defaults, all of which are).
constexpr const char* kTls12Ciphers =
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
    "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
    "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305";

template <class Message>
void SetHead(Message& out, const HttpResponse& in, const std::string& request_id) {
  out.set(http::field::server, "ocula");
  out.set(http::field::content_type, in.content_type);
  out.set("X-Request-Id", request_id);
  for (const auto& [k, v] : in.headers) out.set(k, v);
}

BeastResponse ToBeast(HttpResponse in, unsigned version, bool keep_alive,
                      const std::string& request_id, bool head) {
  BeastResponse out{static_cast<http::status>(in.status), version};
  SetHead(out, in, request_id);
  out.keep_alive(keep_alive);
  size_t length = in.body.size();
  if (!head) out.body() = std::move(in.body);
  out.content_length(length);
  return out;
}

// --- TLS context -------------------------------------------------------------

StatusOr<std::string> ReadPemFile(const std::string& what, const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return absl::InvalidArgumentError("cannot read " + what + " '" + path +
                                      "': " + std::strerror(errno));
  }
  std::ostringstream text;
  text << in.rdbuf();
  if (text.str().empty()) return absl::InvalidArgumentError(what + " '" + path + "' is empty");
  return text.str();
}

// The server's TLS context from PEM files, or an error naming the file at fault.
StatusOr<std::unique_ptr<ssl::context>> MakeTlsContext(const std::string& cert_file,
                                                       const std::string& key_file) {
  OCULA_ASSIGN_OR_RETURN(std::string cert, ReadPemFile("TLS certificate file", cert_file));
  OCULA_ASSIGN_OR_RETURN(std::string key, ReadPemFile("TLS key file", key_file));
  auto context = std::make_unique<ssl::context>(ssl::context::tls_server);
  context->set_options(ssl::context::default_workarounds | ssl::context::no_compression |
                       ssl::context::no_sslv2 | ssl::context::no_sslv3 | ssl::context::no_tlsv1 |
                       ssl::context::no_tlsv1_1 | ssl::context::single_dh_use);
  SSL_CTX* native = context->native_handle();
  SSL_CTX_set_min_proto_version(native, TLS1_2_VERSION);
  SSL_CTX_set_options(native, SSL_OP_CIPHER_SERVER_PREFERENCE | SSL_OP_NO_RENEGOTIATION);
  SSL_CTX_set_mode(native, SSL_MODE_RELEASE_BUFFERS);  // less memory per idle connection
  if (SSL_CTX_set_cipher_list(native, kTls12Ciphers) != 1) {
    return absl::InternalError("OpenSSL accepts none of the TLS 1.2 cipher suites");
  }
  // An encrypted key would make OpenSSL prompt on the terminal: refuse it instead.
  context->set_password_callback(
      [](std::size_t, ssl::context::password_purpose) { return std::string(); });
  beast::error_code ec;
  context->use_certificate_chain(asio::buffer(cert), ec);
  if (ec) {
    return absl::InvalidArgumentError(
        "TLS certificate file '" + cert_file +
        "' holds no usable PEM certificate (-----BEGIN CERTIFICATE-----): " + ec.message());
  }
  context->use_private_key(asio::buffer(key), ssl::context::pem, ec);
  OPENSSL_cleanse(key.data(), key.size());  // the context keeps its own copy
  if (ec || SSL_CTX_check_private_key(native) != 1) {
    return absl::InvalidArgumentError(
        "cannot use TLS key file '" + key_file + "'" + (ec ? " (" + ec.message() + ")" : "") +
        ": it must be an unencrypted PEM private key matching the certificate in '" + cert_file +
        "'");
  }
  return context;
}

// --- Connections -------------------------------------------------------------

// What the sessions of one server share; outlives them all.
struct ServerState {
  ServerState(HttpServerOptions o, HttpServer::RequestHandler h)
      : options(std::move(o)), handler(std::move(h)) {}
  const HttpServerOptions options;
  const HttpServer::RequestHandler handler;
  std::unique_ptr<ssl::context> tls;             // null: plain HTTP
  std::atomic<int> active{0};                    // requests whose head arrived, not yet answered
  std::atomic<int> connections{0};               // open connections
  std::atomic<uint64_t> buffered_body_bytes{0};  // reserved by requests reading a body

  // Reserves room for a body of `bytes`; false when that would take the
  // total over the limit (one body is always let in when none is held, so a
  // limit below max_body_bytes cannot lock large uploads out).
  bool ReserveBody(uint64_t bytes) {
    uint64_t held = buffered_body_bytes.load();
    do {
      if (held > 0 && held + bytes > options.max_buffered_body_bytes) return false;
    } while (!buffered_body_bytes.compare_exchange_weak(held, held + bytes));
    return true;
  }
};

// Counts one open connection for as long as it lives.
class ConnectionSlot {
 public:
  explicit ConnectionSlot(std::atomic<int>& count) : count_(count) { count_.fetch_add(1); }
  ~ConnectionSlot() { count_.fetch_sub(1); }
  ConnectionSlot(const ConnectionSlot&) = delete;
  ConnectionSlot& operator=(const ConnectionSlot&) = delete;

 private:
  std::atomic<int>& count_;
};

// One client connection: (TLS handshake), then requests until the client or
// a limit ends it. Transport is PlainStream or TlsStream; every handler runs
// on the connection's strand.
template <class Transport>
class Session : public std::enable_shared_from_this<Session<Transport>> {
  static constexpr bool kTls = std::is_same_v<Transport, TlsStream>;

 public:
  // `extra`: the ssl::context for TLS, nothing for plain HTTP.
  template <class... Extra>
  Session(ServerState& state, tcp::socket socket, Extra&... extra)
      : slot_(state.connections), stream_(std::move(socket), extra...), state_(state) {}

  void Start() {
    if constexpr (kTls) {
      Tcp().expires_after(options().header_timeout);
      stream_.async_handshake(ssl::stream_base::server,
                              beast::bind_front_handler(&Session::OnHandshake, Self()));
    } else {
      ReadRequest();
    }
  }

 private:
  std::shared_ptr<Session> Self() { return this->shared_from_this(); }
  const HttpServerOptions& options() const { return state_.options; }
  // The TCP layer: timeouts, shutdown, raw reads.
  beast::tcp_stream& Tcp() {
    if constexpr (kTls) {
      return stream_.next_layer();
    } else {
      return stream_;
    }
  }

  void OnHandshake(beast::error_code ec) {
    if (ec) {  // plain HTTP, a scanner, a timeout: nothing reaches the handler
      spdlog::debug("TLS handshake failed: {}", ec.message());
      return Close(/*tls_notify=*/false);
    }
    handshake_done_ = true;
    ReadRequest();
  }

  // --- Reading a request ------------------------------------------------------
  // A kept-alive connection first waits up to idle_timeout for the next
  // request to begin; its head must then arrive within header_timeout, and
  // the whole request within request_timeout of its start.
  void ReadRequest() {
    parser_.emplace();
    parser_->body_limit(options().max_body_bytes);
    parser_->header_limit(options().max_header_bytes);
    if (requests_ > 0 && buffer_.size() == 0) {
      Tcp().expires_after(options().idle_timeout);
      stream_.async_read_some(buffer_.prepare(kIdleReadSize),
                              [self = Self()](beast::error_code ec, std::size_t n) {
                                if (ec) return self->Close(false);  // idle, or gone
                                self->buffer_.commit(n);
                                self->ReadHead();
                              });
      return;
    }
    ReadHead();
  }

  void ReadHead() {
    const Clock::time_point now = Clock::now();
    request_deadline_ = now + options().request_timeout;
    Tcp().expires_at(std::min(request_deadline_, now + options().header_timeout));
    http::async_read_header(stream_, buffer_, *parser_,
                            beast::bind_front_handler(&Session::OnHead, Self()));
  }

  void OnHead(beast::error_code ec, std::size_t) {
    if (ec) return OnReadError(ec);
    // In flight from here: a graceful stop waits for the body and the answer.
    state_.active.fetch_add(1);
    in_flight_ = true;
    if (parser_->is_done()) return Dispatch();
    const uint64_t body = parser_->content_length().value_or(options().max_body_bytes);
    if (!state_.ReserveBody(body)) {
      EndInFlight();
      return Reply(ErrorResponse(absl::UnavailableError(
                       "the server is receiving too many request bodies at once; retry")),
                   parser_->get().version(), false, RandomToken(), false);
    }
    reserved_body_ = body;
    buffer_.reserve(std::min<uint64_t>(body, kBodyReadSize));
    Tcp().expires_at(request_deadline_);
    http::async_read(stream_, buffer_, *parser_,
                     beast::bind_front_handler(&Session::OnBody, Self()));
  }

  void OnBody(beast::error_code ec, std::size_t) {
    if (ec) return OnReadError(ec);
    if (buffer_.size() == 0) buffer_.shrink_to_fit();  // idle keep-alive connections stay small
    Dispatch();
  }

  void OnReadError(beast::error_code ec) {
    EndInFlight();
    if (ec == http::error::body_limit) {
      return Reply(
          ErrorResponse(PayloadTooLargeError("request body is larger than the limit of " +
                                             std::to_string(options().max_body_bytes) + " bytes")),
          11, false, RandomToken(), false);
    }
    if (ec == http::error::header_limit) {
      return Reply(ErrorResponse(absl::InvalidArgumentError("request headers are too large")), 11,
                   false, RandomToken(), false);
    }
    // Dropped, timed out or malformed: nothing reached the handler.
    Close(false);
  }

  void EndInFlight() {
    if (std::exchange(in_flight_, false)) state_.active.fetch_sub(1);
    state_.buffered_body_bytes.fetch_sub(std::exchange(reserved_body_, 0));
  }

  void Dispatch() {
    ++requests_;
    BeastRequest request = parser_->release();
    RequestHead head{View(request.method_string()), View(request.target()), {}};
    for (const auto& field : request) {
      head.fields.emplace_back(View(field.name_string()), View(field.value()));
    }
    HttpRequest req;
    Status target = FillRequest(head, RandomToken(), req);
    const unsigned version = request.version();
    const bool keep_alive = request.keep_alive();
    const bool is_head = req.method == "HEAD";
    std::string request_id = req.request_id;
    if (!target.ok()) {
      EndInFlight();
      return Reply(ErrorResponse(target), version, keep_alive, request_id, is_head);
    }
    req.body = std::move(request.body());
    // The response comes back on this connection's strand: at once when the
    // handler answered inline (dispatch runs it here), later from a pool.
    state_.handler(std::move(req), [self = Self(), version, keep_alive, is_head,
                                    request_id = std::move(request_id)](HttpResponse response) {
      asio::dispatch(self->stream_.get_executor(), [self, version, keep_alive, is_head, request_id,
                                                    response = std::move(response)]() mutable {
        self->EndInFlight();
        self->Reply(std::move(response), version, keep_alive, request_id, is_head);
      });
    });
  }

  void Reply(HttpResponse response, unsigned version, bool keep_alive,
             const std::string& request_id, bool head) {
    if (response.start_stream && !head) {
      return StartStream(std::move(response), version, request_id);
    }
    auto out = std::make_shared<BeastResponse>(
        ToBeast(std::move(response), version, keep_alive, request_id, head));
    Tcp().expires_after(options().request_timeout);
    http::async_write(stream_, *out,
                      [self = Self(), out, keep_alive](beast::error_code ec, std::size_t) {
                        if (ec) return self->Abort();
                        if (!keep_alive) return self->Close(/*tls_notify=*/true);
                        self->ReadRequest();
                      });
  }

  // --- Streamed responses (server-sent events) -----------------------------
  // The head goes out with chunked encoding; then the producer gets a
  // ResponseStream whose chunks are written in order on this session's strand.
  // A read on the raw TCP socket notices when the client hangs up (the
  // connection ends with the stream, so bytes it swallows, TLS records
  // included, are never needed).
  class ChunkStream : public ResponseStream {
   public:
    explicit ChunkStream(std::weak_ptr<Session> session) : session_(std::move(session)) {}
    bool Send(std::string chunk) override {
      auto session = session_.lock();
      if (!session || session->stream_ended_.load()) return false;
      if (session->queued_chunks_.fetch_add(1) >= kMaxQueuedChunks) {
        asio::post(session->stream_.get_executor(), [session] { session->EndStream(); });
        return false;
      }
      asio::post(session->stream_.get_executor(), [session, chunk = std::move(chunk)]() mutable {
        session->QueueChunk(std::move(chunk));
      });
      return true;
    }

   private:
    std::weak_ptr<Session> session_;
  };

  void StartStream(HttpResponse response, unsigned version, const std::string& request_id) {
    auto head = std::make_shared<StreamHead>(static_cast<http::status>(response.status), version);
    SetHead(*head, response, request_id);
    head->chunked(true);
    head->keep_alive(false);  // the stream ends with the connection
    auto serializer = std::make_shared<http::response_serializer<http::empty_body>>(*head);
    Tcp().expires_after(options().request_timeout);
    http::async_write_header(
        stream_, *serializer,
        [self = Self(), head, serializer, start = std::move(response.start_stream)](
            beast::error_code ec, std::size_t) {
          self->Tcp().expires_never();
          if (ec) return self->EndStream();
          self->WatchForHangUp();
          start(std::make_shared<ChunkStream>(self));
        });
  }

  void WatchForHangUp() {
    Tcp().socket().async_read_some(asio::buffer(discard_),
                                   [self = Self()](beast::error_code ec, std::size_t) {
                                     if (ec) return self->EndStream();
                                     self->WatchForHangUp();
                                   });
  }

  void QueueChunk(std::string chunk) {
    if (stream_ended_.load()) return;
    chunks_.push_back(std::move(chunk));
    if (chunks_.size() == 1) WriteChunk();
  }

  void WriteChunk() {
    Tcp().expires_after(kChunkWriteTimeout);
    asio::async_write(stream_, http::make_chunk(asio::buffer(chunks_.front())),
                      [self = Self()](beast::error_code ec, std::size_t) {
                        self->Tcp().expires_never();
                        if (ec) return self->EndStream();
                        self->chunks_.pop_front();
                        self->queued_chunks_.fetch_sub(1);
                        if (!self->chunks_.empty()) self->WriteChunk();
                      });
  }

  void EndStream() {
    if (stream_ended_.exchange(true)) return;
    Abort();
  }

  // --- Closing -----------------------------------------------------------------
  // Lingering close: (TLS: send close_notify, without waiting for the
  // client's,) stop sending, then drain what the client is still sending for
  // a moment, so that closing with unread data (a refused large upload) does
  // not reset the connection before the client reads the reply.
  void Close(bool tls_notify) {
    if constexpr (kTls) {
      if (tls_notify && handshake_done_) {
        SSL* ssl = stream_.native_handle();
        SSL_set_shutdown(ssl, SSL_get_shutdown(ssl) | SSL_RECEIVED_SHUTDOWN);
        Tcp().expires_after(kLingerTime);
        stream_.async_shutdown([self = Self()](beast::error_code) { self->Linger(); });
        return;
      }
    }
    Linger();
  }

  void Linger() {
    beast::error_code ec;
    Tcp().socket().shutdown(tcp::socket::shutdown_send, ec);
    if (ec) return Tcp().close();
    Tcp().expires_after(kLingerTime);
    Drain();
  }

  void Drain() {
    Tcp().async_read_some(asio::buffer(discard_),
                          [self = Self()](beast::error_code ec, std::size_t) {
                            if (ec) return self->Tcp().close();
                            self->Drain();
                          });
  }

  // Closes at once (the client is gone, or a streamed response ends).
  void Abort() {
    beast::error_code ec;
    Tcp().socket().shutdown(tcp::socket::shutdown_both, ec);
    Tcp().socket().close(ec);
  }

  ConnectionSlot slot_;  // first: counted for as long as any member lives
  Transport stream_;
  ServerState& state_;
  beast::flat_buffer buffer_;
  std::array<char, 16384> discard_;
  std::optional<http::request_parser<http::string_body>> parser_;
  Clock::time_point request_deadline_;
  int requests_ = 0;            // requests read on this connection
  bool in_flight_ = false;      // counted in state_.active (head read, not yet answered)
  uint64_t reserved_body_ = 0;  // counted in state_.buffered_body_bytes
  bool handshake_done_ = false;
  std::deque<std::string> chunks_;  // streamed chunks not yet written; front is in flight
  std::atomic<int> queued_chunks_{0};
  std::atomic<bool> stream_ended_{false};
};

}  // namespace

class HttpServer::Impl {
 public:
  Impl(HttpServerOptions options, RequestHandler handler)
      : state_(std::move(options), std::move(handler)) {}

  Status Start() {
    const HttpServerOptions& options = state_.options;
    if (options.tls_cert_file.empty() != options.tls_key_file.empty()) {
      return absl::InvalidArgumentError(
          options.tls_cert_file.empty() ? "TLS needs a certificate file as well as the key file"
                                        : "TLS needs a key file as well as the certificate file");
    }
    if (!options.tls_cert_file.empty()) {
      OCULA_ASSIGN_OR_RETURN(state_.tls,
                             MakeTlsContext(options.tls_cert_file, options.tls_key_file));
    }
    size_t colon = options.listen.rfind(':');
    if (colon == std::string::npos) {
      return absl::InvalidArgumentError("listen address must be host:port, got '" + options.listen +
                                        "'");
    }
    std::string host = options.listen.substr(0, colon);
    if (host.size() > 2 && host.front() == '[') host = host.substr(1, host.size() - 2);
    beast::error_code ec;
    auto address = asio::ip::make_address(host, ec);
    int port = std::atoi(options.listen.c_str() + colon + 1);
    if (ec || port < 0 || port > 65535) {
      return absl::InvalidArgumentError("bad listen address '" + options.listen +
                                        "' (want IP:port, e.g. 127.0.0.1:8080)");
    }
    tcp::endpoint endpoint(address, static_cast<unsigned short>(port));
    acceptor_.open(endpoint.protocol(), ec);
    if (!ec) acceptor_.set_option(asio::socket_base::reuse_address(true), ec);
    if (!ec) acceptor_.bind(endpoint, ec);
    if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
    if (ec) {
      return absl::UnavailableError("cannot listen on " + options.listen + ": " + ec.message());
    }
    port_ = acceptor_.local_endpoint().port();
    if (state_.tls) {
      spdlog::info("TLS on: certificate {}, key {}", options.tls_cert_file, options.tls_key_file);
    }
    Accept();
    // Without it the threads would leave run() once the acceptor is closed
    // at Stop and every connection waits on a pool: a response that comes
    // back from the pool afterwards would never be written.
    work_.emplace(io_.get_executor());
    for (int i = 0; i < options.io_threads; ++i) {
      threads_.emplace_back([this] {
        SetThreadName("ocula-http");
        io_.run();
      });
    }
    return absl::OkStatus();
  }

  void Stop() {
    if (threads_.empty()) return;
    asio::post(acceptor_.get_executor(), [this] {
      beast::error_code ec;
      acceptor_.close(ec);
      accept_retry_.cancel();
    });
    auto deadline = std::chrono::steady_clock::now() + state_.options.shutdown_deadline;
    while (state_.active.load() > 0 && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    // Let responses in flight be written, briefly, then stop everything.
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    work_.reset();
    io_.stop();
    for (auto& t : threads_) t.join();
    threads_.clear();
  }

  int port() const { return port_; }
  bool tls() const { return state_.tls != nullptr; }

 private:
  // One accept at a time: the handler below never runs concurrently with itself.
  void Accept() {
    acceptor_.async_accept(asio::make_strand(io_), [this](beast::error_code ec,
                                                          tcp::socket socket) {
      if (ec == asio::error::operation_aborted || !acceptor_.is_open()) return;
      if (ec) {  // e.g. out of file descriptors: back off instead of spinning
        spdlog::warn("accepting a connection failed: {}", ec.message());
        accept_retry_.expires_after(std::chrono::milliseconds(100));
        accept_retry_.async_wait([this](beast::error_code wait_ec) {
          if (!wait_ec && acceptor_.is_open()) Accept();
        });
        return;
      }
      if (state_.connections.load() >= state_.options.max_connections) {
        Refuse(socket);
      } else {
        try {
          if (state_.tls) {
            std::make_shared<Session<TlsStream>>(state_, std::move(socket), *state_.tls)->Start();
          } else {
            std::make_shared<Session<PlainStream>>(state_, std::move(socket))->Start();
          }
        } catch (const std::exception& e) {
          spdlog::warn("cannot start a connection: {}", e.what());
        }
      }
      Accept();
    });
  }

  // Over max_connections: close at once, and say so now and then.
  void Refuse(tcp::socket& socket) {
    beast::error_code ec;
    socket.close(ec);
    ++refused_;
    auto now = std::chrono::steady_clock::now();
    if (now - last_refusal_log_ >= std::chrono::seconds(10)) {
      last_refusal_log_ = now;
      spdlog::warn("{} connections open, the limit: closing new ones ({} so far)",
                   state_.options.max_connections, refused_);
    }
  }

  ServerState state_;  // before io_: sessions destroyed with io_ still use it
  asio::io_context io_;
  tcp::acceptor acceptor_{io_};
  asio::steady_timer accept_retry_{io_};
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work_;
  std::vector<std::thread> threads_;
  uint64_t refused_ = 0;
  std::chrono::steady_clock::time_point last_refusal_log_{};
  int port_ = 0;
};

HttpServer::HttpServer(HttpServerOptions options, RequestHandler handler)
    : impl_(std::make_unique<Impl>(std::move(options), std::move(handler))) {}
HttpServer::~HttpServer() { Stop(); }
Status HttpServer::Start() { return impl_->Start(); }
int HttpServer::port() const { return impl_->port(); }
bool HttpServer::tls() const { return impl_->tls(); }
void HttpServer::Stop() { impl_->Stop(); }

}  // namespace ocula
