// A project database built by hand for the aggregate and report tests: every
// number these tests expect can be counted on the fingers from the fixture.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "store/store.h"

namespace petiscan::test {

// One row as written on a sheet: signed or not, a code or none, its status.
struct HandRow {
  bool is_signed = false;
  std::optional<std::string> code;
  RowStatus status = RowStatus::Accepted;
};

inline HandRow sig(const char* code = nullptr, RowStatus status = RowStatus::Accepted) {
  HandRow r;
  r.is_signed = true;
  if (code) r.code = code;
  r.status = status;
  return r;
}
inline HandRow empty_row() { return HandRow{}; }

class HandProject {
 public:
  explicit HandProject(Store& store) : store_(store) {}

  std::int64_t batch(const std::string& name) {
    batch_ = store_.begin_batch(name, "petiscan scan (test)");
    return batch_;
  }

  std::int64_t file(const std::string& name, const std::string& status = "done") {
    FileRecord f;
    f.sha256 = "sha-" + name + "-" + std::to_string(++files_);
    f.path = "scans/" + name;
    f.name = name;
    const auto id = store_.add_file(f, batch_);
    if (status == "failed") store_.fail_file(id, "fichier tronqué");
    if (status == "done")
      store_.connection()
          .prepare("UPDATE files SET status = 'done' WHERE id = ?")
          .bind(1, id)
          .run();
    return id;
  }

  // A signature sheet; rows beyond those given are empty.
  std::int64_t sheet(std::int64_t file_id, int page_no, std::vector<HandRow> rows,
                     std::optional<std::int64_t> duplicate_of = std::nullopt,
                     const std::string& page_status = "done") {
    PageRecord p;
    p.file_id = file_id;
    p.page_no = page_no;
    p.content_hash = "page-" + std::to_string(++pages_);
    p.kind = PageKind::Signatures;
    p.status = page_status;
    p.duplicate_of = duplicate_of;
    std::vector<RowRecord> recs;
    rows.resize(kRowsPerSheet);
    for (int i = 0; i < kRowsPerSheet; ++i) {
      RowRecord r;
      r.row_no = i + 1;
      r.is_signed = rows[i].is_signed;
      r.postal_code = rows[i].code;
      r.status = rows[i].status;
      r.confidence = r.status == RowStatus::Accepted ? 0.99 : 0.6;
      if (r.status == RowStatus::Review) r.reason = "uncertain_code";
      recs.push_back(r);
    }
    return store_.save_page(p, recs);
  }

  std::int64_t other_page(std::int64_t file_id, int page_no) {
    PageRecord p;
    p.file_id = file_id;
    p.page_no = page_no;
    p.content_hash = "page-" + std::to_string(++pages_);
    p.kind = PageKind::Other;
    return store_.save_page(p, {});
  }

  std::int64_t row_id(std::int64_t page_id, int row_no) {
    auto st = store_.connection().prepare("SELECT id FROM rows WHERE page_id = ? AND row_no = ?");
    st.bind(1, page_id).bind(2, row_no);
    st.step();
    return st.int64(0);
  }

 private:
  Store& store_;
  std::int64_t batch_ = 0;
  int files_ = 0;
  int pages_ = 0;
};

}  // namespace petiscan::test
