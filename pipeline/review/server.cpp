#include "server.h"

#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <spdlog/spdlog.h>

#include <chrono>

#include "assets.h"
#include "core/i18n.h"

namespace petiscan::review {

namespace {

using httplib::Request;
using httplib::Response;
using nlohmann::json;

// How long start() waits for the listening thread to accept connections.
constexpr auto kStartTimeout = std::chrono::seconds(5);

bool same_secret(const std::string& given, const std::string& expected) {
  return given.size() == expected.size() &&
         CRYPTO_memcmp(given.data(), expected.data(), expected.size()) == 0;
}

void send_json(Response& res, const json& body, int status = 200) {
  res.status = status;
  res.set_content(body.dump(), "application/json; charset=utf-8");
}

void send_error(Response& res, const ApiError& e) { send_json(res, e.to_json(), e.status()); }

std::string cookie_value(const Request& req, const std::string& name) {
  const std::string cookies = req.get_header_value("Cookie");
  size_t pos = 0;
  while (pos < cookies.size()) {
    auto end = cookies.find(';', pos);
    if (end == std::string::npos) end = cookies.size();
    std::string part = cookies.substr(pos, end - pos);
    const auto start = part.find_first_not_of(' ');
    if (start != std::string::npos) part = part.substr(start);
    if (part.rfind(name + "=", 0) == 0) return part.substr(name.size() + 1);
    pos = end + 1;
  }
  return {};
}

bool is_api(const Request& req) { return req.path.rfind("/api/", 0) == 0; }

// Handlers run inside this: an ApiError becomes its JSON answer, anything
// else a 500 that names no internals beyond the message.
template <typename Fn>
httplib::Server::Handler guarded(Fn fn) {
  return [fn](const Request& req, Response& res) {
    try {
      fn(req, res);
    } catch (const ApiError& e) {
      send_error(res, e);
    } catch (const std::exception& e) {
      spdlog::error("review: {} {}: {}", req.method, req.path, e.what());
      send_error(res, ApiError(500, "internal", "erreur du serveur : " + std::string(e.what()),
                               std::string("server error: ") + e.what()));
    }
  };
}

QueueFilter parse_filter(const json& body) {
  QueueFilter f;
  f.reason = optional_string(body, "reason", 200).value_or("");
  if (body.contains("batch") && !body["batch"].is_null()) {
    f.batch = require_int(body, "batch", 1, 9007199254740991);
  }
  return f;
}

std::int64_t path_id(const Request& req, size_t index = 1) {
  auto id = parse_id(req.matches[static_cast<int>(index)].str());
  if (!id) throw ApiError(404, "not_found", "élément introuvable", "item not found");
  return *id;
}

const WebAsset* find_asset(const std::string& path) {
  for (const auto& a : web_assets()) {
    if (path == a.path) return &a;
  }
  return nullptr;
}

}  // namespace

std::string random_hex(std::size_t bytes) {
  std::vector<unsigned char> buf(bytes);
  if (RAND_bytes(buf.data(), static_cast<int>(buf.size())) != 1) {
    throw std::runtime_error("no random bytes from OpenSSL");
  }
  static const char* digits = "0123456789abcdef";
  std::string hex;
  for (unsigned char b : buf) {
    hex += digits[b >> 4];
    hex += digits[b & 15];
  }
  return hex;
}

}  // namespace petiscan::review

namespace petiscan {

std::optional<std::string> access_token_for(const ReviewOptions& options) {
  if (options.token) {
    const auto& t = *options.token;
    const bool ok = t.size() >= 16 && t.size() <= 128 &&
                    t.find_first_not_of(
                        "0123456789abcdefghijklmnopqrstuvwxyz"
                        "ABCDEFGHIJKLMNOPQRSTUVWXYZ-_.~") == std::string::npos;
    if (!ok) {
      throw UsageError(tr("--token : de 16 à 128 caractères parmi A-Z a-z 0-9 - _ . ~",
                          "--token: 16 to 128 characters among A-Z a-z 0-9 - _ . ~"));
    }
    return t;
  }
  // 128 random bits: as hard to guess as a TLS session key.
  if (!is_loopback_host(options.host)) return review::random_hex(16);
  return std::nullopt;
}

}  // namespace petiscan

