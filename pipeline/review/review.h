// `petiscan review`: the web page where volunteers fix what the machine is
// unsure of. The binary serves everything itself (page, script, crops of the
// original scans) from the project database; several reviewers may work at
// once (items are leased, writes are checked against the row's version).
//
// Security: loopback only by default. Any other address needs an access
// token, checked on every request; state-changing requests also need a
// header token (CSRF), and images are fetched by row or page id only.
#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <string>

#include "core/errors.h"

namespace petiscan {

struct ReviewOptions {
  std::filesystem::path db;
  std::string host = "127.0.0.1";
  int port = 8080;  // 0 picks a free port (tests)
  // Access token. Required (and generated when absent) when `host` is not a
  // loopback address; when given on loopback, it is checked as well.
  std::optional<std::string> token;
};

// Serves the review page until SIGINT or SIGTERM. Prints the address to open
// (with the token when there is one). Throws UsageError when the address
// cannot be bound (port in use, unknown host) or the options are invalid,
// DatabaseError when the project database cannot be opened.
int run_review_server(const ReviewOptions& options);

// True for 127.0.0.0/8, ::1 and "localhost": addresses other machines cannot reach.
bool is_loopback_host(const std::string& host);

// The token a server started with `options` checks: the one given (validated,
// UsageError when unfit), a new random one when the address is not loopback,
// or none.
std::optional<std::string> access_token_for(const ReviewOptions& options);

namespace review {
class Server;
}

// A review server running in background threads (for tests and for
// run_review_server). start() binds and returns once requests are accepted.
class ReviewServer {
 public:
  explicit ReviewServer(ReviewOptions options);
  ~ReviewServer();  // stops
  ReviewServer(const ReviewServer&) = delete;
  ReviewServer& operator=(const ReviewServer&) = delete;

  void start();  // throws UsageError / DatabaseError
  void stop();
  int port() const;  // the bound port (useful with port 0)
  // The token every request must carry, when token mode is on.
  const std::optional<std::string>& token() const;
  // The address to open in a browser, token included.
  std::string url() const;

 private:
  std::unique_ptr<review::Server> impl_;
};

}  // namespace petiscan
