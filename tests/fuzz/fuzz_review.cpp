// libFuzzer target: any bytes as HTTP requests to the review server, answered
// in-process through the same access checks, routes and handlers as requests
// from a socket (Server::handle; no socket, no thread), over a real project
// database: a sheet with rows in review, a sheet whose table was not found
// and a suspected re-scan, their originals drawn next to the database.
//
// Input: up to kMaxRequests requests one after another (keep-alive style).
// "{csrf}", "{session}" and "{token}" are replaced by this server's CSRF
// value, a logged-in reviewer's session and the access token, so the fuzzer
// reaches the handlers behind the checks. A first byte '!' selects a server
// on a non-loopback address (token mode) instead of loopback.
//
// Each input starts from a fresh copy of the database (a crash replays
// alone). Every request must get a well-formed answer that is not a server
// error (5xx): a hostile request gets a clear 4xx, never a crash or undefined
// behaviour (a violated invariant aborts).
#include <httplib.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "browser/review_fixture.h"
#include "review/server.h"
#include "store/store.h"

namespace {

namespace fs = std::filesystem;
using nlohmann::json;

constexpr int kMaxRequests = 4;
// Answers are cut here: an image is a few KB, a JSON answer far less.
constexpr std::size_t kMaxAnswerBytes = 4 << 20;
constexpr const char* kToken = "fuzz-token-0123456789abcdef";
// The drawn sheet: 9 rows of 40 px from y = 80; signature x 40..240, code x 240..360.
constexpr petiscan::test::DrawnSheet kSheet{400, 520, 40, 240, 360, 80, 40, 1};

void check(bool ok) {
  if (!ok) std::abort();
}

// Reads requests from the fuzzer's bytes, collects what the server writes.
class BytesStream : public httplib::Stream {
 public:
  explicit BytesStream(std::string in) : in_(std::move(in)) {}
  bool is_readable() const override { return true; }
  bool is_writable() const override { return true; }
  ssize_t read(char* ptr, size_t size) override {
    const size_t n = std::min(size, in_.size() - pos_);
    std::copy_n(in_.data() + pos_, n, ptr);
    pos_ += n;
    return static_cast<ssize_t>(n);
  }
  ssize_t write(const char* ptr, size_t size) override {
    if (out_.size() + size > kMaxAnswerBytes) return -1;
    out_.append(ptr, size);
    return static_cast<ssize_t>(size);
  }
  void get_remote_ip_and_port(std::string& ip, int& port) const override {
    ip = "127.0.0.1";
    port = 40000;
  }
  void get_local_ip_and_port(std::string& ip, int& port) const override {
    ip = "127.0.0.1";
    port = 0;
  }
  socket_t socket() const override { return 0; }
  bool exhausted() const { return pos_ >= in_.size(); }
  std::string take_answer() { return std::exchange(out_, {}); }

 private:
  std::string in_;
  size_t pos_ = 0;
  std::string out_;
};

std::int64_t add_page(petiscan::Store& store, std::int64_t batch, const fs::path& dir,
                      const std::string& name, const std::string& status,
                      const std::string& reason) {
  using namespace petiscan;
  PageRecord page;
  page.kind = PageKind::Signatures;
  page.status = status;
  page.reason = reason;
  std::vector<RowRecord> rows;
  for (int r = 1; r <= kRowsPerSheet; ++r) {
    RowRecord row;
    row.row_no = r;
    if (status == "review") {
      row.status = RowStatus::Review;
      row.reason = reason;
    } else {
      row.is_signed = r <= 6;
      if (r <= 6) row.postal_code = "H2E 2E" + std::to_string(r - 1);
      row.status = r % 2 == 0 ? RowStatus::Review : RowStatus::Accepted;
      row.confidence = r % 2 == 0 ? 0.1 * r : 0.99;
      row.reason = r % 2 == 0 ? "uncertain_code" : "";
      row.boxes = kSheet.row_boxes(r);
    }
    rows.push_back(row);
  }
  return test::record_drawn_page(store, batch, dir, name, kSheet.draw(name), page, rows);
}

struct Project {
  fs::path dir = fs::path("/dev/shm") / ("petiscan-fuzz-review-" + std::to_string(getpid()));
  fs::path templ = dir / "template.db";
  fs::path db = dir / "petition.db";

