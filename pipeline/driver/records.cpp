#include "driver/records.h"

#include <spdlog/spdlog.h>

#include "core/i18n.h"
#include "dedup/rescan.h"
#include "driver/scan.h"

namespace petiscan {

namespace {

bool quad_is_set(const Quad& q) {
  for (const auto& p : q.pts) {
    if (p.x != 0 || p.y != 0) return true;
  }
  return false;
}

std::string pseudo_key(const std::filesystem::path& path) {
  std::error_code ec;
  auto abs = std::filesystem::absolute(path, ec);
  return "unreadable:" + (ec ? path : abs).string();
}

}  // namespace

nlohmann::json boxes_json(const RowGeometry& row) {
  if (!quad_is_set(row.row)) return nlohmann::json::object();
  return {{"row", quad_json(row.row)},
          {"signature", quad_json(row.signature_cell)},
          {"code", quad_json(row.code_cell)}};
}

nlohmann::json geometry_json(const SheetGeometry& g) {
  auto h = nlohmann::json::array();
  for (int r = 0; r < 3; ++r) {
    for (int c = 0; c < 3; ++c) h.push_back(g.canonical_to_original(r, c));
  }
  nlohmann::json j = {
      {"rotation_deg", g.rotation_deg}, {"rotation_confidence", g.rotation_confidence},
      {"skew_deg", g.skew_deg},         {"skew_confidence", g.skew_confidence},
      {"table_found", g.table_found},   {"table_confidence", g.table_confidence},
      {"canonical_to_original", h}};
  if (g.kind_net_probability) j["kind_network_probability"] = *g.kind_net_probability;
  return j;
}

PageRecord page_record(std::int64_t file_id, int page_no, const PageFacts& facts,
                       const PageOutcome& outcome) {
  const SheetGeometry& g = outcome.geometry;
  PageRecord page;
  page.file_id = file_id;
  page.page_no = page_no;
  page.content_hash = facts.content_hash;
  page.width = facts.width;
  page.height = facts.height;
  page.dpi = facts.dpi;
  page.dpi_estimated = facts.dpi_estimated;
  page.kind = g.kind;
  page.kind_confidence = g.kind_confidence;
  page.geometry = geometry_json(g);
  page.timings = outcome.timings_ms;
  const bool sheet_unread = g.kind == PageKind::Signatures && !g.table_found;
  page.status = sheet_unread ? "review" : "done";
  page.reason = g.reason;
  return page;
}

PageRecord failed_page_record(std::int64_t file_id, int page_no, const std::string& error) {
  PageRecord page;
  page.file_id = file_id;
  page.page_no = page_no;
  // No pixels were read: the page is keyed by its place in the file.
  page.content_hash = "failed:" + std::to_string(file_id) + ":" + std::to_string(page_no);
  page.kind = PageKind::Other;
  page.status = "failed";
  page.reason = error;
  return page;
}

std::vector<RowRecord> row_records(const PageOutcome& outcome) {
  std::vector<RowRecord> rows;
  for (const RowResult& r : outcome.rows) {
    RowRecord rec;
    rec.row_no = r.index;
    rec.is_signed = r.is_signed;
    rec.postal_code = r.postal_code;
    rec.confidence = r.confidence;
    rec.status = r.status;
    rec.reason = r.reason;
    rec.signed_confidence = r.geometry.signed_confidence;
    rec.code_confidence = r.reading.confidence;
    for (const auto& [code, p] : r.reading.alternatives) {
      rec.alternatives.push_back({{"code", code}, {"p", p}});
    }
    rec.boxes = boxes_json(r.geometry);
    rows.push_back(std::move(rec));
  }
  return rows;
}

void link_duplicate(Store& store, PageRecord& page, const std::vector<RowRecord>& rows,
                    const PageOutcome& outcome, const std::function<cv::Mat()>& image,
                    const PageLoader& load) {
  if (page.kind != PageKind::Signatures) return;
  page.fingerprint = outcome.fingerprint;
  if (auto same = store.find_page_by_content(page.content_hash)) {
    page.duplicate_of = *same;
    spdlog::info("{}", tr("page identique, au pixel près, à une page déjà numérisée",
                          "page identical, pixel for pixel, to a page already scanned"));
  } else if (!page.fingerprint.empty()) {
    page.duplicate_of = find_rescan(store.connection(), page.fingerprint, rows);
    if (page.duplicate_of) {
      spdlog::info("{}",
                   tr("feuille déjà numérisée (nouvelle numérisation) : comptée une fois, "
                      "à confirmer en révision",
                      "sheet already scanned (a re-scan): counted once, to confirm in review"));
    }
  }
  if (!page.duplicate_of) {
    page.duplicate_of = find_rescan_across_tables(store.connection(), outcome.geometry,
                                                  page.fingerprint, image, load);
    if (page.duplicate_of) {
      spdlog::info("{}", tr("feuille déjà numérisée (l'une des deux sans tableau lisible) : "
                            "comptée une fois, à confirmer en révision",
                            "sheet already scanned (one of the two scans without a readable "
                            "table): counted once, to confirm in review"));
    }
  }
}

void record_unreadable_file(Store& store, const std::filesystem::path& path,
                            const std::string& reason, std::int64_t batch_id) {
  const std::string key = pseudo_key(path);
  std::int64_t id;
  if (auto existing = store.find_file(key)) {
    id = existing->id;
  } else {
    FileRecord rec;
    rec.sha256 = key;
    rec.path = path.string();
    rec.name = path.filename().string();
    id = store.add_file(rec, batch_id);
  }
  store.fail_file(id, reason);
}

void forget_unreadable_file(Store& store, const std::filesystem::path& path) {
  store.connection()
      .prepare("DELETE FROM files WHERE sha256 = ? AND id NOT IN (SELECT file_id FROM pages)")
      .bind(1, pseudo_key(path))
      .run();
}

void tally(ScanSummary& summary, const PageRecord& page, const std::vector<RowRecord>& rows) {
  if (page.status == "review") ++summary.pages_review;
  if (page.kind != PageKind::Signatures) return;
  ++summary.sheets;
  for (const auto& r : rows) {
    summary.rows_signed += r.is_signed;
    summary.rows_review += r.status == RowStatus::Review;
  }
}

}  // namespace petiscan
