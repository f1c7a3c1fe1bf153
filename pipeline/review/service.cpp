#include "service.h"

#include <chrono>
#include <cmath>
#include <map>
#include <set>

#include "core/errors.h"
#include "core/i18n.h"

namespace petiscan::review {

namespace {

using nlohmann::json;

double now_seconds() {
  using namespace std::chrono;
  return duration<double>(system_clock::now().time_since_epoch()).count();
}

ApiError not_found() { return ApiError(404, "not_found", "élément introuvable", "item not found"); }

ApiError version_conflict() {
  return ApiError(409, "version_conflict",
                  "quelqu'un d'autre a modifié cet élément entre-temps : il a été rechargé, "
                  "vérifiez-le à nouveau",
                  "someone else changed this item meanwhile: it has been reloaded, please check "
                  "it again");
}

json optional_json(const std::optional<std::string>& s) { return s ? json(*s) : json(nullptr); }

json parse_json_column(const std::string& text, json fallback) {
  auto j = json::parse(text, nullptr, false);
  return j.is_discarded() ? fallback : j;
}

std::vector<std::string> split_reasons(const std::string& reasons) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= reasons.size()) {
    auto comma = reasons.find(',', start);
    if (comma == std::string::npos) comma = reasons.size();
    if (comma > start) out.push_back(reasons.substr(start, comma - start));
    start = comma + 1;
  }
  return out;
}

// ------------------------------------------------------------------ leases

struct LeaseHolder {
  std::string holder;
  std::string reviewer;
};

std::optional<LeaseHolder> active_lease(db::Connection& conn, const std::string& item, double now) {
  auto st =
      conn.prepare("SELECT holder, reviewer FROM review_leases WHERE item = ? AND expires_at > ?");
  st.bind(1, item).bind(2, now);
  if (!st.step()) return std::nullopt;
  return LeaseHolder{st.text(0), st.text(1)};
}

// Refuses a write on an item another reviewer holds.
void check_lease(db::Connection& conn, const std::string& item, const Reviewer& who, double now) {
  auto lease = active_lease(conn, item, now);
  if (lease && lease->holder != who.holder) {
    throw ApiError(409, "leased",
                   "cet élément est en cours de révision par " + lease->reviewer +
                       " ; il vous sera proposé s'il se libère",
                   "this item is being reviewed by " + lease->reviewer +
                       "; it comes back to the queue if they leave it");
  }
}

// A reviewer holds one item at a time: taking one gives back the others.
void take_lease(db::Connection& conn, const std::string& item, const Reviewer& who, double now) {
  conn.prepare("DELETE FROM review_leases WHERE holder = ? OR expires_at <= ?")
      .bind(1, who.holder)
      .bind(2, now)
      .run();
  conn.prepare(
          "INSERT OR REPLACE INTO review_leases(item, holder, reviewer, expires_at) "
          "VALUES (?, ?, ?, ?)")
      .bind(1, item)
      .bind(2, who.holder)
      .bind(3, who.name)
      .bind(4, now + kLeaseSeconds)
      .run();
}

void drop_lease(db::Connection& conn, const std::string& item) {
  conn.prepare("DELETE FROM review_leases WHERE item = ?").bind(1, item).run();
}

// --------------------------------------------------------------- snapshots

struct RowState {
  bool is_signed = false;
  std::optional<std::string> postal_code;
  std::string status;
  std::int64_t version = 0;
  std::int64_t page_id = 0;
  json to_json() const {
    return {{"signed", is_signed},
            {"postal_code", optional_json(postal_code)},
            {"status", status},
            {"version", version}};
  }
};

std::optional<RowState> row_state(db::Connection& conn, std::int64_t row_id) {
  auto st =
      conn.prepare("SELECT signed, postal_code, status, version, page_id FROM rows WHERE id = ?");
  st.bind(1, row_id);
  if (!st.step()) return std::nullopt;
  return RowState{st.integer(0) != 0, st.optional_text(1), st.text(2), st.int64(3), st.int64(4)};
}

// Writes a row's values with the optimistic check; false when the version moved.
bool write_row(db::Connection& conn, std::int64_t row_id, std::int64_t expected_version,
               bool is_signed, const std::optional<std::string>& code, const std::string& status) {
  conn.prepare(
          "UPDATE rows SET signed = ?, postal_code = ?, status = ?, version = version + 1 "
          "WHERE id = ? AND version = ?")
      .bind(1, is_signed)
      .bind(2, code)
      .bind(3, status)
      .bind(4, row_id)
      .bind(5, expected_version)
      .run();
  return conn.changes() == 1;
}

