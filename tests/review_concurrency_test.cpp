// Many reviewers at once: 20 clients (threads with their own HTTP connection
// and session) work one shared queue of 1,000 rows on a real review server on
// 127.0.0.1, as browsers do: take the next item (leased to them), decide it
// with the version they saw; some give an item back unfinished, some retry a
// request whose answer they did not trust. Then nothing may be lost, nothing
// applied twice, the audit trail (decisions) must hold exactly one standing
// decision per row by the reviewer who was told it was saved, and the counts
// (status totals, progress) must agree.
#include <gtest/gtest.h>
#include <httplib.h>

#include <atomic>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "aggregate/aggregate.h"
#include "report_fixture.h"
#include "review/review.h"
#include "store/store.h"
#include "support/test_support.h"

namespace petiscan {
namespace {

using nlohmann::json;

constexpr int kReviewers = 20;
constexpr int kRowsToReview = 1000;
// Every kRetryEvery-th decision of a client is sent twice; every
// kReleaseEvery-th item it takes is given back without a decision first.
constexpr int kRetryEvery = 7;
constexpr int kReleaseEvery = 13;

// What a reviewer decides for a row: a function of its id, so the database
// can be checked row by row afterwards.
bool decided_signed(std::int64_t id) { return id % 4 != 0; }
json decided_code(std::int64_t id) {
  if (id % 5 == 0) return nullptr;
  return "H2E " + std::to_string(id % 10) + "E" + std::to_string((id / 10) % 10);
}

// The project: 112 sheets; 111 with their 9 rows in review, the last with 1
// row in review and 8 accepted (4 of them signed): 1,000 rows to review.
struct Project {
  test::TempDir dir;
  std::filesystem::path db = dir / "petition.db";
  std::set<std::int64_t> review_rows;

  Project() {
    Store store(db);
    test::HandProject p(store);
    p.batch("lot-concurrence");
    const int full = kRowsToReview / kRowsPerSheet;  // 111
    for (int s = 0; s < full; ++s) {
      const auto file = p.file("env" + std::to_string(s) + ".png");
      std::vector<test::HandRow> rows;
      for (int r = 0; r < kRowsPerSheet; ++r) {
        rows.push_back(r % 3 == 0 ? test::HandRow{false, std::nullopt, RowStatus::Review}
                                  : test::sig("J0K 1A0", RowStatus::Review));
      }
      p.sheet(file, 1, rows);
    }
    const auto file = p.file("last.png");
    std::vector<test::HandRow> rows = {test::sig("H2E 2E9", RowStatus::Review)};
    for (int r = 1; r < kRowsPerSheet; ++r) {
      rows.push_back(r <= 4 ? test::sig("G1V 0A6") : test::empty_row());
    }
    p.sheet(file, 1, rows);
    auto st = store.connection().prepare("SELECT id FROM rows WHERE status = 'review'");
    while (st.step()) review_rows.insert(st.int64(0));
  }
};

// One reviewer's browser: its own connection, the CSRF value, its session.
class Client {
 public:
  Client(int port, const std::string& csrf) : http_("127.0.0.1", port), csrf_(csrf) {
    http_.set_connection_timeout(10);
    http_.set_read_timeout(120);
    http_.set_write_timeout(120);
  }
  // Empty when logged in, else what went wrong.
  std::string login(const std::string& name) {
    auto res = post("/api/login", {{"name", name}});
    if (!res) return "login: no answer (" + httplib::to_string(res.error()) + ")";
    if (res->status != 200) return "login: status " + std::to_string(res->status);
    session_ = json::parse(res->body)["session"];
    return {};
  }
  httplib::Result post(const std::string& path, const json& body) {
    httplib::Headers h = {{"X-Petiscan-CSRF", csrf_}};
    if (!session_.empty()) h.emplace("X-Petiscan-Session", session_);
    return http_.Post(path.c_str(), h, body.dump(), "application/json");
  }
  httplib::Result get(const std::string& path) {
    return http_.Get(path.c_str(), {{"X-Petiscan-Session", session_}});
  }