namespace petiscan::review {

Server::Server(ReviewOptions options) : options_(std::move(options)) {}

Server::~Server() { stop(); }

std::string Server::url() const {
  const bool v6 = options_.host.find(':') != std::string::npos;
  std::string host = v6 ? "[" + options_.host + "]" : options_.host;
  if (options_.host == "0.0.0.0" || options_.host == "::") host = "127.0.0.1";
  std::string u = "http://" + host + ":" + std::to_string(port_) + "/";
  if (token_) u += "?token=" + *token_;
  return u;
}

void Server::prepare() {
  if (options_.port < 0 || options_.port > 65535) {
    throw UsageError(tr("--port : de 1 à 65535", "--port: 1 to 65535"));
  }
  token_ = access_token_for(options_);
  csrf_ = random_hex(16);
  service_ = std::make_unique<ReviewService>(options_.db);
  install_routes();
  http_.set_payload_max_length(kMaxBodyBytes);
}

void Server::start() {
  prepare();
  http_.new_task_queue = [] { return new httplib::ThreadPool(kHttpThreads); };
  // cpp-httplib sets SO_REUSEPORT by default, which lets a second server bind
  // the same port silently (the kernel would then split the requests between
  // two processes). SO_REUSEADDR alone still allows a quick restart.
  socket_t listening = INVALID_SOCKET;
  http_.set_socket_options([&listening](socket_t sock) {
    int yes = 1;
    setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
    listening = sock;
  });
  if (options_.port == 0) {
    port_ = http_.bind_to_any_port(options_.host);
  } else {
    port_ = http_.bind_to_port(options_.host, options_.port) ? options_.port : -1;
  }
  // Debian's compiled cpp-httplib listens with a backlog of 5: twenty
  // reviewers opening the page at once overflow it and some connections wait
  // out a SYN retransmission or fail. Listening again on the bound socket
  // only raises the backlog.
  if (port_ > 0 && listening != INVALID_SOCKET) ::listen(listening, kListenBacklog);
  if (port_ <= 0) {
    throw UsageError(tr("impossible d'écouter sur " + options_.host + ":" +
                            std::to_string(options_.port) +
                            " (port déjà utilisé ou adresse inconnue) ; essayez un autre --port",
                        "cannot listen on " + options_.host + ":" + std::to_string(options_.port) +
                            " (port in use or unknown address); try another --port"));
  }
  thread_ = std::thread([this] { http_.listen_after_bind(); });
  const auto deadline = std::chrono::steady_clock::now() + kStartTimeout;
  while (!http_.is_running() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

void Server::stop() {
  if (thread_.joinable()) {
    http_.stop();
    thread_.join();
  }
}

httplib::Server::HandlerResponse Server::check_access(const Request& req, Response& res) {
  using HR = httplib::Server::HandlerResponse;
  auto refuse = [&](const ApiError& e) {
    if (is_api(req)) {
      send_error(res, e);
    } else {
      res.status = e.status();
      res.set_content(e.french() + "\n" + e.what() + "\n", "text/plain; charset=utf-8");
    }
    return HR::Handled;
  };
  if (!token_) {
    // Loopback without a token: only a page this server served may talk to
    // it. A foreign Host header means DNS rebinding (a web site pointing its
    // own name at 127.0.0.1): refused.
    const std::string host = req.get_header_value("Host");
    const std::string port = ":" + std::to_string(port_);
    const bool ok = host == "127.0.0.1" + port || host == "localhost" + port ||
                    host == "[::1]" + port || host == options_.host + port;
    if (!ok) {
      return refuse(ApiError(403, "bad_host", "adresse non autorisée", "host not allowed"));
    }
  } else {
    const std::string bearer = req.get_header_value("Authorization");
    const bool by_cookie = same_secret(cookie_value(req, token_cookie()), *token_);
    const bool by_header =
        bearer.rfind("Bearer ", 0) == 0 && same_secret(bearer.substr(7), *token_);
    const bool by_query =
        req.has_param("token") && same_secret(req.get_param_value("token"), *token_);
    if (!by_cookie && !by_header && !by_query) {
      return refuse(ApiError(401, "token_required",
                             "jeton d'accès requis : ouvrez l'adresse complète affichée au "
                             "lancement de « petiscan review »",
                             "access token required: open the full address printed when "
                             "\"petiscan review\" started"));
    }
    if (by_query && !by_cookie && req.method == "GET" && !is_api(req)) {
      // Keep the token in a cookie the page's own requests carry, and out of
      // the address bar (and of anything copied from it).
      res.set_header("Set-Cookie",
                     token_cookie() + "=" + *token_ + "; Path=/; HttpOnly; SameSite=Strict");
      res.set_redirect(req.path, 303);
      return HR::Handled;
    }
  }
  if (req.method != "GET" && req.method != "POST") {
    return refuse(ApiError(405, "method", "méthode non permise", "method not allowed"));
  }
  if (req.method == "POST") {
    // A custom header a cross-site form cannot send, holding a value only
    // this server's page knows: CSRF-safe even if cookies are involved.
    if (!same_secret(req.get_header_value(kCsrfHeader), csrf_)) {
      return refuse(ApiError(403, "csrf",
                             "jeton de requête manquant ou invalide; rechargez la page",
                             "missing or invalid request token; reload the page"));
    }
    if (req.get_header_value("Content-Type").rfind("application/json", 0) != 0) {
      return refuse(ApiError(415, "content_type", "corps JSON attendu", "JSON body expected"));
    }
  }
  return HR::Unhandled;
}

Reviewer Server::reviewer_of(const Request& req) {
  const std::string secret = req.get_header_value(kSessionHeader);
  std::lock_guard lock(sessions_mutex_);
  auto it = sessions_.find(secret);
  if (secret.empty() || it == sessions_.end()) {
    throw ApiError(401, "no_session", "indiquez votre nom pour commencer",
                   "please give your name to start");
  }
  return it->second;
}

void Server::install_routes() {
  http_.set_pre_routing_handler(
      [this](const Request& req, Response& res) { return check_access(req, res); });
  http_.set_post_routing_handler([](const Request& req, Response& res) {
    res.set_header("X-Content-Type-Options", "nosniff");
    res.set_header("X-Frame-Options", "DENY");
    res.set_header("Referrer-Policy", "no-referrer");
    res.set_header("Content-Security-Policy",
                   "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
                   "connect-src 'self'; base-uri 'none'; form-action 'none'; "
                   "frame-ancestors 'none'");
    if (!res.has_header("Cache-Control")) res.set_header("Cache-Control", "no-store");
    (void)req;
  });
  http_.set_error_handler([](const Request& req, Response& res) {
    if (!res.body.empty()) return;
    if (res.status == 413) {
      send_error(res, ApiError(413, "too_large", "requête trop volumineuse", "request too large"));
    } else if (res.status == 404 && is_api(req)) {
      send_error(res, ApiError(404, "not_found", "introuvable", "not found"));
    }
  });

  auto serve_asset = [](const std::string& name) {
    return [name](const Request&, Response& res) {
      const WebAsset* a = find_asset(name);
      if (!a) {
        res.status = 404;
        return;
      }
      res.set_content(reinterpret_cast<const char*>(a->data), a->size, a->mime);
    };
  };
  http_.Get("/", serve_asset("/index.html"));
  http_.Get("/app.js", serve_asset("/app.js"));
  http_.Get("/app.css", serve_asset("/app.css"));
  http_.Get("/favicon.svg", serve_asset("/favicon.svg"));

  http_.Get("/api/config", guarded([this](const Request&, Response& res) {
              send_json(res, {{"csrf", csrf_},
                              {"token_mode", token_.has_value()},
                              {"lease_seconds", kLeaseSeconds}});
            }));
  http_.Post("/api/login", guarded([this](const Request& req, Response& res) {
               const json body = parse_object(req.body);
               const std::string name =
                   clean_reviewer_name(require_string(body, "name", kMaxReviewerName * 4));
               const std::string secret = random_hex(16);
               {
                 std::lock_guard lock(sessions_mutex_);
                 sessions_[secret] = Reviewer{random_hex(8), name};
               }
               spdlog::info("review: {} {}", tr("arrivée de", "reviewer arrived:"), name);
               send_json(res, {{"session", secret}, {"name", name}});
             }));
  http_.Post("/api/logout", guarded([this](const Request& req, Response& res) {
               const Reviewer who = reviewer_of(req);
               service_->release(who);
               std::lock_guard lock(sessions_mutex_);
               sessions_.erase(req.get_header_value(kSessionHeader));
               send_json(res, {{"ok", true}});
             }));
  http_.Get("/api/filters", guarded([this](const Request& req, Response& res) {
              reviewer_of(req);
              send_json(res, service_->filters());
            }));
  http_.Get("/api/progress", guarded([this](const Request& req, Response& res) {
              send_json(res, service_->progress(reviewer_of(req)));
            }));
  http_.Post("/api/next", guarded([this](const Request& req, Response& res) {
               const Reviewer who = reviewer_of(req);
               const json body = parse_object(req.body);
               send_json(res,
                         service_->next(who, parse_filter(body), require_item_keys(body, "skip")));
             }));
  http_.Post("/api/open", guarded([this](const Request& req, Response& res) {
               const Reviewer who = reviewer_of(req);
               const json body = parse_object(req.body);
               auto key = parse_item_key(require_string(body, "key", 40));
               if (!key) throw bad_request("key", "élément invalide", "invalid item");
               send_json(res, service_->open(who, *key));
             }));
  http_.Post("/api/release", guarded([this](const Request& req, Response& res) {
               service_->release(reviewer_of(req));
               send_json(res, {{"ok", true}});
             }));
  http_.Post(R"(/api/rows/(\d+)/decision)", guarded([this](const Request& req, Response& res) {
               const Reviewer who = reviewer_of(req);
               const json body = parse_object(req.body);
               const auto mark_text = optional_string(body, "mark", 20);
               CodeMark mark = CodeMark::None;
               if (mark_text == "no_code") {
                 mark = CodeMark::NoCode;
               } else if (mark_text == "illegible") {
                 mark = CodeMark::Illegible;
               } else if (mark_text) {
                 throw bad_request("mark", "no_code ou illegible", "no_code or illegible");
               }
               send_json(res, service_->decide_row(who, path_id(req),
                                                   require_int(body, "version", 1, INT64_MAX),
                                                   require_bool(body, "signed"),
                                                   require_postal_code(body, "postal_code"), mark));
             }));
  http_.Post(
      R"(/api/sheets/(\d+)/decision)", guarded([this](const Request& req, Response& res) {
        const Reviewer who = reviewer_of(req);
        const json body = parse_object(req.body);
        std::vector<SheetRowInput> rows;
        if (body.contains("rows")) {
          const json& list = body["rows"];
          if (!list.is_array() || list.size() > kRowsPerSheet) {
            throw bad_request("rows", "liste de 9 lignes au plus", "list of at most 9 rows");
          }
          for (const auto& r : list) {
            if (!r.is_object()) throw bad_request("rows", "objet attendu", "object expected");
            rows.push_back({static_cast<int>(require_int(r, "row", 1, kRowsPerSheet)),
                            require_bool(r, "signed"), require_postal_code(r, "postal_code")});
          }
        }
        send_json(res, service_->decide_sheet(who, path_id(req),
                                              require_int(body, "version", 1, INT64_MAX),
                                              require_bool(body, "not_a_sheet"), rows));
      }));
  http_.Post(R"(/api/duplicates/(\d+)/decision)",
             guarded([this](const Request& req, Response& res) {
               const Reviewer who = reviewer_of(req);
               const json body = parse_object(req.body);
               send_json(res, service_->decide_duplicate(who, path_id(req),
                                                         require_int(body, "version", 1, INT64_MAX),
                                                         require_bool(body, "confirm")));
             }));
  http_.Post("/api/undo", guarded([this](const Request& req, Response& res) {
               const Reviewer who = reviewer_of(req);
               parse_object(req.body);
               send_json(res, service_->undo(who));
             }));
  http_.Post(
      "/api/qa/next", guarded([this](const Request& req, Response& res) {
        const Reviewer who = reviewer_of(req);
        const json body = parse_object(req.body);
        send_json(res, service_->qa_next(who, parse_filter(body), require_item_keys(body, "skip")));
      }));
  http_.Post(R"(/api/qa/(\d+)/check)", guarded([this](const Request& req, Response& res) {
               const Reviewer who = reviewer_of(req);
               const json body = parse_object(req.body);
               send_json(res, service_->qa_check(who, path_id(req),
                                                 require_int(body, "version", 1, INT64_MAX),
                                                 require_bool(body, "signed"),
                                                 require_postal_code(body, "postal_code"),
                                                 optional_string(body, "note", kMaxNote)));
             }));

  // Images by id only: the file path comes from the database, never from the request.
  auto send_image = [](Response& res, const EncodedImage& img) {
    res.set_header("Cache-Control", "private, max-age=600");
    res.set_content(reinterpret_cast<const char*>(img.bytes.data()), img.bytes.size(), img.mime);
  };
  http_.Get(R"(/api/image/row/(\d+)/(row|signature|code))",
            guarded([this, send_image](const Request& req, Response& res) {
              const std::string part = req.matches[2].str();
              const RowPart p = part == "row"         ? RowPart::Row
                                : part == "signature" ? RowPart::Signature
                                                      : RowPart::Code;
              const ImageSource src = service_->row_image(path_id(req), p);
              send_image(res, render_crop(*pages_.get(src), *src.quad));
            }));
  http_.Get(R"(/api/image/page/(\d+))",
            guarded([this, send_image](const Request& req, Response& res) {
              const ImageSource src = service_->page_image(path_id(req));
              send_image(res, render_page(*pages_.get(src), src.rotation_deg));
            }));
}

}  // namespace petiscan::review