// A page and its rows, as recorded before and after a sheet-level decision.
std::optional<json> page_state(db::Connection& conn, std::int64_t page_id) {
  auto st = conn.prepare("SELECT kind, status, duplicate_status, version FROM pages WHERE id = ?");
  st.bind(1, page_id);
  if (!st.step()) return std::nullopt;
  json page = {{"kind", st.text(0)},
               {"status", st.text(1)},
               {"duplicate_status", optional_json(st.optional_text(2))},
               {"version", st.int64(3)},
               {"rows", json::array()}};
  auto rows = conn.prepare(
      "SELECT id, row_no, signed, postal_code, status, version FROM rows WHERE page_id = ? "
      "ORDER BY row_no");
  rows.bind(1, page_id);
  while (rows.step()) {
    page["rows"].push_back({{"id", rows.int64(0)},
                            {"row_no", rows.integer(1)},
                            {"signed", rows.integer(2) != 0},
                            {"postal_code", optional_json(rows.optional_text(3))},
                            {"status", rows.text(4)},
                            {"version", rows.int64(5)}});
  }
  return page;
}

std::int64_t record_decision(db::Connection& conn, std::optional<std::int64_t> row_id,
                             std::int64_t page_id, const Reviewer& who, const std::string& action,
                             const json& before, const json& after) {
  conn.prepare(
          "INSERT INTO decisions(row_id, page_id, reviewer, action, before, after) "
          "VALUES (?, ?, ?, ?, ?, ?)")
      .bind(1, row_id)
      .bind(2, page_id)
      .bind(3, who.name)
      .bind(4, action)
      .bind(5, before.dump())
      .bind(6, after.dump())
      .run();
  return conn.last_insert_id();
}

// Re-reads a row for a decision: 404 when unknown, 409 when another reviewer
// holds it or its version moved.
RowState row_for_write(db::Connection& conn, std::int64_t row_id, const std::string& item,
                       const Reviewer& who, std::int64_t version) {
  auto before = row_state(conn, row_id);
  if (!before) throw not_found();
  check_lease(conn, item, who, now_seconds());
  if (before->version != version) throw version_conflict();
  return *before;
}

// Writes the reviewer's values (status 'corrected', version + 1) and the
// audit record; returns {"decision": id, "row": the row after}.
json correct_row(db::Connection& conn, std::int64_t row_id, const RowState& before, bool is_signed,
                 const std::optional<std::string>& code, const Reviewer& who,
                 const std::string& action) {
  if (!write_row(conn, row_id, before.version, is_signed, code, "corrected")) {
    throw version_conflict();
  }
  const auto after = *row_state(conn, row_id);
  const auto decision =
      record_decision(conn, row_id, before.page_id, who, action, before.to_json(), after.to_json());
  return {{"decision", decision}, {"row", after.to_json()}};
}

// Re-reads a page for a page-level decision: 404 when unknown, 409 when
// another reviewer holds it or its version moved.
json page_for_write(db::Connection& conn, std::int64_t page_id, const std::string& item,
                    const Reviewer& who, std::int64_t version) {
  auto before = page_state(conn, page_id);
  if (!before) throw not_found();
  check_lease(conn, item, who, now_seconds());
  if ((*before)["version"].get<std::int64_t>() != version) throw version_conflict();
  return *before;
}

// Records a page-level decision (before/after with the page's rows), frees
// the item and commits.
json commit_page_decision(db::Connection& conn, db::Transaction& tx, const Reviewer& who,
                          std::int64_t page_id, const std::string& item, const std::string& action,
                          const json& before) {
  const json after = *page_state(conn, page_id);
  const auto decision = record_decision(conn, std::nullopt, page_id, who, action, before, after);
  drop_lease(conn, item);
  tx.commit();
  return {{"ok", true}, {"decision", decision}, {"action", action}, {"page", after}};
}

// ------------------------------------------------------------------ queue

// Appends up to `limit` keys of one kind of item, in queue order.
void candidates_of(db::Connection& conn, const std::string& sql, const char* prefix,
                   const Reviewer& who, const QueueFilter& filter, const json& skip, double now,
                   int limit, std::vector<std::string>& out) {
  auto st = conn.prepare(sql);
  st.bind(1, filter.reason)
      .bind(2, filter.batch)
      .bind(3, who.holder)
      .bind(4, now)
      .bind(5, skip.dump())
      .bind(6, limit);
  while (st.step()) out.push_back(prefix + std::to_string(st.int64(0)));
}

// Items an item query leaves out: leased by someone else, or skipped.
constexpr const char* kFreeSheet =
    " AND NOT EXISTS (SELECT 1 FROM review_leases l WHERE l.item = 'sheet:' || p.id "
    "  AND l.holder != ?3 AND l.expires_at > ?4)"
    " AND ('sheet:' || p.id) NOT IN (SELECT value FROM json_each(?5))";
constexpr const char* kFreeDup =
    " AND NOT EXISTS (SELECT 1 FROM review_leases l WHERE l.item = 'dup:' || p.id "
    "  AND l.holder != ?3 AND l.expires_at > ?4)"
    " AND ('dup:' || p.id) NOT IN (SELECT value FROM json_each(?5))";
