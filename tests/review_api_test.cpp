// The review server's HTTP API, against a real server on 127.0.0.1 and a
// project database filled through the store API, with originals drawn here.
#include <gtest/gtest.h>
#include <httplib.h>

#include <atomic>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <thread>

#include "browser/review_fixture.h"
#include "ingest/ingest.h"
#include "review/crops.h"
#include "review/review.h"
#include "review/validate.h"
#include "store/store.h"
#include "support/test_support.h"

namespace petiscan {
namespace {

using nlohmann::json;
namespace fs = std::filesystem;

// A drawn sheet: 9 ruled rows of 100 px from y = 200, signature column
// x 100..600, code column x 600..900, page 1000 x 1300 (white), each row
// written in.
constexpr test::DrawnSheet kSheet{1000, 1300, 100, 600, 900, 200, 100, 2};

json row_boxes(int row_no) { return kSheet.row_boxes(row_no); }

cv::Mat draw_sheet(const std::string& label) {
  cv::Mat page = kSheet.draw(label);
  for (int r = 0; r < 9; ++r) {
    const int y = kSheet.top + r * kSheet.row_height + 70;
    cv::putText(page, "sig" + std::to_string(r + 1), {140, y}, cv::FONT_HERSHEY_SCRIPT_SIMPLEX, 1.6,
                0, 2);
    cv::putText(page, "H2E 2E" + std::to_string(r), {630, y}, cv::FONT_HERSHEY_SIMPLEX, 1.3, 0, 3);
  }
  return page;
}

struct Fixture {
  test::TempDir dir;
  fs::path db = dir / "petition.db";
  std::int64_t batch = 0;
  std::int64_t sheet_page = 0;          // a sheet with rows in review
  std::int64_t unread_page = 0;         // table not found
  std::int64_t duplicate_page = 0;      // a suspected re-scan of sheet_page
  std::map<int, std::int64_t> row_ids;  // row_no -> id on sheet_page

  Fixture() {
    Store store(db);
    batch = store.begin_batch("lot-1", "test");
    sheet_page = add_page(store, "env0001.png", draw_sheet("env0001"), "signatures", "done", "");
    unread_page = add_page(store, "env0002.png", draw_sheet("env0002 crumpled"), "signatures",
                           "review", "table_not_found");
    duplicate_page =
        add_page(store, "env0003.png", draw_sheet("env0001 rescan"), "signatures", "done", "");
    store.connection()
        .prepare("UPDATE pages SET duplicate_of = ?, duplicate_status = 'suspected' WHERE id = ?")
        .bind(1, sheet_page)
        .bind(2, duplicate_page)
        .run();
    auto st = store.connection().prepare("SELECT row_no, id FROM rows WHERE page_id = ?");
    st.bind(1, sheet_page);
    while (st.step()) row_ids[st.integer(0)] = st.int64(1);
  }

  std::int64_t add_page(Store& store, const std::string& name, const cv::Mat& image,
                        const std::string& kind, const std::string& status,
                        const std::string& reason) {
    PageRecord page;
    page.kind = *page_kind_from_string(kind);
    page.status = status;
    page.reason = reason;
    std::vector<RowRecord> rows;
    for (int r = 1; r <= kRowsPerSheet; ++r) {
      RowRecord row;
      row.row_no = r;
      if (status == "review") {  // table not found: nothing guessed, no boxes
        row.status = RowStatus::Review;
        row.reason = reason;
      } else {
        row.is_signed = r <= 6;
        row.postal_code =
            r <= 6 ? std::optional<std::string>("H2E 2E" + std::to_string(r - 1)) : std::nullopt;
        // Rows 2, 4, 6, 8 wait for review with confidences 0.6, 0.2, 0.4, 0.5.
        const std::map<int, double> review_conf = {{2, 0.6}, {4, 0.2}, {6, 0.4}, {8, 0.5}};
        auto it = review_conf.find(r);
        row.status = it != review_conf.end() ? RowStatus::Review : RowStatus::Accepted;
        row.confidence = it != review_conf.end() ? it->second : 0.99;
        row.reason = r == 8                    ? "code_without_signature"
                     : it != review_conf.end() ? "uncertain_code"
                                               : "";
        row.signed_confidence = 0.97;
        row.code_confidence = row.confidence;
        row.alternatives = json::array({{{"code", "H2E 2E8"}, {"p", 0.1}}});
        row.boxes = row_boxes(r);
      }
      rows.push_back(row);
    }
    return test::record_drawn_page(store, batch, dir.path(), name, image, page, rows);
  }

  json row(std::int64_t id) {
    Store store(db);
    auto st = store.connection().prepare(
        "SELECT signed, postal_code, status, version, machine_signed, machine_code FROM rows "
        "WHERE id = ?");
    st.bind(1, id);
    EXPECT_TRUE(st.step());
    return {{"signed", st.integer(0) != 0},
            {"postal_code", st.is_null(1) ? json(nullptr) : json(st.text(1))},
            {"status", st.text(2)},
            {"version", st.int64(3)},
            {"machine_signed", st.integer(4) != 0},
            {"machine_code", st.is_null(5) ? json(nullptr) : json(st.text(5))}};
  }

  std::int64_t count(const std::string& sql) {
    Store store(db);
    auto st = store.connection().prepare(sql);
    st.step();
    return st.int64(0);
  }
};

// A reviewer's browser: keeps the CSRF value and its session.
class Browser {
 public:
  Browser(int port, std::string csrf) : client_("127.0.0.1", port), csrf_(std::move(csrf)) {
    client_.set_connection_timeout(5);
    client_.set_read_timeout(20);
  }

  static std::string csrf_of(int port) {
    httplib::Client c("127.0.0.1", port);
    auto res = c.Get("/api/config");
    return json::parse(res->body)["csrf"];
  }

  void login(const std::string& name) {
    auto res = post("/api/login", {{"name", name}});
    ASSERT_EQ(res->status, 200) << res->body;
    session_ = json::parse(res->body)["session"];
  }

  httplib::Result post(const std::string& path, const json& body) {
    return post_raw(path, body.dump());
  }
  httplib::Result post_raw(const std::string& path, const std::string& body,
                           const std::string& type = "application/json") {
    httplib::Headers h = {{"X-Petiscan-CSRF", csrf_}};
    if (!session_.empty()) h.emplace("X-Petiscan-Session", session_);
    return client_.Post(path.c_str(), h, body, type.c_str());
  }
  httplib::Result get(const std::string& path) {
    httplib::Headers h;
    if (!session_.empty()) h.emplace("X-Petiscan-Session", session_);
    return client_.Get(path.c_str(), h);
  }
  json ok(httplib::Result res) {
    EXPECT_TRUE(res);
    if (!res) return nullptr;
    EXPECT_EQ(res->status, 200) << res->body;
    return json::parse(res->body, nullptr, false);
  }
  json next(const json& body = json::object()) { return ok(post("/api/next", body)); }