  Project() {
    spdlog::set_level(spdlog::level::warn);  // no line per login
    fs::remove_all(dir);
    fs::create_directories(dir);
    petiscan::Store store(templ);
    const auto batch = store.begin_batch("lot-1", "fuzz");
    const auto sheet = add_page(store, batch, dir, "env0001.png", "done", "");
    add_page(store, batch, dir, "env0002.png", "review", "table_not_found");
    const auto dup = add_page(store, batch, dir, "env0003.png", "done", "");
    store.connection()
        .prepare("UPDATE pages SET duplicate_of = ?, duplicate_status = 'suspected' WHERE id = ?")
        .bind(1, sheet)
        .bind(2, dup)
        .run();
  }
  ~Project() {
    std::error_code ec;
    fs::remove_all(dir, ec);
  }
  void fresh_copy() const {
    for (const char* suffix : {"", "-wal", "-shm"}) fs::remove(db.string() + suffix);
    fs::copy_file(templ, db);
  }
};

void replace_all(std::string& s, const std::string& from, const std::string& to) {
  for (size_t p = s.find(from); p != std::string::npos; p = s.find(from, p + to.size())) {
    s.replace(p, from.size(), to);
  }
}

// The status code of an answer, after checking it is an HTTP answer at all.
int status_of(const std::string& answer) {
  check(answer.rfind("HTTP/1.1 ", 0) == 0 && answer.size() >= 12);
  return std::atoi(answer.c_str() + 9);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static Project project;
  std::string input(reinterpret_cast<const char*>(data), size);
  const bool token_mode = !input.empty() && input[0] == '!';
  if (token_mode) input.erase(0, 1);

  project.fresh_copy();
  petiscan::ReviewOptions options;
  options.db = project.db;
  options.port = 0;
  if (token_mode) {
    options.host = "0.0.0.0";  // never bound: requests come from the input
    options.token = kToken;
  }
  petiscan::review::Server server(options);
  server.prepare();

  // A reviewer logs in, as the page does first.
  const std::string host = "Host: 127.0.0.1:0\r\n";
  const std::string auth =
      token_mode ? std::string("Authorization: Bearer ") + kToken + "\r\n" : "";
  const std::string login_body = R"({"name":"Fuzz"})";
  BytesStream login(
      "POST /api/login HTTP/1.1\r\n" + host + auth + "X-Petiscan-CSRF: " + server.csrf() +
      "\r\nContent-Type: application/json\r\nContent-Length: " + std::to_string(login_body.size()) +
      "\r\n\r\n" + login_body);
  server.handle(login);
  const std::string answer = login.take_answer();
  check(status_of(answer) == 200);
  const json session = json::parse(answer.substr(answer.find("\r\n\r\n") + 4));

  replace_all(input, "{csrf}", server.csrf());
  replace_all(input, "{session}", session["session"].get<std::string>());
  replace_all(input, "{token}", kToken);
  BytesStream stream(std::move(input));
  for (int i = 0; i < kMaxRequests && !stream.exhausted(); ++i) {
    const bool ok = server.handle(stream);
    const std::string out = stream.take_answer();
    if (out.empty()) break;  // nothing more that parses as a request
    const int status = status_of(out);
    if (std::getenv("PETISCAN_FUZZ_VERBOSE")) {  // what each seed reaches
      std::fprintf(stderr, "%s\n", out.substr(0, out.find("\r\n\r\n")).c_str());
      const auto body = out.find("\r\n\r\n");
      if (body != std::string::npos && out.find("json", 0) != std::string::npos)
        std::fprintf(stderr, "  %s\n", out.substr(body + 4, 300).c_str());
    }
    check(status >= 200 && status < 500);
    if (!ok) break;
  }
  return 0;
}