constexpr const char* kFreeRow =
    " AND NOT EXISTS (SELECT 1 FROM review_leases l WHERE l.item = 'row:' || r.id "
    "  AND l.holder != ?3 AND l.expires_at > ?4)"
    " AND ('row:' || r.id) NOT IN (SELECT value FROM json_each(?5))";

// Rows that wait for a person one by one (a sheet under review is decided
// as a whole; the rows of a confirmed re-scan are not counted at all).
constexpr const char* kQueuedRow =
    "r.status = 'review' AND p.status != 'review' AND p.kind = 'signatures'"
    " AND (p.duplicate_status IS NULL OR p.duplicate_status != 'confirmed')";

std::vector<std::string> queue_candidates(db::Connection& conn, const Reviewer& who,
                                          const QueueFilter& filter,
                                          const std::vector<std::string>& skip, double now,
                                          int limit) {
  const json skip_json = skip;
  std::vector<std::string> keys;
  // Sheets first: one decision settles nine rows.
  candidates_of(conn,
                std::string("SELECT p.id FROM pages p JOIN files f ON f.id = p.file_id "
                            "WHERE p.status = 'review' AND (?1 = '' OR p.reason = ?1) "
                            "AND (?2 IS NULL OR f.batch_id = ?2)") +
                    kFreeSheet + " ORDER BY p.kind_confidence, p.id LIMIT ?6",
                "sheet:", who, filter, skip_json, now, limit, keys);
  candidates_of(conn,
                std::string("SELECT p.id FROM pages p JOIN files f ON f.id = p.file_id "
                            "WHERE p.duplicate_status = 'suspected' AND p.status != 'review' "
                            "AND (?1 = '' OR ?1 = 'suspected_duplicate') "
                            "AND (?2 IS NULL OR f.batch_id = ?2)") +
                    kFreeDup + " ORDER BY p.id LIMIT ?6",
                "dup:", who, filter, skip_json, now, limit, keys);
  candidates_of(conn,
                std::string("SELECT r.id FROM rows r JOIN pages p ON p.id = r.page_id "
                            "JOIN files f ON f.id = p.file_id WHERE ") +
                    kQueuedRow +
                    " AND (?1 = '' OR instr(',' || r.reason || ',', ',' || ?1 || ',') > 0)"
                    " AND (?2 IS NULL OR f.batch_id = ?2)" +
                    kFreeRow + " ORDER BY r.confidence, r.id LIMIT ?6",
                "row:", who, filter, skip_json, now, limit, keys);
  if (keys.size() > static_cast<size_t>(limit)) keys.resize(static_cast<size_t>(limit));
  return keys;
}

// ------------------------------------------------------------------ details

std::string row_image_url(std::int64_t id, const char* part) {
  return "/api/image/row/" + std::to_string(id) + "/" + part;
}
std::string page_image_url(std::int64_t id) { return "/api/image/page/" + std::to_string(id); }

bool has_box(const json& boxes, const char* part) {
  return boxes.is_object() && boxes.contains(part) && boxes[part].is_array() &&
         boxes[part].size() == 4;
}

json row_detail(db::Connection& conn, std::int64_t row_id) {
  auto st = conn.prepare(
      "SELECT r.page_id, r.row_no, r.signed, r.postal_code, r.confidence, r.status, r.reason, "
      "r.machine_signed, r.machine_code, r.signed_confidence, r.code_confidence, "
      "r.alternatives, r.boxes, r.version, p.page_no, f.name, b.name "
      "FROM rows r JOIN pages p ON p.id = r.page_id JOIN files f ON f.id = p.file_id "
      "JOIN batches b ON b.id = f.batch_id WHERE r.id = ?");
  st.bind(1, row_id);
  if (!st.step()) throw not_found();
  const std::int64_t page_id = st.int64(0);
  const int row_no = st.integer(1);
  const json boxes = parse_json_column(st.text(12), json::object());
  json images = json::object();
  for (const char* part : {"row", "signature", "code"}) {
    images[part] = has_box(boxes, part) ? json(row_image_url(row_id, part)) : json(nullptr);
  }
  json alternatives = json::array();
  for (const auto& a : parse_json_column(st.text(11), json::array())) {
    if (a.is_object() && a.contains("code") && a["code"].is_string() && a.contains("p") &&
        a["p"].is_number()) {
      alternatives.push_back({{"code", a["code"]}, {"p", a["p"]}});
    }
  }
  json item = {{"type", "row"},
               {"key", "row:" + std::to_string(row_id)},
               {"id", row_id},
               {"page_id", page_id},
               {"row_no", row_no},
               {"signed", st.integer(2) != 0},
               {"postal_code", optional_json(st.optional_text(3))},
               {"confidence", st.real(4)},
               {"status", st.text(5)},
               {"reasons", split_reasons(st.text(6))},
               {"machine_signed", st.integer(7) != 0},
               {"machine_code", optional_json(st.optional_text(8))},
               {"signed_confidence", st.real(9)},
               {"code_confidence", st.real(10)},
               {"alternatives", alternatives},
               {"version", st.int64(13)},
               {"page_no", st.integer(14)},
               {"source", st.text(15)},
               {"batch", st.text(16)},
               {"images", images},
               {"neighbours", json::array()}};
  auto nb = conn.prepare(
      "SELECT id, row_no, signed, postal_code, status, boxes FROM rows "
      "WHERE page_id = ? AND row_no IN (?, ?) ORDER BY row_no");
  nb.bind(1, page_id).bind(2, row_no - 1).bind(3, row_no + 1);
  while (nb.step()) {
    const json nboxes = parse_json_column(nb.text(5), json::object());
    item["neighbours"].push_back(
        {{"id", nb.int64(0)},
         {"row_no", nb.integer(1)},
         {"signed", nb.integer(2) != 0},
         {"postal_code", optional_json(nb.optional_text(3))},
         {"status", nb.text(4)},
         {"image",
          has_box(nboxes, "row") ? json(row_image_url(nb.int64(0), "row")) : json(nullptr)}});
  }
  return item;
}

