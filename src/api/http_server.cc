// The only translation unit that includes Boost.Beast (slow to compile).
#include "api/http_server.h"

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <spdlog/spdlog.h>

#include <array>
#include <atomic>
#include <deque>
#include <thread>

#include "api/error_mapping.h"
#include "core/ids.h"
#include "core/uri.h"

namespace ocula {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

namespace {

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// Splits the request target into decoded path and query parameters.
Status ParseTarget(std::string_view target, HttpRequest& out) {
  std::string_view path = target.substr(0, target.find('?'));
  OCULA_ASSIGN_OR_RETURN(out.path, PercentDecode(path));
  if (out.path.empty() || out.path[0] != '/') {
    return absl::InvalidArgumentError("request target must be an absolute path");
  }
  if (size_t q = target.find('?'); q != std::string_view::npos) {
    OCULA_ASSIGN_OR_RETURN(out.query, ParseQueryString(target.substr(q + 1)));
  }
  return absl::OkStatus();
}

using BeastRequest = http::request<http::string_body>;
using BeastResponse = http::response<http::string_body>;
using StreamHead = http::response<http::empty_body>;

// A streamed response whose client has not read this many chunks is dropped.
constexpr int kMaxQueuedChunks = 1024;
// Time allowed to write one chunk of a streamed response.
constexpr std::chrono::seconds kChunkWriteTimeout{30};

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

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, const HttpServerOptions& options,
          const HttpServer::RequestHandler& handler, std::atomic<int>& active)
      : stream_(std::move(socket)), options_(options), handler_(handler), active_(active) {}

  void Start() { ReadRequest(); }

 private:
  void ReadRequest() {
    parser_.emplace();
    parser_->body_limit(options_.max_body_bytes);
    parser_->header_limit(options_.max_header_bytes);
    stream_.expires_after(options_.request_timeout);
    http::async_read(stream_, buffer_, *parser_,
                     beast::bind_front_handler(&Session::OnRead, shared_from_this()));
  }

  void OnRead(beast::error_code ec, std::size_t) {
    if (ec == http::error::body_limit) {
      Reply(ErrorResponse(PayloadTooLargeError(
                "request body is larger than the limit of " +
                std::to_string(options_.max_body_bytes) + " bytes")),
            11, false, RandomToken(), false);
      return;
    }
    if (ec == http::error::header_limit) {
      Reply(ErrorResponse(absl::InvalidArgumentError("request headers are too large")), 11,
            false, RandomToken(), false);
      return;
    }
    if (ec) return Close();  // dropped, timed out or malformed: nothing reached the handler
    BeastRequest request = parser_->release();
    active_.fetch_add(1);
    HttpRequest req;
    req.request_id = RandomToken();
    req.method = std::string(request.method_string());
    for (const auto& field : request) {
      req.headers[Lower(std::string(field.name_string()))] = std::string(field.value());
    }
    if (auto id = req.Header("x-request-id"); id && !id->empty() && id->size() <= 64) {
      req.request_id = *id;
    }
    HttpResponse response;
    Status target =
        ParseTarget(std::string_view(request.target().data(), request.target().size()), req);
    if (!target.ok()) {
      response = ErrorResponse(target);
    } else {
      req.body = std::move(request.body());
      response = handler_(req);
    }
    active_.fetch_sub(1);
    Reply(std::move(response), request.version(), request.keep_alive(), req.request_id,
          req.method == "HEAD");
  }

  void Reply(HttpResponse response, unsigned version, bool keep_alive,
             const std::string& request_id, bool head) {
    if (response.start_stream && !head) {
      return StartStream(std::move(response), version, request_id);
    }
    auto out = std::make_shared<BeastResponse>(
        ToBeast(std::move(response), version, keep_alive, request_id, head));
    stream_.expires_after(options_.request_timeout);
    http::async_write(stream_, *out,
                      [self = shared_from_this(), out, keep_alive](beast::error_code ec,
                                                                  std::size_t) {
                        if (ec || !keep_alive) return self->Close();
                        self->ReadRequest();
                      });
  }

