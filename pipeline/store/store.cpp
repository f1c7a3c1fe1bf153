#include "store/store.h"

#include <cmath>

#include "core/errors.h"
#include "store/schema.h"

namespace petiscan {

nlohmann::json quad_json(const Quad& q) {
  auto arr = nlohmann::json::array();
  for (const auto& p : q.pts) arr.push_back({std::round(p.x * 10) / 10, std::round(p.y * 10) / 10});
  return arr;
}

std::optional<Quad> quad_from_json(const nlohmann::json& points) {
  if (!points.is_array() || points.size() != 4) return std::nullopt;
  Quad q;
  for (size_t i = 0; i < 4; ++i) {
    const auto& p = points[i];
    if (!p.is_array() || p.size() != 2 || !p[0].is_number() || !p[1].is_number()) {
      return std::nullopt;
    }
    const double x = p[0].get<double>(), y = p[1].get<double>();
    if (!std::isfinite(x) || !std::isfinite(y)) return std::nullopt;
    q.pts[i] = cv::Point2f(static_cast<float>(x), static_cast<float>(y));
  }
  // A box narrower or lower than this (pixels) holds nothing a person can read.
  constexpr double kMinBoxSide = 2;
  const auto& p = q.pts;
  if (cv::norm(p[1] - p[0]) < kMinBoxSide || cv::norm(p[3] - p[0]) < kMinBoxSide ||
      cv::norm(p[2] - p[3]) < kMinBoxSide || cv::norm(p[2] - p[1]) < kMinBoxSide) {
    return std::nullopt;
  }
  return q;
}

Store::Store(const std::filesystem::path& path, db::Connection::Mode mode) : conn_(path, mode) {
  if (mode == db::Connection::Mode::ReadWrite) {
    conn_.exec("PRAGMA journal_mode=WAL");
    // NORMAL is durable in WAL mode against a process crash (what resume needs);
    // a power cut may lose the last transactions but never corrupts the file.
    conn_.exec("PRAGMA synchronous=NORMAL");
    conn_.exec("PRAGMA foreign_keys=ON");
    db::migrate(conn_);
  } else {
    auto st = conn_.prepare("PRAGMA user_version");
    int v = st.step() ? st.integer(0) : 0;
    if (v == 0) throw DatabaseError(path.string() + ": not a petiscan project database");
    if (v > db::schema_version()) {
      throw DatabaseError(path.string() + ": made by a newer petiscan; upgrade petiscan");
    }
  }
}

std::int64_t Store::begin_batch(const std::string& name, const std::string& command) {
  conn_.prepare("INSERT INTO batches(name, command) VALUES (?, ?)")
      .bind(1, name)
      .bind(2, command)
      .run();
  return conn_.last_insert_id();
}

void Store::finish_batch(std::int64_t batch_id) {
  conn_
      .prepare("UPDATE batches SET finished_at = strftime('%Y-%m-%dT%H:%M:%SZ','now') WHERE id = ?")
      .bind(1, batch_id)
      .run();
}

std::optional<FileRecord> Store::find_file(const std::string& sha256) {
  auto st = conn_.prepare(
      "SELECT id, sha256, path, name, size, format, page_count, status, error FROM files "
      "WHERE sha256 = ?");
  st.bind(1, sha256);
  if (!st.step()) return std::nullopt;
  FileRecord f;
  f.id = st.int64(0);
  f.sha256 = st.text(1);
  f.path = st.text(2);
  f.name = st.text(3);
  f.size = st.int64(4);
  f.format = st.text(5);
  if (!st.is_null(6)) f.page_count = st.integer(6);
  f.status = st.text(7);
  f.error = st.optional_text(8);
  return f;
}

std::int64_t Store::add_file(const FileRecord& file, std::int64_t batch_id) {
  conn_
      .prepare(
          "INSERT INTO files(sha256, path, name, size, format, batch_id, status) "
          "VALUES (?, ?, ?, ?, ?, ?, 'pending')")
      .bind(1, file.sha256)
      .bind(2, file.path)
      .bind(3, file.name)
      .bind(4, file.size)
      .bind(5, file.format)
      .bind(6, batch_id)
      .run();
  return conn_.last_insert_id();
}

void Store::set_file_pages(std::int64_t file_id, int page_count, const std::string& format) {
  conn_.prepare("UPDATE files SET page_count = ?, format = ? WHERE id = ?")
      .bind(1, page_count)
      .bind(2, format)
      .bind(3, file_id)
      .run();
}

void Store::fail_file(std::int64_t file_id, const std::string& error) {
  conn_.prepare("UPDATE files SET status = 'failed', error = ? WHERE id = ?")
      .bind(1, error)
      .bind(2, file_id)
      .run();
}

std::optional<std::string> Store::close_file(std::int64_t file_id) {
  auto st = conn_.prepare(
      "SELECT page_no, reason FROM pages WHERE file_id = ? AND status = 'failed' "
      "ORDER BY page_no");
  st.bind(1, file_id);
  std::optional<std::string> error;
  int failed = 0;
  while (st.step()) {
    if (!error) error = "page " + std::to_string(st.integer(0)) + ": " + st.text(1);
    ++failed;
  }
  if (failed > 1) *error += " (+" + std::to_string(failed - 1) + " more unreadable pages)";
  conn_.prepare("UPDATE files SET status = ?, error = ? WHERE id = ?")
      .bind(1, error ? "failed" : "done")
      .bind(2, error)
      .bind(3, file_id)
      .run();
  return error;
}

std::set<int> Store::recorded_pages(std::int64_t file_id) {
  std::set<int> pages;
  auto st = conn_.prepare("SELECT page_no FROM pages WHERE file_id = ?");
  st.bind(1, file_id);
  while (st.step()) pages.insert(st.integer(0));
  return pages;
}

std::optional<std::int64_t> Store::find_page_by_content(const std::string& content_hash) {
  auto st = conn_.prepare(
      "SELECT id FROM pages WHERE content_hash = ? AND status != 'failed' ORDER BY id LIMIT 1");
  st.bind(1, content_hash);
  if (!st.step()) return std::nullopt;
  return st.int64(0);
}

std::int64_t Store::save_page(const PageRecord& page, const std::vector<RowRecord>& rows) {
  db::Transaction tx(conn_);
  conn_
      .prepare(
          "INSERT INTO pages(file_id, page_no, content_hash, width, height, dpi, dpi_estimated, "
          "kind, kind_confidence, status, reason, geometry, duplicate_of, duplicate_status, "
          "timings, fingerprint) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)")
      .bind(1, page.file_id)
      .bind(2, page.page_no)
      .bind(3, page.content_hash)
      .bind(4, page.width)
      .bind(5, page.height)
      .bind(6, page.dpi)
      .bind(7, page.dpi_estimated)
      .bind(8, to_string(page.kind))
      .bind(9, page.kind_confidence)
      .bind(10, page.status)
      .bind(11, page.reason)
      .bind(12, page.geometry.dump())
      .bind(13, page.duplicate_of)
      .bind(14, page.duplicate_of ? std::optional<std::string>("suspected") : std::nullopt)
      .bind(15, page.timings.dump())
      .bind(16,
            page.fingerprint.empty() ? std::nullopt : std::optional<std::string>(page.fingerprint))
      .run();
  const std::int64_t page_id = conn_.last_insert_id();
  auto ins = conn_.prepare(
      "INSERT INTO rows(page_id, row_no, signed, postal_code, confidence, status, reason, "
      "machine_signed, machine_code, signed_confidence, code_confidence, alternatives, boxes) "
      "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)");
  for (const auto& r : rows) {
    ins.bind(1, page_id)
        .bind(2, r.row_no)
        .bind(3, r.is_signed)
        .bind(4, r.postal_code)
        .bind(5, r.confidence)
        .bind(6, to_string(r.status))
        .bind(7, r.reason)
        .bind(8, r.is_signed)
        .bind(9, r.postal_code)
        .bind(10, r.signed_confidence)
        .bind(11, r.code_confidence)
        .bind(12, r.alternatives.dump())
        .bind(13, r.boxes.dump());
    ins.run();
    ins.reset();
  }
  tx.commit();
  return page_id;
}

void Store::for_each_export_page(const std::function<void(const ExportPage&)>& fn) {
  auto st = conn_.prepare(
      "SELECT f.name, p.page_no, p.kind, p.status, p.reason, df.name, dp.page_no "
      "FROM pages p JOIN files f ON f.id = p.file_id "
      "LEFT JOIN pages dp ON dp.id = p.duplicate_of "
      "  AND (p.duplicate_status IS NULL OR p.duplicate_status != 'rejected') "
      "LEFT JOIN files df ON df.id = dp.file_id "
      "ORDER BY f.id, p.page_no");
  while (st.step()) {
    ExportPage p;
    p.source = st.text(0);
    p.page_no = st.integer(1);
    p.kind = st.text(2);
    p.status = st.text(3);
    p.reason = st.text(4);
    if (!st.is_null(5)) p.duplicate_of = std::make_pair(st.text(5), st.integer(6));
    fn(p);
  }
}

void Store::for_each_export_row(const std::function<void(const ExportRow&)>& fn) {
  auto st = conn_.prepare(
      "SELECT f.name, p.page_no, r.row_no, r.signed, r.postal_code, r.status, r.confidence, "
      "r.reason FROM rows r JOIN pages p ON p.id = r.page_id JOIN files f ON f.id = p.file_id "
      "WHERE p.kind = 'signatures' ORDER BY f.id, p.page_no, r.row_no");
  while (st.step()) {
    ExportRow r;
    r.source = st.text(0);
    r.page_no = st.integer(1);
    r.row_no = st.integer(2);
    r.is_signed = st.integer(3) != 0;
    r.postal_code = st.optional_text(4);
    r.status = st.text(5);
    r.confidence = st.real(6);
    r.reason = st.text(7);
    fn(r);
  }
}

}  // namespace petiscan