json page_summary(db::Connection& conn, std::int64_t page_id) {
  auto st = conn.prepare(
      "SELECT p.page_no, p.kind, p.status, p.reason, p.version, p.duplicate_of, "
      "p.duplicate_status, f.name, b.name FROM pages p JOIN files f ON f.id = p.file_id "
      "JOIN batches b ON b.id = f.batch_id WHERE p.id = ?");
  st.bind(1, page_id);
  if (!st.step()) throw not_found();
  return {{"id", page_id},
          {"page_no", st.integer(0)},
          {"kind", st.text(1)},
          {"status", st.text(2)},
          {"reason", st.text(3)},
          {"version", st.int64(4)},
          {"duplicate_of", st.is_null(5) ? json(nullptr) : json(st.int64(5))},
          {"duplicate_status", optional_json(st.optional_text(6))},
          {"source", st.text(7)},
          {"batch", st.text(8)},
          {"image", page_image_url(page_id)}};
}

json sheet_detail(db::Connection& conn, std::int64_t page_id) {
  json item = page_summary(conn, page_id);
  item["type"] = "sheet";
  item["key"] = "sheet:" + std::to_string(page_id);
  item["rows"] = json::array();
  auto st = conn.prepare(
      "SELECT row_no, signed, postal_code FROM rows WHERE page_id = ? ORDER BY row_no");
  st.bind(1, page_id);
  while (st.step()) {
    item["rows"].push_back({{"row_no", st.integer(0)},
                            {"signed", st.integer(1) != 0},
                            {"postal_code", optional_json(st.optional_text(2))}});
  }
  return item;
}

json duplicate_detail(db::Connection& conn, std::int64_t page_id) {
  json item = page_summary(conn, page_id);
  if (item["duplicate_of"].is_null()) throw not_found();
  item["type"] = "duplicate";
  item["key"] = "dup:" + std::to_string(page_id);
  item["other"] = page_summary(conn, item["duplicate_of"].get<std::int64_t>());
  return item;
}

json detail(db::Connection& conn, const ItemKey& key) {
  switch (key.type) {
    case ItemKey::Type::Row:
      return row_detail(conn, key.id);
    case ItemKey::Type::Sheet:
      return sheet_detail(conn, key.id);
    case ItemKey::Type::Duplicate:
      return duplicate_detail(conn, key.id);
  }
  throw not_found();
}

std::vector<json> upcoming_details(db::Connection& conn, const std::vector<std::string>& keys) {
  std::vector<json> out;
  for (const auto& k : keys) {
    if (auto key = parse_item_key(k)) out.push_back(detail(conn, *key));
  }
  return out;
}

int rotation_of(const std::string& geometry_text) {
  const json g = parse_json_column(geometry_text, json::object());
  if (g.is_object() && g.contains("rotation_deg") && g["rotation_deg"].is_number_integer()) {
    const int r = g["rotation_deg"].get<int>();
    if (r == 0 || r == 90 || r == 180 || r == 270) return r;
  }
  return 0;
}

json qa_tally(db::Connection& conn) {
  auto st = conn.prepare("SELECT count(*), coalesce(sum(correct = 0), 0) FROM qa_checks");
  st.step();
  return {{"checked", st.int64(0)}, {"errors", st.int64(1)}};
}

}  // namespace

// ------------------------------------------------------------------ pool

StorePool::StorePool(std::filesystem::path db) : db_(std::move(db)) {}

StorePool::Lease::~Lease() {
  std::lock_guard lock(pool_.mutex_);
  pool_.idle_.push_back(std::move(store_));
}

StorePool::Lease StorePool::acquire() {
  {
    std::lock_guard lock(mutex_);
    if (!idle_.empty()) {
      auto store = std::move(idle_.back());
      idle_.pop_back();
      return Lease(*this, std::move(store));
    }
  }
  return Lease(*this, std::make_unique<Store>(db_));
}

// ------------------------------------------------------------------ service

