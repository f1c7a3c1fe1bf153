#include "review/review.h"

#include <arpa/inet.h>
#include <pthread.h>
#include <signal.h>

#include <iostream>

#include "core/i18n.h"
#include "server.h"

namespace petiscan {

bool is_loopback_host(const std::string& host) {
  if (host == "localhost" || host == "::1") return true;
  in_addr v4{};
  if (inet_pton(AF_INET, host.c_str(), &v4) == 1) {
    return (ntohl(v4.s_addr) >> 24) == 127;  // 127.0.0.0/8
  }
  return false;
}

ReviewServer::ReviewServer(ReviewOptions options)
    : impl_(std::make_unique<review::Server>(std::move(options))) {}
ReviewServer::~ReviewServer() = default;
void ReviewServer::start() { impl_->start(); }
void ReviewServer::stop() { impl_->stop(); }
int ReviewServer::port() const { return impl_->port(); }
const std::optional<std::string>& ReviewServer::token() const { return impl_->token(); }
std::string ReviewServer::url() const { return impl_->url(); }

int run_review_server(const ReviewOptions& options) {
  // SIGINT/SIGTERM are blocked in every thread (the server's threads inherit
  // the mask) and taken here with sigwait: a clean stop, no handler races.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  sigset_t previous;
  pthread_sigmask(SIG_BLOCK, &stop_signals, &previous);
  struct RestoreMask {
    sigset_t mask;
    ~RestoreMask() { pthread_sigmask(SIG_SETMASK, &mask, nullptr); }
  } restore{previous};

  ReviewServer server(options);
  server.start();
  std::cout << tr("Révision ouverte : ", "Review open at: ") << server.url() << "\n";
  if (options.host == "0.0.0.0" || options.host == "::") {
    std::cout << tr(
        "Depuis un autre poste : remplacez 127.0.0.1 par l'adresse de cet ordinateur.\n",
        "From another computer: replace 127.0.0.1 with this computer's address.\n");
  }
  if (server.token()) {
    std::cout << tr(
        "Accès protégé par un jeton : ne partagez cette adresse qu'avec les "
        "réviseurs.\n",
        "Access is protected by a token: share this address with reviewers only.\n");
  }
  std::cout << tr("Ctrl-C pour arrêter.\n", "Ctrl-C to stop.\n") << std::flush;
  int sig = 0;
  sigwait(&stop_signals, &sig);
  std::cout << tr("Arrêt de la révision.\n", "Review stopped.\n");
  server.stop();
  return 0;
}

}  // namespace petiscan
