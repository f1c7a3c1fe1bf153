// Turning a processed page into database records, and the bookkeeping the
// scanner's writer does around them.
#pragma once

#include <filesystem>

#include "dedup/rescan.h"
#include "driver/page_processor.h"
#include "store/store.h"

namespace petiscan {

struct ScanSummary;

// What the writer keeps of a decoded page once its pixels are gone.
struct PageFacts {
  int width = 0;
  int height = 0;
  double dpi = 0;
  bool dpi_estimated = false;
  std::string content_hash;
};

PageRecord page_record(std::int64_t file_id, int page_no, const PageFacts& facts,
                       const PageOutcome& outcome);
PageRecord failed_page_record(std::int64_t file_id, int page_no, const std::string& error);
std::vector<RowRecord> row_records(const PageOutcome& outcome);

// Quads as JSON: {"row": [[x,y]x4], "signature": [...], "code": [...]}.
nlohmann::json boxes_json(const RowGeometry& row);
nlohmann::json geometry_json(const SheetGeometry& g);

// Marks `page` a duplicate of an earlier page showing the same sheet: the
// same pixels, or (for sheets) the same content re-scanned, also when one of
// the two scans shows no table (find_rescan_across_tables: `image` decodes
// this page again, `load` an earlier one, only when that search needs them).
void link_duplicate(Store& store, PageRecord& page, const std::vector<RowRecord>& rows,
                    const PageOutcome& outcome, const std::function<cv::Mat()>& image,
                    const PageLoader& load);

// A file that cannot even be read has no content hash: it is keyed by its path
// so that it is listed with its reason; the record goes once the file reads.
void record_unreadable_file(Store& store, const std::filesystem::path& path,
                            const std::string& reason, std::int64_t batch_id);
void forget_unreadable_file(Store& store, const std::filesystem::path& path);

void tally(ScanSummary& summary, const PageRecord& page, const std::vector<RowRecord>& rows);

}  // namespace petiscan