ReviewService::ReviewService(std::filesystem::path db)
    : db_dir_(std::filesystem::absolute(db).parent_path()), pool_(db) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(db, ec)) {
    throw DatabaseError(tr("base du projet introuvable : " + db.string() +
                               " (lancez d'abord « petiscan scan », ou indiquez --db)",
                           "project database not found: " + db.string() +
                               " (run \"petiscan scan\" first, or give --db)"));
  }
  pool_.acquire();  // opens (and migrates) the database now: a bad path fails at start
}

json ReviewService::filters() {
  auto store = pool_.acquire();
  auto& conn = store->connection();
  std::map<std::string, std::int64_t> reasons;
  auto rows = conn.prepare(std::string("SELECT r.reason, count(*) FROM rows r JOIN pages p ON "
                                       "p.id = r.page_id WHERE ") +
                           kQueuedRow + " GROUP BY r.reason");
  while (rows.step()) {
    for (const auto& r : split_reasons(rows.text(0))) reasons[r] += rows.int64(1);
  }
  auto pages =
      conn.prepare("SELECT reason, count(*) FROM pages WHERE status = 'review' GROUP BY reason");
  while (pages.step()) reasons[pages.text(0)] += pages.int64(1);
  auto dups = conn.prepare(
      "SELECT count(*) FROM pages WHERE duplicate_status = 'suspected' AND status != 'review'");
  dups.step();
  if (dups.int64(0) > 0) reasons["suspected_duplicate"] += dups.int64(0);
  json out = {{"reasons", json::array()}, {"batches", json::array()}};
  for (const auto& [reason, n] : reasons) {
    if (!reason.empty()) out["reasons"].push_back({{"reason", reason}, {"count", n}});
  }
  auto batches = conn.prepare("SELECT id, name, started_at FROM batches ORDER BY id");
  while (batches.step()) {
    out["batches"].push_back(
        {{"id", batches.int64(0)}, {"name", batches.text(1)}, {"started_at", batches.text(2)}});
  }
  return out;
}

json ReviewService::progress(const Reviewer& who) {
  auto store = pool_.acquire();
  auto& conn = store->connection();
  auto count = [&](const std::string& sql, const std::optional<std::string>& arg) {
    auto st = conn.prepare(sql);
    if (arg) st.bind(1, *arg);
    st.step();
    return st.int64(0);
  };
  const std::string rows_left_sql =
      std::string("SELECT count(*) FROM rows r JOIN pages p ON p.id = r.page_id WHERE ") +
      kQueuedRow;
  // Decisions that still stand (undone ones and the undo records do not count).
  const std::string standing = "action != 'undo' AND undone_by IS NULL";
  const std::string today = " AND date(decided_at, 'localtime') = date('now', 'localtime')";
  const std::string last_hour =
      " AND decided_at >= strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-1 hour')";
  json p = {{"rows_left", count(rows_left_sql, std::nullopt)},
            {"sheets_left",
             count("SELECT count(*) FROM pages WHERE status = 'review' OR duplicate_status = "
                   "'suspected'",
                   std::nullopt)},
            {"done_today",
             count("SELECT count(*) FROM decisions WHERE " + standing + today, std::nullopt)},
            {"mine_today",
             count("SELECT count(*) FROM decisions WHERE reviewer = ? AND " + standing + today,
                   who.name)},
            {"my_rows_per_hour",
             count("SELECT count(*) FROM decisions WHERE reviewer = ? AND " + standing + last_hour,
                   who.name)},
            {"team_rows_per_hour",
             count("SELECT count(*) FROM decisions WHERE " + standing + last_hour, std::nullopt)},
            {"accepted_rows",
             count("SELECT count(*) FROM rows r JOIN pages p ON p.id = r.page_id WHERE r.status = "
                   "'accepted' AND p.kind = 'signatures'",
                   std::nullopt)},
            {"qa", qa_tally(conn)}};
  return p;
}

json ReviewService::next(const Reviewer& who, const QueueFilter& filter,
                         const std::vector<std::string>& skip) {
  auto store = pool_.acquire();
  auto& conn = store->connection();
  const double now = now_seconds();
  db::Transaction tx(conn);  // IMMEDIATE: two reviewers never pick the same item
  auto keys = queue_candidates(conn, who, filter, skip, now, 1 + kUpcomingItems);
  json out = {{"item", nullptr}, {"upcoming", json::array()}};
  if (keys.empty()) {
    conn.prepare("DELETE FROM review_leases WHERE holder = ?").bind(1, who.holder).run();
  } else {
    take_lease(conn, keys.front(), who, now);
    out["item"] = detail(conn, *parse_item_key(keys.front()));
    out["upcoming"] = upcoming_details(conn, {keys.begin() + 1, keys.end()});
  }
  tx.commit();
  return out;
}