  // --- Streamed responses (server-sent events) -----------------------------
  // The head goes out with chunked encoding; then the producer gets a
  // ResponseStream whose chunks are written in order on this session's strand.
  // A read on the raw socket notices when the client hangs up.
  class Stream : public ResponseStream {
   public:
    explicit Stream(std::weak_ptr<Session> session) : session_(std::move(session)) {}
    bool Send(std::string chunk) override {
      auto session = session_.lock();
      if (!session || session->stream_ended_.load()) return false;
      if (session->queued_chunks_.fetch_add(1) >= kMaxQueuedChunks) {
        asio::post(session->stream_.get_executor(), [session] { session->EndStream(); });
        return false;
      }
      asio::post(session->stream_.get_executor(),
                 [session, chunk = std::move(chunk)]() mutable {
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
    stream_.expires_after(options_.request_timeout);
    http::async_write_header(
        stream_, *serializer,
        [self = shared_from_this(), head, serializer,
         start = std::move(response.start_stream)](beast::error_code ec, std::size_t) {
          self->stream_.expires_never();
          if (ec) return self->EndStream();
          self->WatchForHangUp();
          start(std::make_shared<Stream>(self));
        });
  }

  void WatchForHangUp() {
    stream_.socket().async_read_some(asio::buffer(discard_),
                                     [self = shared_from_this()](beast::error_code ec, std::size_t) {
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
    stream_.expires_after(kChunkWriteTimeout);
    asio::async_write(stream_, http::make_chunk(asio::buffer(chunks_.front())),
                      [self = shared_from_this()](beast::error_code ec, std::size_t) {
                        self->stream_.expires_never();
                        if (ec) return self->EndStream();
                        self->chunks_.pop_front();
                        self->queued_chunks_.fetch_sub(1);
                        if (!self->chunks_.empty()) self->WriteChunk();
                      });
  }

  void EndStream() {
    if (stream_ended_.exchange(true)) return;
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ec);
    stream_.socket().close(ec);
  }

  // Lingering close: stop sending, then drain what the client is still
  // sending for a moment, so that closing with unread data (a refused large
  // upload) does not reset the connection before the client reads the reply.
  void Close() {
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
    if (ec) return stream_.close();
    stream_.expires_after(std::chrono::seconds(2));
    Drain();
  }

  void Drain() {
    stream_.async_read_some(asio::buffer(discard_),
                            [self = shared_from_this()](beast::error_code ec, std::size_t) {
                              if (ec) return self->stream_.close();
                              self->Drain();
                            });
  }

  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::array<char, 16384> discard_;
  std::optional<http::request_parser<http::string_body>> parser_;
  std::deque<std::string> chunks_;  // streamed chunks not yet written; front is in flight
  std::atomic<int> queued_chunks_{0};
  std::atomic<bool> stream_ended_{false};
  const HttpServerOptions& options_;
  const HttpServer::RequestHandler& handler_;
  std::atomic<int>& active_;
};

}  // namespace

class HttpServer::Impl {
 public:
  Impl(HttpServerOptions options, RequestHandler handler)
      : options_(std::move(options)), handler_(std::move(handler)) {}

  Status Start() {
    size_t colon = options_.listen.rfind(':');
    if (colon == std::string::npos) {
      return absl::InvalidArgumentError("listen address must be host:port, got '" +
                                        options_.listen + "'");
    }
    std::string host = options_.listen.substr(0, colon);
    if (host.size() > 2 && host.front() == '[') host = host.substr(1, host.size() - 2);
    beast::error_code ec;
    auto address = asio::ip::make_address(host, ec);
    int port = std::atoi(options_.listen.c_str() + colon + 1);
    if (ec || port < 0 || port > 65535) {
      return absl::InvalidArgumentError("bad listen address '" + options_.listen +
                                        "' (want IP:port, e.g. 127.0.0.1:8080)");
    }
    tcp::endpoint endpoint(address, static_cast<unsigned short>(port));
    acceptor_.open(endpoint.protocol(), ec);
    if (!ec) acceptor_.set_option(asio::socket_base::reuse_address(true), ec);
    if (!ec) acceptor_.bind(endpoint, ec);
    if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
    if (ec) {
      return absl::UnavailableError("cannot listen on " + options_.listen + ": " + ec.message());
    }
    port_ = acceptor_.local_endpoint().port();
    Accept();
    for (int i = 0; i < options_.io_threads; ++i) threads_.emplace_back([this] { io_.run(); });
    return absl::OkStatus();
  }

  void Stop() {
    if (threads_.empty()) return;
    asio::post(acceptor_.get_executor(), [this] {
      beast::error_code ec;
      acceptor_.close(ec);
    });
    auto deadline = std::chrono::steady_clock::now() + options_.shutdown_deadline;
    while (active_.load() > 0 && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    // Let responses in flight be written, briefly, then stop everything.
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    io_.stop();
    for (auto& t : threads_) t.join();
    threads_.clear();
  }

  int port() const { return port_; }

 private:
  void Accept() {
    acceptor_.async_accept(asio::make_strand(io_), [this](beast::error_code ec,
                                                          tcp::socket socket) {
      if (ec == asio::error::operation_aborted || !acceptor_.is_open()) return;
      if (!ec) {
        std::make_shared<Session>(std::move(socket), options_, handler_, active_)->Start();
      }
      Accept();
    });
  }

  HttpServerOptions options_;
  RequestHandler handler_;
  asio::io_context io_;
  tcp::acceptor acceptor_{io_};
  std::vector<std::thread> threads_;
  std::atomic<int> active_{0};
  int port_ = 0;
};

HttpServer::HttpServer(HttpServerOptions options, RequestHandler handler)
    : impl_(std::make_unique<Impl>(std::move(options), std::move(handler))) {}
HttpServer::~HttpServer() { Stop(); }
Status HttpServer::Start() { return impl_->Start(); }
int HttpServer::port() const { return impl_->port(); }
void HttpServer::Stop() { impl_->Stop(); }

}  // namespace ocula
