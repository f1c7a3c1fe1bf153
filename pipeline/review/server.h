// The HTTP side of the review application: routes, access checks (token,
// CSRF header, Host), JSON in and out, embedded assets and images.
#pragma once

#include <httplib.h>

#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "crops.h"
#include "review/review.h"
#include "service.h"

namespace petiscan::review {

// Largest request body accepted: a sheet typed by hand is under 1 KB and a
// skip list of kMaxSkipped keys under 8 KB; anything bigger is refused (413).
inline constexpr std::size_t kMaxBodyBytes = 32 * 1024;

// Worker threads: a browser keeps up to 6 connections open to one host
// (Chromium's limit), each holding a worker while it idles in keep-alive, so
// 48 threads serve 8 reviewers without one waiting for another's idle
// connection. Idle threads cost only their stacks.
inline constexpr std::size_t kHttpThreads = 48;
// Connections the kernel queues before the server accepts them.
inline constexpr int kListenBacklog = 128;

// Header names the page sends with every state-changing request.
inline constexpr const char* kCsrfHeader = "X-Petiscan-CSRF";
inline constexpr const char* kSessionHeader = "X-Petiscan-Session";
// Cookies ignore ports: the name carries the port, so two review servers on
// one machine do not overwrite each other's token ("petiscan_token_8080").
inline constexpr const char* kTokenCookie = "petiscan_token_";

// Random bytes from OpenSSL, as lowercase hex (tokens, session ids).
std::string random_hex(std::size_t bytes);

// cpp-httplib's server with its request processing reachable from any
// stream, not only from a socket it accepted.
class HttpServer : public httplib::Server {
 public:
  // Reads one request from `stream`, routes it and writes the answer back.
  bool process(httplib::Stream& stream) {
    bool closed = false;
    return process_request(stream, true, closed, nullptr);
  }
};

class Server {
 public:
  explicit Server(ReviewOptions options);
  ~Server();
  // Checks the options, opens the project database and installs the routes:
  // everything start() does except binding the address.
  void prepare();
  void start();  // prepare(), then listens
  void stop();
  // Answers one request read from `stream`, through the same access checks
  // and routes as a request from a socket (the fuzz target's way in, no
  // socket involved). Needs prepare().
  bool handle(httplib::Stream& stream) { return http_.process(stream); }
  int port() const { return port_; }
  const std::optional<std::string>& token() const { return token_; }
  // The value the page sends in kCsrfHeader (also served by /api/config).
  const std::string& csrf() const { return csrf_; }
  std::string url() const;

 private:
  void install_routes();
  httplib::Server::HandlerResponse check_access(const httplib::Request& req,
                                                httplib::Response& res);
  Reviewer reviewer_of(const httplib::Request& req);
  std::string token_cookie() const { return kTokenCookie + std::to_string(port_); }

  ReviewOptions options_;
  std::optional<std::string> token_;
  std::string csrf_;
  std::unique_ptr<ReviewService> service_;
  PageCache pages_;
  HttpServer http_;
  std::thread thread_;
  int port_ = 0;
  std::mutex sessions_mutex_;
  std::map<std::string, Reviewer> sessions_;  // secret -> reviewer
};

}  // namespace petiscan::review