json ReviewService::open(const Reviewer& who, const ItemKey& key) {
  auto store = pool_.acquire();
  auto& conn = store->connection();
  const double now = now_seconds();
  db::Transaction tx(conn);
  json item = detail(conn, key);  // 404 before anything is leased
  check_lease(conn, key.str(), who, now);
  take_lease(conn, key.str(), who, now);
  tx.commit();
  return {{"item", item}, {"upcoming", json::array()}};
}

void ReviewService::release(const Reviewer& who) {
  auto store = pool_.acquire();
  store->connection()
      .prepare("DELETE FROM review_leases WHERE holder = ?")
      .bind(1, who.holder)
      .run();
}

json ReviewService::decide_row(const Reviewer& who, std::int64_t row_id, std::int64_t version,
                               bool is_signed, const std::optional<std::string>& postal_code,
                               CodeMark mark) {
  if (mark != CodeMark::None && postal_code) {
    throw bad_request("postal_code", "doit être null pour « pas de code » ou « illisible »",
                      "must be null with \"no code\" or \"illegible\"");
  }
  auto store = pool_.acquire();
  auto& conn = store->connection();
  const std::string item = "row:" + std::to_string(row_id);
  db::Transaction tx(conn);
  const RowState before = row_for_write(conn, row_id, item, who, version);
  const std::string action = mark == CodeMark::NoCode      ? "no_code"
                             : mark == CodeMark::Illegible ? "illegible"
                             : (is_signed == before.is_signed && postal_code == before.postal_code)
                                 ? "accept"
                                 : "correct";
  json out = correct_row(conn, row_id, before, is_signed, postal_code, who, action);
  drop_lease(conn, item);
  tx.commit();
  out["ok"] = true;
  out["action"] = action;
  return out;
}

json ReviewService::decide_sheet(const Reviewer& who, std::int64_t page_id, std::int64_t version,
                                 bool not_a_sheet, const std::vector<SheetRowInput>& rows) {
  std::map<int, const SheetRowInput*> by_row;
  for (const auto& r : rows) {
    if (r.row_no < 1 || r.row_no > kRowsPerSheet || !by_row.emplace(r.row_no, &r).second) {
      throw bad_request("rows", "numéros de ligne de 1 à 9, chacun une fois",
                        "row numbers 1 to 9, each once");
    }
  }
  if (not_a_sheet && !rows.empty()) {
    throw bad_request("rows", "pas de lignes pour une page qui n'est pas une feuille",
                      "no rows for a page that is not a signature sheet");
  }
  auto store = pool_.acquire();
  auto& conn = store->connection();
  const std::string item = "sheet:" + std::to_string(page_id);
  db::Transaction tx(conn);
  const json before = page_for_write(conn, page_id, item, who, version);

  std::set<int> present;
  for (const auto& r : before["rows"]) {
    const int row_no = r["row_no"].get<int>();
    present.insert(row_no);
    auto it = by_row.find(row_no);
    const bool is_signed = it != by_row.end() && it->second->is_signed;
    const auto code = it != by_row.end() ? it->second->postal_code : std::nullopt;
    write_row(conn, r["id"].get<std::int64_t>(), r["version"].get<std::int64_t>(), is_signed, code,
              "corrected");
  }
  if (!not_a_sheet) {
    // A sheet recorded without its rows gets them now, as typed.
    auto ins = conn.prepare(
        "INSERT INTO rows(page_id, row_no, signed, postal_code, confidence, status, reason, "
        "machine_signed, machine_code) VALUES (?, ?, ?, ?, 0, 'corrected', 'table_not_found', 0, "
        "NULL)");
    for (int row_no = 1; row_no <= kRowsPerSheet; ++row_no) {
      if (present.count(row_no)) continue;
      auto it = by_row.find(row_no);
      ins.bind(1, page_id)
          .bind(2, row_no)
          .bind(3, it != by_row.end() && it->second->is_signed)
          .bind(4, it != by_row.end() ? it->second->postal_code : std::nullopt);
      ins.run();
      ins.reset();
    }
  }
  conn.prepare(
          "UPDATE pages SET kind = ?, status = 'done', version = version + 1 WHERE id = ? AND "
          "version = ?")
      .bind(1, not_a_sheet ? "other" : "signatures")
      .bind(2, page_id)
      .bind(3, version)
      .run();
  if (conn.changes() != 1) throw version_conflict();
  return commit_page_decision(conn, tx, who, page_id, item,
                              not_a_sheet ? "not_a_sheet" : "sheet_rows", before);
}

json ReviewService::decide_duplicate(const Reviewer& who, std::int64_t page_id,
                                     std::int64_t version, bool confirm) {
  auto store = pool_.acquire();
  auto& conn = store->connection();
  const std::string item = "dup:" + std::to_string(page_id);
  db::Transaction tx(conn);
  const json before = page_for_write(conn, page_id, item, who, version);
  if (before["duplicate_status"].is_null()) throw not_found();
  conn.prepare(
          "UPDATE pages SET duplicate_status = ?, version = version + 1 WHERE id = ? AND "
          "version = ?")
      .bind(1, confirm ? "confirmed" : "rejected")
      .bind(2, page_id)
      .bind(3, version)
      .run();
  if (conn.changes() != 1) throw version_conflict();
  return commit_page_decision(conn, tx, who, page_id, item,
                              confirm ? "duplicate_confirm" : "duplicate_reject", before);
}

