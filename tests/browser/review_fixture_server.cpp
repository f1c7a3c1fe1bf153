// A review server over a small project drawn here, for the browser test:
//   review_fixture_server DIR [TOKEN]
// draws two petition sheets, a sheet whose table "was not found" and a
// re-scan, records them in DIR/petition.db as the scanner would (rows in
// review with their reasons, boxes in original-page pixels), then serves the
// review page on a free loopback port and prints its address (run_review_server)
// until SIGTERM.
#include <iostream>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "review/review.h"
#include "review_fixture.h"

namespace {

using namespace petiscan;
using nlohmann::json;
namespace fs = std::filesystem;

// Letter at 150 DPI; the table's rows are 110 px, from y = 420.
constexpr int kWidth = 1275, kHeight = 1650, kTop = 420, kRowH = 110, kLeft = 110, kSplit = 800,
              kRight = 1165;

struct Line {
  const char* signature;  // empty: unsigned row
  const char* code;       // as handwritten
  const char* machine;    // what the "machine" read (nullptr: nothing)
  double confidence;
  const char* reason;  // empty: accepted
};

cv::Mat draw(const std::string& title, const std::vector<Line>& lines, unsigned seed) {
  cv::RNG rng(seed);
  cv::Mat page(kHeight, kWidth, CV_8UC1, cv::Scalar(250));
  cv::putText(page, title, {kLeft, 200}, cv::FONT_HERSHEY_DUPLEX, 1.1, 30, 2, cv::LINE_AA);
  cv::putText(page, "Signatures", {kLeft + 20, kTop - 25}, cv::FONT_HERSHEY_DUPLEX, 0.9, 40, 1,
              cv::LINE_AA);
  cv::putText(page, "Code postal", {kSplit + 20, kTop - 25}, cv::FONT_HERSHEY_DUPLEX, 0.9, 40, 1,
              cv::LINE_AA);
  for (int r = 0; r <= 9; ++r)
    cv::line(page, {kLeft, kTop + r * kRowH}, {kRight, kTop + r * kRowH}, 60, 2);
  for (int x : {kLeft, kSplit, kRight}) cv::line(page, {x, kTop}, {x, kTop + 9 * kRowH}, 60, 2);
  for (size_t i = 0; i < lines.size(); ++i) {
    const int base = kTop + static_cast<int>(i) * kRowH + 78;
    if (*lines[i].signature) {
      cv::putText(page, lines[i].signature,
                  {kLeft + 30 + rng.uniform(0, 60), base - rng.uniform(0, 12)},
                  cv::FONT_HERSHEY_SCRIPT_COMPLEX, 1.7 + rng.uniform(0.0, 0.4), 25, 2, cv::LINE_AA);
    }
    if (*lines[i].code) {
      cv::putText(page, lines[i].code,
                  {kSplit + 40 + rng.uniform(0, 30), base - rng.uniform(0, 10)},
                  cv::FONT_HERSHEY_SCRIPT_SIMPLEX, 1.6, 20, 3, cv::LINE_AA);
    }
  }
  return page;
}

std::int64_t record(Store& store, std::int64_t batch, const fs::path& dir, const std::string& name,
                    const cv::Mat& image, const std::vector<Line>& lines, bool table_found) {
  PageRecord page;
  page.dpi = 150;
  page.kind = PageKind::Signatures;
  page.kind_confidence = 0.9;
  page.status = table_found ? "done" : "review";
  page.reason = table_found ? "" : "table_not_found";
  std::vector<RowRecord> rows;
  for (int r = 1; r <= kRowsPerSheet; ++r) {
    const Line& l = lines[static_cast<size_t>(r - 1)];
    RowRecord row;
    row.row_no = r;
    if (!table_found) {
      row.reason = "table_not_found";
      rows.push_back(row);
      continue;
    }
    const int y0 = kTop + (r - 1) * kRowH, y1 = y0 + kRowH;
    row.boxes = {{"row", test::box(kLeft, y0, kRight, y1)},
                 {"signature", test::box(kLeft, y0, kSplit, y1)},
                 {"code", test::box(kSplit, y0, kRight, y1)}};
    row.is_signed = *l.signature != 0;
    if (l.machine) row.postal_code = l.machine;
    row.confidence = l.confidence;
    row.signed_confidence = 0.95;
    row.code_confidence = l.confidence;
    row.status = *l.reason ? RowStatus::Review : RowStatus::Accepted;
    row.reason = l.reason;
    if (l.machine) row.alternatives = json::array({{{"code", "H3Z 2Y7"}, {"p", 0.08}}});
    rows.push_back(row);
  }
  return test::record_drawn_page(store, batch, dir, name, image, page, rows);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << "usage: review_fixture_server DIR [TOKEN]\n";
    return 2;
  }
  const fs::path dir = argv[1];
  fs::create_directories(dir);
  const fs::path db = dir / "petition.db";
  fs::remove(db);
  {
    Store store(db);
    const auto batch = store.begin_batch("boite-1", "review_fixture_server");
    const std::vector<Line> first = {
        {"Marie Tremblay", "H2E 2E9", "H2E 2E9", 0.99, ""},
        {"J. Gagnon", "G1R 4P5", "G1R 4P5", 0.62, "uncertain_code"},
        {"Luc Bouchard", "J8P 3V5", "J8P 3Y5", 0.31, "uncertain_code"},
        {"Sophie Roy", "H3Z 2Y7", "H3Z 2Y7", 0.45, "uncertain_signature"},
        {"Côté", "", nullptr, 0.52, "signature_without_code"},
        {"A. Lavoie", "K1A 0B1", "K1A 0B1", 0.99, ""},
        {"", "", nullptr, 0.99, ""},
        {"", "", nullptr, 0.99, ""},
        {"", "", nullptr, 0.99, ""}};
    const std::vector<Line> second = {{"Pierre Morin", "H1A 1A1", "H1A 1A1", 0.99, ""},
                                      {"N. Fortin", "G5L 8K2", "G5L 8K2", 0.72, "uncertain_code"},
                                      {"", "", nullptr, 0.99, ""},
                                      {"", "", nullptr, 0.99, ""},
                                      {"", "", nullptr, 0.99, ""},
                                      {"", "", nullptr, 0.99, ""},
                                      {"", "", nullptr, 0.99, ""},
                                      {"", "", nullptr, 0.99, ""},
                                      {"", "", nullptr, 0.99, ""}};
    record(store, batch, dir, "env0001.png", draw("Petition - feuille 1", first, 1), first, true);
    const auto sheet2 = record(store, batch, dir, "env0002.png",
                               draw("Petition - feuille 2", second, 2), second, true);
    record(store, batch, dir, "env0003.png", draw("Petition - froissee", second, 3), second, false);
    // The same sheet scanned again: suspected re-scan of env0002.
    const auto rescan = record(store, batch, dir, "env0004.png",
                               draw("Petition - feuille 2", second, 4), second, true);
    store.connection()
        .prepare("UPDATE pages SET duplicate_of = ?, duplicate_status = 'suspected' WHERE id = ?")
        .bind(1, sheet2)
        .bind(2, rescan)
        .run();
  }
  ReviewOptions options;
  options.db = db;
  options.port = 0;
  if (argc > 2) options.token = argv[2];
  try {
    return run_review_server(options);
  } catch (const std::exception& e) {
    std::cerr << e.what() << "\n";
    return 1;
  }
}