 private:
  httplib::Client http_;
  std::string csrf_;
  std::string session_;
};

// What one reviewer saw.
struct Tally {
  std::vector<std::int64_t> saved;  // rows the server said were saved (200)
  int retries_refused = 0;          // retried decisions refused as stale (409)
  int released = 0;                 // items given back unfinished
  int conflicts = 0;                // first attempts refused (409): must stay 0 with leases
  std::vector<std::string> errors;  // anything else: a transport error or an unexpected status
};

void review_until_empty(int port, const std::string& csrf, const std::string& name, Tally& t) {
  Client c(port, csrf);
  if (auto failed = c.login(name); !failed.empty()) {
    t.errors.push_back(name + ": " + failed);
    return;
  }
  int taken = 0;
  for (;;) {
    auto next = c.post("/api/next", json::object());
    if (!next || next->status != 200) {
      t.errors.push_back(name + ": next " + (next ? std::to_string(next->status) : "no answer"));
      return;
    }
    const json item = json::parse(next->body)["item"];
    if (item.is_null()) return;  // the queue is empty
    if (item["type"] != "row") {
      t.errors.push_back(name + ": unexpected item " + item.dump());
      return;
    }
    const std::int64_t id = item["id"];
    if (++taken % kReleaseEvery == 0) {  // walks away: the item must come back to someone
      auto rel = c.post("/api/release", json::object());
      if (!rel || rel->status != 200) t.errors.push_back(name + ": release failed");
      ++t.released;
      continue;
    }
    const std::string path = "/api/rows/" + std::to_string(id) + "/decision";
    const json body = {{"version", item["version"]},
                       {"signed", decided_signed(id)},
                       {"postal_code", decided_code(id)}};
    auto res = c.post(path, body);
    if (res && res->status == 200) {
      t.saved.push_back(id);
    } else if (res && res->status == 409) {
      ++t.conflicts;
    } else {
      t.errors.push_back(name + ": decision " + (res ? std::to_string(res->status) : "no answer"));
    }
    if (taken % kRetryEvery == 0) {  // the same request again (a retry after a timeout)
      auto again = c.post(path, body);
      if (again && again->status == 409) {
        ++t.retries_refused;
      } else {
        t.errors.push_back(name + ": retry got " +
                           (again ? std::to_string(again->status) : "no answer"));
      }
    }
  }
}

TEST(ReviewConcurrency, TwentyReviewersMakeAThousandDecisionsNoneLostNoneTwice) {
  Project project;
  ASSERT_EQ(project.review_rows.size(), static_cast<size_t>(kRowsToReview));
  ReviewOptions options;
  options.db = project.db;
  options.port = 0;
  ReviewServer server(options);
  server.start();
  std::string csrf;
  {
    httplib::Client c("127.0.0.1", server.port());
    auto res = c.Get("/api/config");
    ASSERT_TRUE(res);
    csrf = json::parse(res->body)["csrf"];
  }

  std::vector<Tally> tallies(kReviewers);
  std::vector<std::thread> threads;
  for (int i = 0; i < kReviewers; ++i) {
    threads.emplace_back([&, i] {
      review_until_empty(server.port(), csrf, "Bénévole " + std::to_string(i + 1), tallies[i]);
    });
  }
  for (auto& t : threads) t.join();

  std::map<std::int64_t, std::string> saved_by;  // row -> the reviewer told it was saved
  int saved = 0, retries = 0, released = 0, conflicts = 0;
  for (int i = 0; i < kReviewers; ++i) {
    for (const auto& e : tallies[i].errors) ADD_FAILURE() << e;
    for (auto id : tallies[i].saved) {
      EXPECT_TRUE(saved_by.emplace(id, "Bénévole " + std::to_string(i + 1)).second)
          << "row " << id << " saved twice";
    }
    saved += static_cast<int>(tallies[i].saved.size());
    retries += tallies[i].retries_refused;
    released += tallies[i].released;
    conflicts += tallies[i].conflicts;
  }
  std::printf(
      "concurrency: %d reviewers, %d decisions saved, %d retries refused, %d items given "
      "back, %d conflicts\n",
      kReviewers, saved, retries, released, conflicts);
  EXPECT_EQ(saved, kRowsToReview);
  EXPECT_EQ(conflicts, 0);  // leases: nobody is offered an item someone else holds
  EXPECT_GT(retries, 0);
  EXPECT_GT(released, 0);
  EXPECT_EQ(static_cast<int>(saved_by.size()), kRowsToReview);
  for (auto id : project.review_rows) EXPECT_TRUE(saved_by.count(id)) << "row " << id << " lost";

  // The rows hold exactly the values decided, once (version 1 -> 2).
  Store store(project.db);
  auto& conn = store.connection();
  auto rows = conn.prepare(
      "SELECT id, signed, postal_code, status, version FROM rows WHERE id IN (SELECT row_id FROM "
      "decisions) OR status != 'accepted'");
  int checked = 0;
  while (rows.step()) {
    const auto id = rows.int64(0);
    ++checked;
    EXPECT_EQ(rows.integer(1) != 0, decided_signed(id)) << "row " << id;
    const json code = rows.is_null(2) ? json(nullptr) : json(rows.text(2));
    EXPECT_EQ(code, decided_code(id)) << "row " << id;
    EXPECT_EQ(rows.text(3), "corrected") << "row " << id;
    EXPECT_EQ(rows.int64(4), 2) << "row " << id;
  }
  EXPECT_EQ(checked, kRowsToReview);

  // The audit trail: one decision per row, by the reviewer who was told so.
  auto audit =
      conn.prepare("SELECT row_id, reviewer, undone_by IS NULL, action FROM decisions ORDER BY id");
  int decisions = 0;
  while (audit.step()) {
    ++decisions;
    const auto id = audit.int64(0);
    EXPECT_EQ(audit.text(1), saved_by[id]) << "row " << id;
    EXPECT_TRUE(audit.integer(2)) << "row " << id;
  }
  EXPECT_EQ(decisions, kRowsToReview);
  auto distinct = conn.prepare("SELECT count(DISTINCT row_id) FROM decisions");
  ASSERT_TRUE(distinct.step());
  EXPECT_EQ(distinct.int64(0), kRowsToReview);
  auto leases = conn.prepare("SELECT count(*) FROM review_leases");
  ASSERT_TRUE(leases.step());
  EXPECT_EQ(leases.int64(0), 0);

  // The counts: nothing left to review, every decided signature counted once.
  std::int64_t expected_signatures = 4;  // accepted, signed rows of the last sheet
  for (auto id : project.review_rows) expected_signatures += decided_signed(id);
  const Totals totals = compute_totals(store);
  EXPECT_EQ(totals.rows_in_review, 0);
  EXPECT_EQ(totals.rows_corrected, kRowsToReview);
  EXPECT_EQ(totals.signatures, expected_signatures);
  EXPECT_EQ(totals.signatures_in_review, 0);
  EXPECT_EQ(totals.sheets, kRowsToReview / kRowsPerSheet + 1);

  Client c(server.port(), csrf);
  ASSERT_EQ(c.login("Vérificatrice"), "");
  auto progress = c.get("/api/progress");
  ASSERT_TRUE(progress);
  const json p = json::parse(progress->body);
  EXPECT_EQ(p["rows_left"], 0);
  EXPECT_EQ(p["done_today"], kRowsToReview);
  server.stop();
}

}  // namespace
}  // namespace petiscan