json ReviewService::undo(const Reviewer& who) {
  auto store = pool_.acquire();
  auto& conn = store->connection();
  const double now = now_seconds();
  db::Transaction tx(conn);
  auto last = conn.prepare(
      "SELECT id, row_id, page_id, action, before, after FROM decisions "
      "WHERE reviewer = ? AND action != 'undo' AND undone_by IS NULL ORDER BY id DESC LIMIT 1");
  last.bind(1, who.name);
  if (!last.step()) {
    throw ApiError(404, "nothing_to_undo", "aucune décision à annuler", "no decision to undo");
  }
  const std::int64_t decision_id = last.int64(0);
  const auto row_id = last.optional_int64(1);
  const std::int64_t page_id = last.int64(2);
  const std::string action = last.text(3);
  const json before = parse_json_column(last.text(4), json::object());
  const json after = parse_json_column(last.text(5), json::object());
  const ApiError changed(409, "changed_since",
                         "impossible d'annuler : l'élément a été modifié depuis",
                         "cannot undo: the item was changed since");
  ItemKey key;
  json current, restored;
  if (row_id) {
    key = {ItemKey::Type::Row, *row_id};
    auto now_state = row_state(conn, *row_id);
    if (!now_state || now_state->version != after.value("version", std::int64_t{-1})) throw changed;
    check_lease(conn, key.str(), who, now);
    current = now_state->to_json();
    const auto code = before["postal_code"].is_string()
                          ? std::optional<std::string>(before["postal_code"].get<std::string>())
                          : std::nullopt;
    write_row(conn, *row_id, now_state->version, before["signed"].get<bool>(), code,
              before["status"].get<std::string>());
    restored = row_state(conn, *row_id)->to_json();
    if (action == "qa_correct") {
      conn.prepare(
              "DELETE FROM qa_checks WHERE id = (SELECT max(id) FROM qa_checks WHERE row_id = ? "
              "AND reviewer = ?)")
          .bind(1, *row_id)
          .bind(2, who.name)
          .run();
    }
  } else {
    key = {action.rfind("duplicate", 0) == 0 ? ItemKey::Type::Duplicate : ItemKey::Type::Sheet,
           page_id};
    auto now_state = page_state(conn, page_id);
    if (!now_state || (*now_state)["version"] != after["version"]) throw changed;
    std::map<std::int64_t, std::int64_t> versions;
    for (const auto& r : (*now_state)["rows"]) {
      versions[r["id"].get<std::int64_t>()] = r["version"].get<std::int64_t>();
    }
    for (const auto& r : after["rows"]) {
      if (versions[r["id"].get<std::int64_t>()] != r["version"].get<std::int64_t>()) throw changed;
    }
    check_lease(conn, key.str(), who, now);
    current = *now_state;
    std::set<std::int64_t> kept;
    for (const auto& r : before["rows"]) {
      const auto id = r["id"].get<std::int64_t>();
      kept.insert(id);
      const auto code = r["postal_code"].is_string()
                            ? std::optional<std::string>(r["postal_code"].get<std::string>())
                            : std::nullopt;
      write_row(conn, id, versions[id], r["signed"].get<bool>(), code,
                r["status"].get<std::string>());
    }
    for (const auto& [id, v] : versions) {
      if (!kept.count(id)) conn.prepare("DELETE FROM rows WHERE id = ?").bind(1, id).run();
    }
    conn.prepare(
            "UPDATE pages SET kind = ?, status = ?, duplicate_status = ?, version = version + 1 "
            "WHERE id = ?")
        .bind(1, before["kind"].get<std::string>())
        .bind(2, before["status"].get<std::string>())
        .bind(3, before["duplicate_status"].is_string()
                     ? std::optional<std::string>(before["duplicate_status"].get<std::string>())
                     : std::nullopt)
        .bind(4, page_id)
        .run();
    restored = *page_state(conn, page_id);
  }
  const auto undo_id = record_decision(conn, row_id, page_id, who, "undo", current, restored);
  conn.prepare("UPDATE decisions SET undone_by = ? WHERE id = ?")
      .bind(1, undo_id)
      .bind(2, decision_id)
      .run();
  take_lease(conn, key.str(), who, now);
  json item = detail(conn, key);
  tx.commit();
  return {{"ok", true}, {"undone", {{"key", key.str()}, {"action", action}}}, {"item", item}};
}