 private:
  httplib::Client client_;
  std::string csrf_;
  std::string session_;
};

class ReviewApi : public ::testing::Test {
 protected:
  void SetUp() override {
    ReviewOptions options;
    options.db = fx.db;
    options.port = 0;
    server = std::make_unique<ReviewServer>(options);
    server->start();
    csrf = Browser::csrf_of(server->port());
  }
  void TearDown() override { server->stop(); }

  Browser browser(const std::string& name) {
    Browser b(server->port(), csrf);
    b.login(name);
    return b;
  }

  Fixture fx;
  std::unique_ptr<ReviewServer> server;
  std::string csrf;
};

TEST_F(ReviewApi, QueueGivesSheetsThenRowsByIncreasingConfidence) {
  auto alice = browser("Alice");
  std::vector<std::string> keys;
  std::vector<double> confidences;
  json skip = json::array();
  for (int i = 0; i < 20; ++i) {
    json r = alice.next({{"skip", skip}});
    if (r["item"].is_null()) break;
    keys.push_back(r["item"]["key"]);
    if (r["item"]["type"] == "row") confidences.push_back(r["item"]["confidence"]);
    skip.push_back(r["item"]["key"]);
  }
  // One sheet without a table, one suspected re-scan, then the 4 review rows
  // of the sheet and the 4 of its re-scan, least sure first.
  ASSERT_EQ(keys.size(), 10u);
  EXPECT_EQ(keys[0], "sheet:" + std::to_string(fx.unread_page));
  EXPECT_EQ(keys[1], "dup:" + std::to_string(fx.duplicate_page));
  EXPECT_EQ(keys[2], "row:" + std::to_string(fx.row_ids[4]));
  EXPECT_EQ(confidences, (std::vector<double>{0.2, 0.2, 0.4, 0.4, 0.5, 0.5, 0.6, 0.6}));
}

TEST_F(ReviewApi, QueueFiltersByReasonAndBatch) {
  auto alice = browser("Alice");
  json r = alice.next({{"reason", "code_without_signature"}});
  EXPECT_EQ(r["item"]["key"], "row:" + std::to_string(fx.row_ids[8]));
  r = alice.next({{"reason", "uncertain_code"}, {"batch", fx.batch}});
  EXPECT_EQ(r["item"]["key"], "row:" + std::to_string(fx.row_ids[4]));
  EXPECT_EQ(r["item"]["neighbours"].size(), 2u);
  EXPECT_EQ(r["item"]["machine_code"], "H2E 2E3");
  EXPECT_EQ(r["upcoming"].size(), 2u);  // prefetched: rows 6 and 2
  r = alice.next({{"batch", fx.batch + 1}});
  EXPECT_TRUE(r["item"].is_null());
  json filters = alice.ok(alice.get("/api/filters"));
  bool has_table = false;
  for (const auto& f : filters["reasons"]) has_table |= f["reason"] == "table_not_found";
  EXPECT_TRUE(has_table);
}

TEST_F(ReviewApi, AcceptingKeepsTheValuesMarksCorrectedAndAudits) {
  auto alice = browser("Alice");
  const auto id = fx.row_ids[4];
  alice.ok(alice.post("/api/open", {{"key", "row:" + std::to_string(id)}}));
  json res = alice.ok(alice.post("/api/rows/" + std::to_string(id) + "/decision",
                                 {{"version", 1}, {"signed", true}, {"postal_code", "H2E 2E3"}}));
  EXPECT_EQ(res["action"], "accept");
  json row = fx.row(id);
  EXPECT_EQ(row["status"], "corrected");
  EXPECT_EQ(row["version"], 2);
  EXPECT_EQ(row["postal_code"], "H2E 2E3");
  Store store(fx.db);
  auto st = store.connection().prepare(
      "SELECT reviewer, action, before, after, decided_at FROM decisions WHERE row_id = ?");
  st.bind(1, id);
  ASSERT_TRUE(st.step());
  EXPECT_EQ(st.text(0), "Alice");
  EXPECT_EQ(st.text(1), "accept");
  EXPECT_EQ(json::parse(st.text(2))["status"], "review");
  EXPECT_EQ(json::parse(st.text(3))["status"], "corrected");
  EXPECT_FALSE(st.text(4).empty());
  EXPECT_FALSE(st.step());
  // The export reads the same tables: it sees the decision at once.
  std::string status;
  store.for_each_export_row([&](const ExportRow& r) {
    if (r.source == "env0001.png" && r.row_no == 4) status = r.status;
  });
  EXPECT_EQ(status, "corrected");
}

TEST_F(ReviewApi, CorrectingACodeCanonicalisesItAndKeepsTheMachineReading) {
  auto alice = browser("Alice");
  const auto id = fx.row_ids[2];
  alice.ok(alice.post("/api/open", {{"key", "row:" + std::to_string(id)}}));
  auto bad = alice.post("/api/rows/" + std::to_string(id) + "/decision",
                        {{"version", 1}, {"signed", true}, {"postal_code", "D2E 2E9"}});
  EXPECT_EQ(bad->status, 400);
  EXPECT_EQ(json::parse(bad->body)["error"], "invalid_postal_code");
  json res = alice.ok(alice.post("/api/rows/" + std::to_string(id) + "/decision",
                                 {{"version", 1}, {"signed", true}, {"postal_code", "j8p3v5"}}));
  EXPECT_EQ(res["action"], "correct");
  json row = fx.row(id);
  EXPECT_EQ(row["postal_code"], "J8P 3V5");
  EXPECT_EQ(row["machine_code"], "H2E 2E1");
  EXPECT_EQ(row["machine_signed"], true);
}

TEST_F(ReviewApi, MarksUnsignedNoCodeAndIllegible) {
  auto alice = browser("Alice");
  auto decide = [&](int row_no, const json& body) {
    const auto id = fx.row_ids[row_no];
    alice.ok(alice.post("/api/open", {{"key", "row:" + std::to_string(id)}}));
    return alice.ok(alice.post("/api/rows/" + std::to_string(id) + "/decision", body));
  };
  decide(2, {{"version", 1}, {"signed", false}, {"postal_code", "H2E 2E1"}});
  EXPECT_EQ(fx.row(fx.row_ids[2])["signed"], false);
  EXPECT_EQ(decide(4, {{"version", 1},
                       {"signed", true},
                       {"postal_code", nullptr},
                       {"mark", "no_code"}})["action"],
            "no_code");
  EXPECT_TRUE(fx.row(fx.row_ids[4])["postal_code"].is_null());
  EXPECT_EQ(decide(6, {{"version", 1},
                       {"signed", true},
                       {"postal_code", nullptr},
                       {"mark", "illegible"}})["action"],
            "illegible");
  EXPECT_TRUE(fx.row(fx.row_ids[6])["postal_code"].is_null());
  EXPECT_EQ(fx.row(fx.row_ids[6])["status"], "corrected");
  // A mark with a code is contradictory.
  alice.ok(alice.post("/api/open", {{"key", "row:" + std::to_string(fx.row_ids[8])}}));
  auto res = alice.post(
      "/api/rows/" + std::to_string(fx.row_ids[8]) + "/decision",
      {{"version", 1}, {"signed", true}, {"postal_code", "H2E 2E1"}, {"mark", "no_code"}});
  EXPECT_EQ(res->status, 400);
}

TEST_F(ReviewApi, UndoRestoresTheLastDecisionAndRequeuesTheRow) {
  auto alice = browser("Alice");
  const auto id = fx.row_ids[4];
  json item = alice.next({{"reason", "uncertain_code"}})["item"];
  ASSERT_EQ(item["id"], id);
  alice.ok(alice.post("/api/rows/" + std::to_string(id) + "/decision",
                      {{"version", 1}, {"signed", false}, {"postal_code", nullptr}}));
  json res = alice.ok(alice.post("/api/undo", json::object()));
  EXPECT_EQ(res["undone"]["key"], "row:" + std::to_string(id));
  EXPECT_EQ(res["item"]["postal_code"], "H2E 2E3");
  json row = fx.row(id);
  EXPECT_EQ(row["status"], "review");
  EXPECT_EQ(row["signed"], true);
  EXPECT_EQ(row["postal_code"], "H2E 2E3");
  EXPECT_EQ(row["version"], 3);
  EXPECT_EQ(fx.count("SELECT count(*) FROM decisions WHERE undone_by IS NOT NULL"), 1);
  EXPECT_EQ(fx.count("SELECT count(*) FROM decisions WHERE action = 'undo'"), 1);
  // Nothing else of Alice's to undo.
  EXPECT_EQ(alice.post("/api/undo", json::object())->status, 404);
  // Back in the queue, at its place (lowest confidence).
  EXPECT_EQ(alice.next({{"reason", "uncertain_code"}})["item"]["id"], id);
}

TEST_F(ReviewApi, UndoIsRefusedWhenSomeoneChangedTheRowSince) {
  auto alice = browser("Alice");
  auto bob = browser("Bob");
  const auto id = fx.row_ids[4];
  alice.ok(alice.post("/api/open", {{"key", "row:" + std::to_string(id)}}));
  alice.ok(alice.post("/api/rows/" + std::to_string(id) + "/decision",
                      {{"version", 1}, {"signed", true}, {"postal_code", "H2E 2E3"}}));
  bob.ok(bob.post("/api/open", {{"key", "row:" + std::to_string(id)}}));
  bob.ok(bob.post("/api/rows/" + std::to_string(id) + "/decision",
                  {{"version", 2}, {"signed", true}, {"postal_code", "H2E 2E4"}}));
  auto res = alice.post("/api/undo", json::object());
  EXPECT_EQ(res->status, 409);
  EXPECT_EQ(fx.row(id)["postal_code"], "H2E 2E4");
}

TEST_F(ReviewApi, LeasedItemsGoToOneReviewerAndOthersCannotWriteThem) {
  auto alice = browser("Alice");
  auto bob = browser("Bob");
  const json a = alice.next({{"reason", "uncertain_code"}})["item"];
  const json b = bob.next({{"reason", "uncertain_code"}})["item"];
  ASSERT_FALSE(a.is_null());
  ASSERT_FALSE(b.is_null());
  EXPECT_NE(a["key"], b["key"]);
  auto res = bob.post("/api/rows/" + std::to_string(a["id"].get<std::int64_t>()) + "/decision",
                      {{"version", 1}, {"signed", true}, {"postal_code", "H2E 2E3"}});
  EXPECT_EQ(res->status, 409);
  json err = json::parse(res->body);
  EXPECT_EQ(err["error"], "leased");
  EXPECT_NE(err["message"]["fr"].get<std::string>().find("Alice"), std::string::npos);
  EXPECT_EQ(bob.post("/api/open", {{"key", a["key"]}})->status, 409);
  EXPECT_EQ(fx.row(a["id"])["status"], "review");
  // Alice leaves: the item is free again.
  alice.ok(alice.post("/api/release", json::object()));
  EXPECT_EQ(bob.post("/api/open", {{"key", a["key"]}})->status, 200);
}

TEST_F(ReviewApi, AnExpiredLeaseFreesTheItem) {
  auto alice = browser("Alice");
  auto bob = browser("Bob");
  const json a = alice.next({{"reason", "uncertain_code"}})["item"];
  EXPECT_EQ(bob.post("/api/open", {{"key", a["key"]}})->status, 409);
  {
    Store store(fx.db);  // Alice went for lunch: her lease ran out
    store.connection().exec("UPDATE review_leases SET expires_at = expires_at - 3600");
  }
  EXPECT_EQ(bob.next({{"reason", "uncertain_code"}})["item"]["key"], a["key"]);
  // Alice comes back and writes: refused, Bob holds it now; nothing is lost.
  auto res = alice.post("/api/rows/" + std::to_string(a["id"].get<std::int64_t>()) + "/decision",
                        {{"version", 1}, {"signed", true}, {"postal_code", "H2E 2E3"}});
  EXPECT_EQ(res->status, 409);
  EXPECT_EQ(fx.row(a["id"])["status"], "review");
}

TEST_F(ReviewApi, StaleVersionsAreRefusedAndNothingIsAppliedTwice) {
  auto alice = browser("Alice");
  const auto id = fx.row_ids[6];
  const std::string path = "/api/rows/" + std::to_string(id) + "/decision";
  alice.ok(alice.post("/api/open", {{"key", "row:" + std::to_string(id)}}));
  const json body = {{"version", 1}, {"signed", true}, {"postal_code", "H2E 2E5"}};
  alice.ok(alice.post(path, body));
  auto again = alice.post(path, body);  // a retried request
  EXPECT_EQ(again->status, 409);
  EXPECT_EQ(json::parse(again->body)["error"], "version_conflict");
  EXPECT_EQ(fx.row(id)["version"], 2);
  EXPECT_EQ(fx.count("SELECT count(*) FROM decisions WHERE row_id = " + std::to_string(id)), 1);
}

TEST_F(ReviewApi, ConcurrentWritesOfTheSameVersionApplyExactlyOnce) {
  // Two reviewers whose pages show the same version of a free row (lease
  // expired) write at the same moment: one wins, the other is refused.
  const auto id = fx.row_ids[8];
  const std::string path = "/api/rows/" + std::to_string(id) + "/decision";
  std::atomic<int> ok{0}, conflict{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 6; ++i) {
    threads.emplace_back([&, i] {
      Browser b(server->port(), csrf);
      b.login("R" + std::to_string(i));
      auto res = b.post(
          path, {{"version", 1}, {"signed", true}, {"postal_code", "H2E 2E" + std::to_string(i)}});
      if (res && res->status == 200) ++ok;
      if (res && res->status == 409) ++conflict;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok.load(), 1);
  EXPECT_EQ(conflict.load(), 5);
  EXPECT_EQ(fx.row(id)["version"], 2);
  EXPECT_EQ(fx.count("SELECT count(*) FROM decisions WHERE row_id = " + std::to_string(id)), 1);
}

TEST_F(ReviewApi, SheetWithoutTableIsTypedByHandOrDismissed) {
  auto alice = browser("Alice");
  const std::string key = "sheet:" + std::to_string(fx.unread_page);
  json item = alice.ok(alice.post("/api/open", {{"key", key}}))["item"];
  EXPECT_EQ(item["type"], "sheet");
  EXPECT_EQ(item["image"], "/api/image/page/" + std::to_string(fx.unread_page));
  const std::string path = "/api/sheets/" + std::to_string(fx.unread_page) + "/decision";
  auto dup_rows = alice.post(path, {{"version", 1},
                                    {"not_a_sheet", false},
                                    {"rows",
                                     {{{"row", 1}, {"signed", true}, {"postal_code", nullptr}},
                                      {{"row", 1}, {"signed", true}, {"postal_code", nullptr}}}}});
  EXPECT_EQ(dup_rows->status, 400);
  alice.ok(alice.post(path, {{"version", 1},
                             {"not_a_sheet", false},
                             {"rows",
                              {{{"row", 1}, {"signed", true}, {"postal_code", "g1r 4p5"}},
                               {{"row", 3}, {"signed", true}, {"postal_code", nullptr}}}}}));
  EXPECT_EQ(fx.count("SELECT count(*) FROM rows WHERE page_id = " + std::to_string(fx.unread_page) +
                     " AND status = 'corrected'"),
            9);
  EXPECT_EQ(fx.count("SELECT count(*) FROM rows WHERE page_id = " + std::to_string(fx.unread_page) +
                     " AND signed = 1"),
            2);
  EXPECT_EQ(fx.count("SELECT count(*) FROM rows WHERE postal_code = 'G1R 4P5'"), 1);
  EXPECT_EQ(fx.count("SELECT count(*) FROM pages WHERE status = 'review'"), 0);
  // Undo, then dismiss it instead.
  alice.ok(alice.post("/api/undo", json::object()));
  EXPECT_EQ(fx.count("SELECT count(*) FROM pages WHERE status = 'review'"), 1);
  EXPECT_EQ(fx.count("SELECT count(*) FROM rows WHERE signed = 1 AND page_id = " +
                     std::to_string(fx.unread_page)),
            0);
  alice.ok(alice.post(path, {{"version", 3}, {"not_a_sheet", true}}));
  EXPECT_EQ(fx.count("SELECT count(*) FROM pages WHERE kind = 'other'"), 1);
}

TEST_F(ReviewApi, SuspectedRescanIsConfirmedOrRejected) {
  auto alice = browser("Alice");
  const std::string key = "dup:" + std::to_string(fx.duplicate_page);
  json item = alice.ok(alice.post("/api/open", {{"key", key}}))["item"];
  EXPECT_EQ(item["other"]["id"], fx.sheet_page);
  const std::string path = "/api/duplicates/" + std::to_string(fx.duplicate_page) + "/decision";
  alice.ok(alice.post(path, {{"version", 1}, {"confirm", false}}));
  EXPECT_EQ(fx.count("SELECT count(*) FROM pages WHERE duplicate_status = 'rejected'"), 1);
  Store store(fx.db);
  int with_duplicate = 0;
  store.for_each_export_page(
      [&](const ExportPage& p) { with_duplicate += p.duplicate_of.has_value(); });
  EXPECT_EQ(with_duplicate, 0);
}

TEST_F(ReviewApi, QaSamplesAcceptedRowsAndRecordsChecks) {
  auto alice = browser("Alice");
  json first = alice.ok(alice.post("/api/qa/next", json::object()))["item"];
  ASSERT_FALSE(first.is_null());
  EXPECT_EQ(first["status"], "accepted");
  const auto id1 = first["id"].get<std::int64_t>();
  json res = alice.ok(alice.post("/api/qa/" + std::to_string(id1) + "/check",
                                 {{"version", first["version"]},
                                  {"signed", first["signed"]},
                                  {"postal_code", first["postal_code"]}}));
  EXPECT_EQ(res["correct"], true);
  EXPECT_EQ(fx.row(id1)["status"], "accepted");

  json second = alice.ok(alice.post("/api/qa/next", json::object()))["item"];
  ASSERT_FALSE(second.is_null());
  EXPECT_NE(second["id"], first["id"]);
  const auto id2 = second["id"].get<std::int64_t>();
  res = alice.ok(alice.post("/api/qa/" + std::to_string(id2) + "/check",
                            {{"version", second["version"]},
                             {"signed", !second["signed"].get<bool>()},
                             {"postal_code", second["postal_code"]},
                             {"note", "signature oubliée"}}));
  EXPECT_EQ(res["correct"], false);
  EXPECT_EQ(fx.row(id2)["status"], "corrected");
  EXPECT_EQ(fx.count("SELECT count(*) FROM qa_checks"), 2);
  EXPECT_EQ(fx.count("SELECT count(*) FROM qa_checks WHERE correct = 0 AND reviewer = 'Alice'"), 1);
  EXPECT_EQ(res["qa"]["errors"], 1);
}

TEST_F(ReviewApi, ProgressCountsWhatIsLeftAndDone) {
  auto alice = browser("Alice");
  json p = alice.ok(alice.get("/api/progress"));
  EXPECT_EQ(p["rows_left"], 8);  // 4 on the sheet, 4 on its suspected re-scan
  EXPECT_EQ(p["sheets_left"], 2);
  EXPECT_EQ(p["done_today"], 0);
  const auto id = fx.row_ids[2];
  alice.ok(alice.post("/api/open", {{"key", "row:" + std::to_string(id)}}));
  alice.ok(alice.post("/api/rows/" + std::to_string(id) + "/decision",
                      {{"version", 1}, {"signed", true}, {"postal_code", "H2E 2E1"}}));
  p = alice.ok(alice.get("/api/progress"));
  EXPECT_EQ(p["rows_left"], 7);
  EXPECT_EQ(p["done_today"], 1);
  EXPECT_EQ(p["mine_today"], 1);
  EXPECT_EQ(p["my_rows_per_hour"], 1);
}

TEST_F(ReviewApi, ImagesAreCutFromTheOriginalByIdOnly) {
  auto alice = browser("Alice");
  const auto id = fx.row_ids[4];
  auto res = alice.get("/api/image/row/" + std::to_string(id) + "/code");
  ASSERT_EQ(res->status, 200);
  EXPECT_EQ(res->get_header_value("Content-Type"), "image/png");
  std::vector<unsigned char> bytes(res->body.begin(), res->body.end());
  cv::Mat code = cv::imdecode(bytes, cv::IMREAD_GRAYSCALE);
  ASSERT_FALSE(code.empty());
  // 300 x 100 cell plus the margin on each side.
  EXPECT_NEAR(code.rows, 100 * (1 + 2 * 0.12), 3);
  EXPECT_NEAR(code.cols, 300 + 2 * 12, 3);
  EXPECT_LT(cv::mean(code)[0], 250);  // ink is there
  res = alice.get("/api/image/page/" + std::to_string(fx.unread_page));
  ASSERT_EQ(res->status, 200);
  EXPECT_EQ(res->get_header_value("Content-Type"), "image/jpeg");
  // Unknown rows, and boxes that are degenerate or not JSON, give no crop (and no 500).
  EXPECT_EQ(alice.get("/api/image/row/99999/code")->status, 404);
  {
    Store store(fx.db);
    store.connection().exec(
        "UPDATE rows SET boxes = '{\"code\": [[5,5],[5,5],[5,5],[5,5]]}' "
        "WHERE id = " +
        std::to_string(fx.row_ids[8]));
    store.connection().exec("UPDATE rows SET boxes = 'not json' WHERE id = " +
                            std::to_string(fx.row_ids[9]));
  }
  EXPECT_EQ(alice.get("/api/image/row/" + std::to_string(fx.row_ids[8]) + "/code")->status, 404);
  EXPECT_EQ(alice.get("/api/image/row/" + std::to_string(fx.row_ids[9]) + "/code")->status, 404);
  EXPECT_EQ(alice.get("/api/image/row/" + std::to_string(fx.row_ids[8]) + "/row")->status, 404);

  for (const std::string bad :
       {"/api/image/row/../../../../etc/passwd", "/api/image/row/1/..%2F..%2Fetc%2Fpasswd",
        "/api/image/page/..%2F..%2Fetc%2Fpasswd", "/api/image/page/1/../../../etc/passwd",
        "/api/image/page/%2Fetc%2Fpasswd", "/api/image/row/1/signature/../../../../etc/passwd",
        "/../../../../etc/passwd", "/app.js/../../../../etc/passwd", "/api/image/page/-1",
        "/api/image/page/99999999999999999999"}) {
    auto r = alice.get(bad);
    ASSERT_TRUE(r) << bad;
    EXPECT_NE(r->status, 200) << bad;
    EXPECT_EQ(r->body.find("root:"), std::string::npos) << bad;
  }
}

TEST_F(ReviewApi, AChangedOriginalIsNeverShownAsTheScannedPage) {
  auto alice = browser("Alice");
  cv::imwrite((fx.dir / "env0002.png").string(), draw_sheet("something else"));
  auto res = alice.get("/api/image/page/" + std::to_string(fx.unread_page));
  EXPECT_EQ(res->status, 410);
  fs::remove(fx.dir / "env0003.png");
  res = alice.get("/api/image/page/" + std::to_string(fx.duplicate_page));
  EXPECT_EQ(res->status, 404);
  EXPECT_EQ(json::parse(res->body)["error"], "original_missing");
}

TEST_F(ReviewApi, StateChangesNeedTheCsrfHeaderAndJson) {
  httplib::Client c("127.0.0.1", server->port());
  auto res = c.Post("/api/login", R"({"name":"Mallory"})", "application/json");
  EXPECT_EQ(res->status, 403);
  res = c.Post("/api/login", {{"X-Petiscan-CSRF", "0123456789abcdef0123456789abcdef"}},
               R"({"name":"Mallory"})", "application/json");
  EXPECT_EQ(res->status, 403);
  // A form post (what a foreign page can send without asking) is refused too.
  res = c.Post("/api/login", {{"X-Petiscan-CSRF", csrf}}, "name=Mallory",
               "application/x-www-form-urlencoded");
  EXPECT_EQ(res->status, 415);
  Browser anonymous(server->port(), csrf);
  EXPECT_EQ(anonymous.post("/api/next", json::object())->status, 401);
  EXPECT_EQ(fx.count("SELECT count(*) FROM review_leases"), 0);
}

TEST_F(ReviewApi, ForeignHostHeadersAreRefusedOnLoopback) {
  // DNS rebinding: a site whose name resolves to 127.0.0.1.
  httplib::Client c("127.0.0.1", server->port());
  auto res = c.Get("/api/config", {{"Host", "evil.example:" + std::to_string(server->port())}});
  EXPECT_EQ(res->status, 403);
  res = c.Get("/", {{"Host", "localhost:" + std::to_string(server->port())}});
  EXPECT_EQ(res->status, 200);
  EXPECT_NE(res->body.find("app.js"), std::string::npos);
  EXPECT_NE(res->get_header_value("Content-Security-Policy").find("script-src 'self'"),
            std::string::npos);
}

TEST_F(ReviewApi, BadBodiesAreRefused) {
  auto alice = browser("Alice");
  const auto id = fx.row_ids[4];
  alice.ok(alice.post("/api/open", {{"key", "row:" + std::to_string(id)}}));
  const std::string path = "/api/rows/" + std::to_string(id) + "/decision";
  EXPECT_EQ(alice.post_raw(path, std::string(64 * 1024, ' '))->status, 413);
  EXPECT_EQ(alice.post_raw(path, "{\"version\": 1, ")->status, 400);
  EXPECT_EQ(alice.post_raw(path, "[1,2,3]")->status, 400);
  EXPECT_EQ(
      alice.post(path, {{"version", "1"}, {"signed", true}, {"postal_code", nullptr}})->status,
      400);
  EXPECT_EQ(alice.post(path, {{"version", 1}, {"signed", "yes"}, {"postal_code", nullptr}})->status,
            400);
  EXPECT_EQ(alice.post(path, {{"version", 1}, {"signed", true}, {"postal_code", 42}})->status, 400);
  EXPECT_EQ(alice.post(path, {{"version", 1}, {"signed", true}})->status, 400);
  EXPECT_EQ(alice.post("/api/open", {{"key", "row:1 OR 1=1"}})->status, 400);
  EXPECT_EQ(alice.post("/api/next", {{"skip", json::array({"../etc"})}})->status, 400);
  EXPECT_EQ(alice.post("/api/login", {{"name", std::string(200, 'x')}})->status, 400);
  EXPECT_EQ(alice.post("/api/login", {{"name", "   "}})->status, 400);
  EXPECT_EQ(alice.post("/api/login", {{"name", "a\u0007b"}})->status, 400);
  EXPECT_EQ(fx.row(id)["version"], 1);
}

TEST_F(ReviewApi, SqlMetacharactersAreStoredLiterally) {
  const std::string name = "Robert'); DROP TABLE rows;-- \"O'Brien\" <b>é</b>";
  auto bobby = browser(name);
  const auto id = fx.row_ids[4];
  bobby.ok(bobby.post("/api/open", {{"key", "row:" + std::to_string(id)}}));
  bobby.ok(bobby.post("/api/rows/" + std::to_string(id) + "/decision",
                      {{"version", 1}, {"signed", true}, {"postal_code", "H2E 2E3"}}));
  json reasons = bobby.ok(bobby.post("/api/next", {{"reason", "x' OR '1'='1"}}));
  EXPECT_TRUE(reasons["item"].is_null());
  Store store(fx.db);
  auto st = store.connection().prepare("SELECT reviewer FROM decisions WHERE row_id = ?");
  st.bind(1, id);
  ASSERT_TRUE(st.step());
  EXPECT_EQ(st.text(0), name);
  EXPECT_EQ(fx.count("SELECT count(*) FROM rows"), 27);
}

TEST_F(ReviewApi, SqlMetacharactersInEveryFieldAreRefusedOrStoredLiterally) {
  const std::string sql = "1' OR '1'='1'; DROP TABLE rows;--";
  auto alice = browser("Alice");
  const auto id = fx.row_ids[4];
  const std::string path = "/api/rows/" + std::to_string(id) + "/decision";
  alice.ok(alice.post("/api/open", {{"key", "row:" + std::to_string(id)}}));
  // Typed fields are checked before anything reaches the database: 400, nothing written.
  const std::vector<std::pair<std::string, json>> refused = {
      {path, {{"version", 1}, {"signed", true}, {"postal_code", "H2E 2E9'; DROP TABLE rows;--"}}},
      {path, {{"version", sql}, {"signed", true}, {"postal_code", nullptr}}},
      {path, {{"version", 1}, {"signed", sql}, {"postal_code", nullptr}}},
      {path, {{"version", 1}, {"signed", false}, {"postal_code", nullptr}, {"mark", sql}}},
      {"/api/open", {{"key", "row:" + std::to_string(id) + "' OR '1'='1"}}},
      {"/api/open", {{"key", sql}}},
      {"/api/next", {{"batch", sql}}},
      {"/api/next", {{"batch", "1 OR 1=1"}}},
      {"/api/next", {{"skip", json::array({"row:1", sql})}}},
      {"/api/qa/next", {{"batch", sql}}},
      {"/api/qa/next", {{"skip", json::array({sql})}}},
      {"/api/sheets/" + std::to_string(fx.unread_page) + "/decision",
       {{"version", 1},
        {"not_a_sheet", false},
        {"rows", json::array({{{"row", 1}, {"signed", true}, {"postal_code", sql}}})}}},
      {"/api/sheets/" + std::to_string(fx.unread_page) + "/decision",
       {{"version", 1},
        {"not_a_sheet", false},
        {"rows", json::array({{{"row", sql}, {"signed", true}, {"postal_code", nullptr}}})}}},
      {"/api/duplicates/" + std::to_string(fx.duplicate_page) + "/decision",
       {{"version", 1}, {"confirm", sql}}},
      {"/api/qa/" + std::to_string(fx.row_ids[1]) + "/check",
       {{"version", 1}, {"signed", true}, {"postal_code", sql}}},
  };
  for (const auto& [url, body] : refused) {
    auto res = alice.post(url, body);
    ASSERT_TRUE(res) << url << " " << body.dump();
    EXPECT_EQ(res->status, 400) << url << " " << body.dump() << " -> " << res->body;
    EXPECT_EQ(json::parse(res->body)["error"].get<std::string>().empty(), false);
  }
  // In URLs: not a route (404), never a query.
  for (const std::string url : {"/api/rows/4%27%20OR%201=1/decision", "/api/rows/4;/decision",
                                "/api/qa/1%20OR%201/check"}) {
    auto res = alice.post(url, {{"version", 1}, {"signed", true}, {"postal_code", nullptr}});
    ASSERT_TRUE(res) << url;
    EXPECT_EQ(res->status, 404) << url;
  }
  auto img = alice.get("/api/image/row/1%20OR%201=1/code");
  ASSERT_TRUE(img);
  EXPECT_EQ(img->status, 404);
  // Free text (the reason filter, a QA note, a name) is bound, stored and matched literally.
  EXPECT_TRUE(alice.ok(alice.post("/api/next", {{"reason", sql}}))["item"].is_null());
  // (The QA sample draws among accepted rows, which have no reason: the filter is
  // bound but matches every row there.)
  EXPECT_EQ(alice.ok(alice.post("/api/qa/next", {{"reason", sql}}))["item"]["status"], "accepted");
  json qa = alice.ok(alice.post("/api/qa/next", json::object()))["item"];
  ASSERT_FALSE(qa.is_null());
  alice.ok(alice.post("/api/qa/" + std::to_string(qa["id"].get<std::int64_t>()) + "/check",
                      {{"version", qa["version"]},
                       {"signed", qa["signed"]},
                       {"postal_code", qa["postal_code"]},
                       {"note", sql}}));
  auto name = browser(sql);
  name.ok(name.post("/api/next", json::object()));
  Store store(fx.db);
  auto note = store.connection().prepare("SELECT note FROM qa_checks");
  ASSERT_TRUE(note.step());
  EXPECT_EQ(note.text(0), sql);
  auto lease = store.connection().prepare("SELECT count(*) FROM review_leases WHERE reviewer = ?");
  lease.bind(1, sql);
  ASSERT_TRUE(lease.step());
  EXPECT_EQ(lease.int64(0), 1);
  // Nothing else changed: every row still there, no decision recorded, row 4 untouched.
  EXPECT_EQ(fx.count("SELECT count(*) FROM rows"), 27);
  EXPECT_EQ(fx.count("SELECT count(*) FROM decisions"), 0);
  EXPECT_EQ(fx.row(id)["version"], 1);
  EXPECT_EQ(fx.count("SELECT count(*) FROM pages WHERE version != 1"), 0);
}

TEST_F(ReviewApi, MalformedAndOversizedBodiesGetAClearErrorAndChangeNothing) {
  auto alice = browser("Alice");
  const auto id = fx.row_ids[4];
  alice.ok(alice.post("/api/open", {{"key", "row:" + std::to_string(id)}}));
  const std::string path = "/api/rows/" + std::to_string(id) + "/decision";
  const std::string good = R"({"version":1,"signed":true,"postal_code":"H2E 2E9"})";
  const std::vector<std::pair<std::string, int>> bodies = {
      {std::string(32 * 1024 + 1, ' '), 413},
      {good + std::string(40 * 1024, ' '), 413},
      {"", 400},
      {"null", 400},
      {"\"text\"", 400},
      {std::string(16000, '[') + std::string(16000, ']'), 400},  // deeply nested, within the limit
      {"{\"version\":1,\"signed\":true,\"postal_code\":\"H2E\xff\xfe 2E9\"}", 400},  // not UTF-8
      {"{\"version\":1e400,\"signed\":true,\"postal_code\":null}", 400},
      {"{\"version\":1.5,\"signed\":true,\"postal_code\":null}", 400},
      {"{\"version\":-1,\"signed\":true,\"postal_code\":null}", 400},
      {"{\"version\":99999999999999999999999,\"signed\":true,\"postal_code\":null}", 400},
      {"{\"version\":1,\"signed\":true,\"postal_code\":null", 400},
      {"{\"version\":1,\"signed\":true,\"postal_code\":null}" + std::string(1, '\0') + "x", 400},
      {std::string("\xef\xbb\xbf") + good + "x", 400},
  };
  for (const auto& [body, status] : bodies) {
    auto res = alice.post_raw(path, body);
    ASSERT_TRUE(res) << body.substr(0, 60);
    EXPECT_EQ(res->status, status) << body.substr(0, 60) << " -> " << res->body;
    const json err = json::parse(res->body, nullptr, false);
    ASSERT_TRUE(err.is_object()) << res->body;
    EXPECT_TRUE(err.contains("error")) << res->body;
  }
  // A header far too long is refused by the HTTP layer, and the server still answers.
  httplib::Client raw("127.0.0.1", server->port());
  auto res = raw.Get("/api/config", {{"X-Long", std::string(64 * 1024, 'a')}});
  EXPECT_TRUE(!res || res->status >= 400);
  EXPECT_EQ(fx.row(id)["version"], 1);
  EXPECT_EQ(fx.count("SELECT count(*) FROM decisions"), 0);
  alice.ok(alice.post_raw(path, good));
  EXPECT_EQ(fx.row(id)["version"], 2);
}

TEST_F(ReviewApi, AssetUrlsNeverReachTheFileSystem) {
  auto alice = browser("Alice");
  for (const std::string bad :
       {"/%2e%2e/%2e%2e/%2e%2e/etc/passwd", "/..%2f..%2f..%2fetc%2fpasswd", "//etc/passwd",
        "/app.js%00.png", "/app.js/..%2f..%2f..%2fetc%2fpasswd", "/index.html", "/web/app.js",
        "/./app.css/../../../etc/passwd", "/favicon.svg%2f..%2f..%2fetc%2fpasswd",
        "/api/image/row/1/code/../../../../../etc/passwd", "/api/image/page/1%2f..%2f..%2fetc",
        "/api/image/page/1/..", "/%5c..%5c..%5cetc%5cpasswd"}) {
    auto r = alice.get(bad);
    ASSERT_TRUE(r) << bad;
    EXPECT_NE(r->status, 200) << bad;
    EXPECT_GE(r->status, 400) << bad;
    EXPECT_EQ(r->body.find("root:"), std::string::npos) << bad;
  }
}

TEST(ReviewAccess, ANonLoopbackAddressRefusesMissingAndWrongTokens) {
  Fixture fx;
  ReviewOptions options;
  options.db = fx.db;
  options.host = "0.0.0.0";  // every interface: a token is generated
  options.port = 0;
  ReviewServer server(options);
  server.start();
  ASSERT_TRUE(server.token().has_value());
  const std::string token = *server.token();
  EXPECT_EQ(token.size(), 32u);
  EXPECT_NE(server.url().find("?token=" + token), std::string::npos);
  httplib::Client c("127.0.0.1", server.port());
  const std::string cookie = "petiscan_token_" + std::to_string(server.port()) + "=";
  std::string wrong = token;
  wrong[0] = wrong[0] == 'a' ? 'b' : 'a';
  for (const char* path : {"/", "/app.js", "/api/config", "/api/filters", "/api/image/page/1",
                           "/api/image/row/1/code"}) {
    EXPECT_EQ(c.Get(path)->status, 401) << path;
    EXPECT_EQ(c.Get(path, {{"Authorization", "Bearer " + wrong}})->status, 401) << path;
    EXPECT_EQ(c.Get(path, {{"Authorization", "Bearer " + token.substr(0, 31)}})->status, 401)
        << path;
    EXPECT_EQ(c.Get(path, {{"Authorization", "Basic " + token}})->status, 401) << path;
    EXPECT_EQ(c.Get(path, {{"Cookie", cookie + wrong}})->status, 401) << path;
    EXPECT_EQ(c.Get(std::string(path) + "?token=" + wrong)->status, 401) << path;
    EXPECT_EQ(c.Get(std::string(path) + "?token=")->status, 401) << path;
  }
  // A state change with the CSRF value but no token: refused before any handler.
  const std::string csrf =
      json::parse(c.Get("/api/config", {{"Authorization", "Bearer " + token}})->body)["csrf"];
  for (const char* path : {"/api/login", "/api/next", "/api/undo"}) {
    auto res = c.Post(path, {{"X-Petiscan-CSRF", csrf}}, R"({"name":"Eve"})", "application/json");
    EXPECT_EQ(res->status, 401) << path;
    EXPECT_EQ(json::parse(res->body)["error"], "token_required") << path;
    res = c.Post(path, {{"X-Petiscan-CSRF", csrf}, {"Authorization", "Bearer " + wrong}},
                 R"({"name":"Eve"})", "application/json");
    EXPECT_EQ(res->status, 401) << path;
  }
  EXPECT_EQ(fx.count("SELECT count(*) FROM review_leases"), 0);
  EXPECT_EQ(fx.count("SELECT count(*) FROM decisions"), 0);
  // The right token opens everything.
  EXPECT_EQ(c.Get("/api/config", {{"Cookie", cookie + token}})->status, 200);
  auto login =
      c.Post("/api/login", {{"X-Petiscan-CSRF", csrf}, {"Authorization", "Bearer " + token}},
             R"({"name":"Ève"})", "application/json");
  EXPECT_EQ(login->status, 200);
  server.stop();
}

TEST(ReviewInput, NamesAreTrimmedUtf8WithoutControls) {
  using review::clean_reviewer_name;
  EXPECT_EQ(clean_reviewer_name("  Hélène Côté "), "Hélène Côté");
  EXPECT_EQ(clean_reviewer_name(std::string(60, 'x')), std::string(60, 'x'));
  std::string sixty_accents;
  for (int i = 0; i < 60; ++i) sixty_accents += "é";  // 60 characters, 120 bytes
  EXPECT_EQ(clean_reviewer_name(sixty_accents), sixty_accents);
  for (const std::string& bad :
       {std::string(""), std::string("   "), std::string(61, 'x'), std::string("a\tb"),
        std::string("a\x7f"), std::string("\xc0\xaf"), std::string("\xe0\x80\xaf"),
        std::string("\xed\xa0\x80"), std::string("\xc2\x85"), std::string("abc\xe2\x82")}) {
    EXPECT_THROW(clean_reviewer_name(bad), review::ApiError) << bad;
  }
}

TEST(ReviewInput, ItemKeysAndIds) {
  using review::parse_id;
  using review::parse_item_key;
  EXPECT_EQ(parse_item_key("row:12")->str(), "row:12");
  EXPECT_EQ(parse_item_key("sheet:3")->type, review::ItemKey::Type::Sheet);
  EXPECT_EQ(parse_item_key("dup:7")->id, 7);
  for (const char* bad : {"row:", "row:0", "row:-1", "row:1 ", "row:1;", "page:1", "row:0x10", ":1",
                          "row:99999999999999999"}) {
    EXPECT_FALSE(parse_item_key(bad)) << bad;
  }
  EXPECT_EQ(parse_id("9007199254740991"), 9007199254740991);
  EXPECT_FALSE(parse_id("9007199254740992"));
  EXPECT_FALSE(parse_id("+5"));
}

TEST(ReviewInput, PostalCodesAreCanonicalised) {
  auto code = [](const json& v) { return review::require_postal_code({{"c", v}}, "c"); };
  EXPECT_EQ(code("h2e2e9"), "H2E 2E9");
  EXPECT_EQ(code("H2E 2E9"), "H2E 2E9");
  EXPECT_EQ(code(nullptr), std::nullopt);
  for (const char* bad : {"D2E 2E9", "W2E 2E9", "H2E 2E", "H2E 2E99", "22E 2E9", "", "H2O 2E9"}) {
    EXPECT_THROW(code(bad), review::ApiError) << bad;
  }
  EXPECT_THROW(code(12), review::ApiError);
}

TEST(ReviewAccess, NonLoopbackAddressesGetAToken) {
  EXPECT_TRUE(is_loopback_host("127.0.0.1"));
  EXPECT_TRUE(is_loopback_host("127.1.2.3"));
  EXPECT_TRUE(is_loopback_host("localhost"));
  EXPECT_TRUE(is_loopback_host("::1"));
  EXPECT_FALSE(is_loopback_host("0.0.0.0"));
  EXPECT_FALSE(is_loopback_host("192.168.1.20"));
  EXPECT_FALSE(is_loopback_host("::"));
  EXPECT_FALSE(is_loopback_host("128.0.0.1"));
  ReviewOptions o;
  EXPECT_FALSE(access_token_for(o).has_value());
  o.host = "0.0.0.0";
  auto t1 = access_token_for(o), t2 = access_token_for(o);
  ASSERT_TRUE(t1 && t2);
  EXPECT_EQ(t1->size(), 32u);
  EXPECT_NE(*t1, *t2);
  o.token = "short";
  EXPECT_THROW(access_token_for(o), UsageError);
  o.token = "a-good-token-of-some-length";
  EXPECT_EQ(access_token_for(o), o.token);
}

TEST(ReviewAccess, EveryRequestNeedsTheTokenInTokenMode) {
  Fixture fx;
  ReviewOptions options;
  options.db = fx.db;
  options.port = 0;
  options.token = "0123456789abcdef-test-token";
  ReviewServer server(options);
  server.start();
  EXPECT_NE(server.url().find("?token=0123456789abcdef-test-token"), std::string::npos);
  httplib::Client c("127.0.0.1", server.port());
  for (const char* path : {"/", "/app.js", "/api/config", "/api/image/page/1"}) {
    EXPECT_EQ(c.Get(path)->status, 401) << path;
  }
  EXPECT_EQ(c.Get("/api/config", {{"Authorization", "Bearer wrong-token-0123456789"}})->status,
            401);
  EXPECT_EQ(c.Get("/api/config", {{"Authorization", "Bearer " + *options.token}})->status, 200);
  const std::string cookie = "petiscan_token_" + std::to_string(server.port()) + "=";
  EXPECT_EQ(c.Get("/api/config", {{"Cookie", "other=1; " + cookie + *options.token}})->status, 200);
  EXPECT_EQ(c.Get("/api/config", {{"Cookie", "petiscan_token_1=" + *options.token}})->status, 401);
  // Opening the printed address stores the token in a cookie and drops it from the URL.
  auto res = c.Get("/?token=" + *options.token);
  EXPECT_EQ(res->status, 303);
  EXPECT_EQ(res->get_header_value("Location"), "/");
  EXPECT_NE(res->get_header_value("Set-Cookie").find("HttpOnly"), std::string::npos);
  EXPECT_NE(res->get_header_value("Set-Cookie").find("SameSite=Strict"), std::string::npos);
  // The token does not replace the CSRF header.
  auto post = c.Post("/api/login", {{"Cookie", cookie + *options.token}}, R"({"name":"Eve"})",
                     "application/json");
  EXPECT_EQ(post->status, 403);
  server.stop();
}

TEST_F(ReviewApi, RelativeOriginalPathsAreFoundNextToTheDatabase) {
  {
    Store store(fx.db);
    store.connection().exec(
        "UPDATE files SET path = name");  // scanned as "petiscan scan env0001.png"
  }
  ASSERT_FALSE(fs::exists("env0001.png"));  // the test runs elsewhere
  auto alice = browser("Alice");
  EXPECT_EQ(alice.get("/api/image/row/" + std::to_string(fx.row_ids[1]) + "/signature")->status,
            200);
}

TEST(ReviewAccess, AMissingDatabaseIsNeverCreated) {
  test::TempDir dir;
  ReviewOptions options;
  options.db = dir / "typo.db";
  options.port = 0;
  ReviewServer server(options);
  EXPECT_THROW(server.start(), DatabaseError);
  EXPECT_FALSE(fs::exists(options.db));
}

TEST(ReviewAccess, APortInUseIsAUsageError) {
  Fixture fx;
  ReviewOptions options;
  options.db = fx.db;
  options.port = 0;
  ReviewServer first(options);
  first.start();
  options.port = first.port();
  ReviewServer second(options);
  EXPECT_THROW(second.start(), UsageError);
  first.stop();
}

TEST(ReviewCrops, APdfPageIsShownAsItWasScannedBeforeOrSinceItsImageIsReadDirectly) {
  // A scanned PDF page (a 200-DPI JPEG) whose content hash was recorded when
  // poppler rendered every page (before 2026-12), and one recorded since.
  test::TempDir dir;
  cv::Mat scan(800, 600, CV_8U, cv::Scalar(255));
  cv::rectangle(scan, cv::Rect(20, 20, 150, 200), cv::Scalar(0), cv::FILLED);
  std::vector<uchar> jpeg;
  cv::imencode(".jpg", scan, jpeg);
  const fs::path pdf = dir / "scan.pdf";
  test::write_file(pdf, test::one_image_pdf(216, 288,
                                            "/Width 600 /Height 800 /ColorSpace /DeviceGray "
                                            "/BitsPerComponent 8 /Filter /DCTDecode",
                                            std::string(jpeg.begin(), jpeg.end()),
                                            "216 0 0 288 0 0 cm /Im0 Do\n"));
  IngestSettings before;
  before.pdf_direct_images = false;
  const PageImage rendered = load_page(pdf, probe_file(pdf, before), 1, before);
  ASSERT_EQ(rendered.gray.size(), cv::Size(900, 1200));  // 300 DPI
  review::PageCache cache;
  auto source = [&](std::int64_t page_id, const std::string& hash) {
    review::ImageSource src;
    src.page_id = page_id;
    src.path = pdf;
    src.file_name = "scan.pdf";
    src.content_hash = hash;
    return src;
  };
  const review::ImageSource old_scan = source(1, content_hash(rendered.gray));
  EXPECT_EQ(cache.get(old_scan)->size(), cv::Size(900, 1200));
  const review::ImageSource new_scan = source(2, content_hash(cv::imdecode(jpeg, 0)));
  EXPECT_EQ(cache.get(new_scan)->size(), cv::Size(600, 800));
  // A file that holds neither is still refused.
  const review::ImageSource changed = source(3, std::string(64, '0'));
  try {
    cache.get(changed);
    ADD_FAILURE() << "a changed file was shown";
  } catch (const review::ApiError& e) {
    EXPECT_EQ(e.status(), 410);
  }
}

}  // namespace
}  // namespace petiscan
