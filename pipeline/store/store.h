// The project database: what the scanner records and what export reads.
// One Store per thread; SQLite in WAL mode lets readers (review, status)
// work while a scan writes.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "core/types.h"
#include "store/sqlite.h"

namespace petiscan {

// A box as rows.boxes keeps it: its 4 corners [[x, y], ...] in the original
// scan's pixels, to 0.1 px. Read back only when it is a box a person (or the
// fingerprint) can use: 4 finite points, every side at least 2 pixels.
nlohmann::json quad_json(const Quad& q);
std::optional<Quad> quad_from_json(const nlohmann::json& points);

struct FileRecord {
  std::int64_t id = 0;
  std::string sha256;
  std::string path;  // as given on the command line (or found in a folder)
  std::string name;  // base name: the CONTRACT's `source`
  std::int64_t size = 0;
  std::string format;
  std::optional<int> page_count;
  std::string status;  // pending | done | failed
  std::optional<std::string> error;
};

struct PageRecord {
  std::int64_t id = 0;
  std::int64_t file_id = 0;
  int page_no = 0;
  std::string content_hash;
  int width = 0, height = 0;
  double dpi = 0;
  bool dpi_estimated = false;
  PageKind kind = PageKind::Other;
  double kind_confidence = 0;
  std::string status = "done";  // done | review | failed
  std::string reason;
  nlohmann::json geometry = nlohmann::json::object();
  std::optional<std::int64_t> duplicate_of;
  std::string fingerprint;  // re-scan detection (dedup/rescan.h); empty when none
  nlohmann::json timings = nlohmann::json::object();
};

struct RowRecord {
  int row_no = 0;
  bool is_signed = false;
  std::optional<std::string> postal_code;
  double confidence = 0;
  RowStatus status = RowStatus::Review;
  std::string reason;
  double signed_confidence = 0;
  double code_confidence = 0;
  nlohmann::json alternatives = nlohmann::json::array();
  nlohmann::json boxes = nlohmann::json::object();
};

// One page as the export sees it.
struct ExportPage {
  std::string source;
  int page_no = 0;
  std::string kind;
  std::string status;
  std::string reason;
  std::optional<std::pair<std::string, int>> duplicate_of;  // (source, page)
};

struct ExportRow {
  std::string source;
  int page_no = 0;
  int row_no = 0;
  bool is_signed = false;
  std::optional<std::string> postal_code;
  std::string status;
  double confidence = 0;
  std::string reason;
};

class Store {
 public:
  // Opens (creating and migrating if needed) the database at `path`.
  explicit Store(const std::filesystem::path& path,
                 db::Connection::Mode mode = db::Connection::Mode::ReadWrite);

  db::Connection& connection() { return conn_; }

  std::int64_t begin_batch(const std::string& name, const std::string& command);
  void finish_batch(std::int64_t batch_id);

  std::optional<FileRecord> find_file(const std::string& sha256);
  // Inserts a file in 'pending' state and returns its id.
  std::int64_t add_file(const FileRecord& file, std::int64_t batch_id);
  void set_file_pages(std::int64_t file_id, int page_count, const std::string& format);
  void fail_file(std::int64_t file_id, const std::string& error);
  // Once every page is recorded: 'done', or 'failed' with an error counting the
  // unreadable pages. Returns that error (nullopt when done).
  std::optional<std::string> close_file(std::int64_t file_id);

  // Page numbers of `file_id` already recorded (resume skips them).
  std::set<int> recorded_pages(std::int64_t file_id);
  // The earliest recorded page with this exact content, if any.
  std::optional<std::int64_t> find_page_by_content(const std::string& content_hash);

  // Records one page and its rows in one transaction: a crash loses at most
  // the page in flight. Returns the page id.
  std::int64_t save_page(const PageRecord& page, const std::vector<RowRecord>& rows);

  void for_each_export_page(const std::function<void(const ExportPage&)>& fn);
  void for_each_export_row(const std::function<void(const ExportRow&)>& fn);

 private:
  db::Connection conn_;
};

}  // namespace petiscan