json ReviewService::qa_next(const Reviewer& who, const QueueFilter& filter,
                            const std::vector<std::string>& skip) {
  auto store = pool_.acquire();
  auto& conn = store->connection();
  const double now = now_seconds();
  db::Transaction tx(conn);
  auto st = conn.prepare(
      std::string("SELECT r.id FROM rows r JOIN pages p ON p.id = r.page_id JOIN files f ON f.id "
                  "= p.file_id WHERE r.status = 'accepted' AND p.kind = 'signatures' AND "
                  "p.status = 'done' AND r.boxes != '{}' AND NOT EXISTS (SELECT 1 FROM qa_checks "
                  "q WHERE q.row_id = r.id) AND (?2 IS NULL OR f.batch_id = ?2)") +
      kFreeRow + " ORDER BY random() LIMIT ?6");
  st.bind(1, filter.reason)
      .bind(2, filter.batch)
      .bind(3, who.holder)
      .bind(4, now)
      .bind(5, json(skip).dump())
      .bind(6, 1);
  json out = {{"item", nullptr}, {"upcoming", json::array()}, {"qa", nullptr}};
  if (st.step()) {
    const ItemKey key{ItemKey::Type::Row, st.int64(0)};
    take_lease(conn, key.str(), who, now);
    out["item"] = row_detail(conn, key.id);
  }
  out["qa"] = qa_tally(conn);
  tx.commit();
  return out;
}

json ReviewService::qa_check(const Reviewer& who, std::int64_t row_id, std::int64_t version,
                             bool is_signed, const std::optional<std::string>& postal_code,
                             const std::optional<std::string>& note) {
  auto store = pool_.acquire();
  auto& conn = store->connection();
  const std::string item = "row:" + std::to_string(row_id);
  db::Transaction tx(conn);
  const RowState before = row_for_write(conn, row_id, item, who, version);
  if (before.status != "accepted") {
    throw ApiError(409, "not_accepted",
                   "cette ligne a déjà été révisée : elle ne fait plus partie de l'échantillon",
                   "this row was reviewed meanwhile: it is no longer part of the sample");
  }
  const bool correct = is_signed == before.is_signed && postal_code == before.postal_code;
  conn.prepare(
          "INSERT INTO qa_checks(row_id, reviewer, checked_at, correct, note) "
          "VALUES (?, ?, strftime('%Y-%m-%dT%H:%M:%fZ','now'), ?, ?)")
      .bind(1, row_id)
      .bind(2, who.name)
      .bind(3, correct)
      .bind(4, note)
      .run();
  json out = {{"ok", true}, {"correct", correct}};
  if (!correct) {
    // The error found is fixed as well: the count must not keep it.
    out.update(correct_row(conn, row_id, before, is_signed, postal_code, who, "qa_correct"));
  }
  drop_lease(conn, item);
  out["qa"] = qa_tally(conn);
  tx.commit();
  return out;
}

std::filesystem::path ReviewService::original_path(const std::string& recorded) const {
  const std::filesystem::path path(recorded);
  std::error_code ec;
  if (path.is_relative() && !std::filesystem::exists(path, ec) &&
      std::filesystem::exists(db_dir_ / path, ec)) {
    return db_dir_ / path;
  }
  return path;
}

ImageSource ReviewService::row_image(std::int64_t row_id, RowPart part) {
  auto store = pool_.acquire();
  auto st = store->connection().prepare(
      "SELECT r.boxes, p.id, p.page_no, p.content_hash, p.geometry, f.path, f.name "
      "FROM rows r JOIN pages p ON p.id = r.page_id JOIN files f ON f.id = p.file_id "
      "WHERE r.id = ?");
  st.bind(1, row_id);
  if (!st.step()) throw not_found();
  const json boxes = parse_json_column(st.text(0), json::object());
  const char* name = part == RowPart::Row         ? "row"
                     : part == RowPart::Signature ? "signature"
                                                  : "code";
  std::optional<Quad> quad;
  if (boxes.is_object() && boxes.contains(name)) quad = quad_from_json(boxes[name]);
  if (!quad) {
    throw ApiError(404, "no_box", "pas de cadre pour cette case", "no box for this cell");
  }
  ImageSource src;
  src.page_id = st.int64(1);
  src.page_no = st.integer(2);
  src.content_hash = st.text(3);
  src.rotation_deg = 0;  // boxes are corners of the upright content already
  src.path = original_path(st.text(5));
  src.file_name = st.text(6);
  src.quad = quad;
  return src;
}

ImageSource ReviewService::page_image(std::int64_t page_id) {
  auto store = pool_.acquire();
  auto st = store->connection().prepare(
      "SELECT p.page_no, p.content_hash, p.geometry, f.path, f.name, p.status "
      "FROM pages p JOIN files f ON f.id = p.file_id WHERE p.id = ?");
  st.bind(1, page_id);
  if (!st.step() || st.text(5) == "failed") throw not_found();
  ImageSource src;
  src.page_id = page_id;
  src.page_no = st.integer(0);
  src.content_hash = st.text(1);
  src.rotation_deg = rotation_of(st.text(2));
  src.path = original_path(st.text(3));
  src.file_name = st.text(4);
  return src;
}

}  // namespace petiscan::review
