// What the review page can do, over the project database: the queue, the
// items (a row, a sheet whose table was not found, a suspected re-scan),
// decisions with their audit records, undo, leases and QA spot checks.
//
// Every write runs in one IMMEDIATE transaction that re-reads the item,
// checks its version (optimistic concurrency: a write based on a stale view
// is refused, never lost or applied twice) and its lease, then records the
// decision in `decisions` (who, when, before, after). export, status and the
// report read the same tables, so they see a decision at once.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "core/types.h"
#include "store/store.h"
#include "validate.h"

namespace petiscan::review {

// How long an item stays reserved for the reviewer who opened it: long
// enough to look twice at a hard row, short enough that the items of someone
// who walked away come back to the others within minutes.
inline constexpr double kLeaseSeconds = 300;

// Rows offered per QA sample draw and prefetch depth of the queue.
inline constexpr int kUpcomingItems = 2;

// Who is acting: `holder` identifies one browser session (leases), `name` is
// what the audit records show.
struct Reviewer {
  std::string holder;
  std::string name;
};

struct QueueFilter {
  std::string reason;                 // "" = every reason
  std::optional<std::int64_t> batch;  // nullopt = every batch
};

// Where the pixels of an image come from (never a path from the request).
struct ImageSource {
  std::int64_t page_id = 0;
  std::filesystem::path path;
  std::string file_name;
  int page_no = 1;
  std::string content_hash;
  int rotation_deg = 0;      // clockwise turn that makes the page upright
  std::optional<Quad> quad;  // the cell or row to cut; nullopt = the whole page
};

enum class RowPart { Row, Signature, Code };

// What a reviewer marks, beyond the values: both "no code" and "illegible"
// store a null postal code; the audit record keeps which one it was.
enum class CodeMark { None, NoCode, Illegible };

struct SheetRowInput {
  int row_no = 0;
  bool is_signed = false;
  std::optional<std::string> postal_code;
};

// One database connection per concurrent request, reused.
class StorePool {
 public:
  explicit StorePool(std::filesystem::path db);
  class Lease {
   public:
    Lease(StorePool& pool, std::unique_ptr<Store> store) : pool_(pool), store_(std::move(store)) {}
    ~Lease();
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;
    Store& operator*() { return *store_; }
    Store* operator->() { return store_.get(); }

   private:
    StorePool& pool_;
    std::unique_ptr<Store> store_;
  };
  Lease acquire();

 private:
  std::filesystem::path db_;
  std::mutex mutex_;
  std::vector<std::unique_ptr<Store>> idle_;
};

class ReviewService {
 public:
  // Throws DatabaseError when `db` does not exist (review never creates a project).
  explicit ReviewService(std::filesystem::path db);

  // Reasons (with counts) and batches the queue can be filtered by.
  nlohmann::json filters();
  // Left to do, done today, rows per hour (the reviewer's and the team's), QA tally.
  nlohmann::json progress(const Reviewer& who);

  // Leases and returns the next item of the queue (sheets and suspected
  // re-scans first, then rows by increasing confidence), skipping `skip`;
  // {"item": null} when the queue is empty. "upcoming" lists the items after
  // it (not leased) so the page can prefetch their images.
  nlohmann::json next(const Reviewer& who, const QueueFilter& filter,
                      const std::vector<std::string>& skip);
  // Leases and returns one item (going back to an earlier item, after undo).
  nlohmann::json open(const Reviewer& who, const ItemKey& key);
  // Gives back the reviewer's leases (leaving the page).
  void release(const Reviewer& who);

  // The row's signed/postal_code become the reviewer's values, status
  // 'corrected', version + 1; machine_signed/machine_code stay.
  nlohmann::json decide_row(const Reviewer& who, std::int64_t row_id, std::int64_t version,
                            bool is_signed, const std::optional<std::string>& postal_code,
                            CodeMark mark);
  // A sheet whose table was not found: either not a signature sheet at all,
  // or the signed rows typed by hand (rows absent from `rows` are empty).
  nlohmann::json decide_sheet(const Reviewer& who, std::int64_t page_id, std::int64_t version,
                              bool not_a_sheet, const std::vector<SheetRowInput>& rows);
  // A suspected re-scan: the same physical sheet (confirm) or not (reject).
  nlohmann::json decide_duplicate(const Reviewer& who, std::int64_t page_id, std::int64_t version,
                                  bool confirm);
  // Undoes the reviewer's latest decision that is not undone yet, if nobody
  // changed the item since. Returns {"undone": {"key":..., "action":...}}.
  nlohmann::json undo(const Reviewer& who);

  // QA: a random automatically accepted row not checked yet, leased.
  nlohmann::json qa_next(const Reviewer& who, const QueueFilter& filter,
                         const std::vector<std::string>& skip);
  // Records a spot check in qa_checks; when the reviewer's values differ from
  // the row's, the check counts as an error and the row is corrected too.
  nlohmann::json qa_check(const Reviewer& who, std::int64_t row_id, std::int64_t version,
                          bool is_signed, const std::optional<std::string>& postal_code,
                          const std::optional<std::string>& note);

  ImageSource row_image(std::int64_t row_id, RowPart part);
  ImageSource page_image(std::int64_t page_id);

 private:
  // files.path as recorded; a relative path that is not found from the
  // current folder is tried from the database's folder (where `petiscan scan`
  // usually ran).
  std::filesystem::path original_path(const std::string& recorded) const;

  std::filesystem::path db_dir_;
  StorePool pool_;
};

}  // namespace petiscan::review
