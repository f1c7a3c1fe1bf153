// Recording a drawn page as the scanner would: the PNG written next to the
// database, decoded through ingest for its content hash, a file and a page
// record with the rows given; and a plain ruled sheet to record. Shared by
// review_api_test, fuzz_review and the browser test's fixture server (header
// only: all build without extra sources).
#pragma once

#include <filesystem>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <string>
#include <vector>

#include "ingest/ingest.h"
#include "store/store.h"

namespace petiscan::test {

// A rectangle as a stored quad (TL, TR, BR, BL) in original-page pixels.
inline nlohmann::json box(int x0, int y0, int x1, int y1) {
  return nlohmann::json::array({{x0, y0}, {x1, y0}, {x1, y1}, {x0, y1}});
}

// A drawn sheet: a white page with 9 ruled rows of `row_height` px from y =
// `top`, the signature column from x = `left` to `split`, the code column
// from `split` to `right`, rules `rule` px thick.
struct DrawnSheet {
  int width, height, left, split, right, top, row_height, rule;

  // The page with `label` written above the table.
  cv::Mat draw(const std::string& label) const {
    cv::Mat page(height, width, CV_8UC1, cv::Scalar(255));
    cv::putText(page, label, {left, top - row_height * 4 / 5}, cv::FONT_HERSHEY_SIMPLEX,
                row_height / 66.0, cv::Scalar(0), rule + 1);
    for (int r = 0; r <= 9; ++r) {
      cv::line(page, {left, top + r * row_height}, {right, top + r * row_height}, 0, rule);
    }
    cv::line(page, {split, top}, {split, top + 9 * row_height}, 0, rule);
    return page;
  }
  // The stored boxes of row `row_no` (1-9).
  nlohmann::json row_boxes(int row_no) const {
    const int y0 = top + (row_no - 1) * row_height, y1 = y0 + row_height;
    return {{"row", box(left, y0, right, y1)},
            {"signature", box(left, y0, split, y1)},
            {"code", box(split, y0, right, y1)}};
  }
};

// Writes `image` to `dir/name` and records it as page 1 of a one-page PNG;
// `page` gives kind, status, reason and dpi (file_id, hashes and sizes are filled here).
inline std::int64_t record_drawn_page(Store& store, std::int64_t batch,
                                      const std::filesystem::path& dir, const std::string& name,
                                      const cv::Mat& image, PageRecord page,
                                      const std::vector<RowRecord>& rows) {
  const std::filesystem::path path = dir / name;
  cv::imwrite(path.string(), image);
  IngestSettings settings;
  const PageImage decoded = load_page(path, probe_file(path, settings), 1, settings);
  FileRecord file;
  file.sha256 = sha256_file(path);
  file.path = path.string();
  file.name = name;
  file.size = static_cast<std::int64_t>(std::filesystem::file_size(path));
  file.format = "png";
  page.file_id = store.add_file(file, batch);
  store.set_file_pages(page.file_id, 1, "png");
  page.page_no = 1;
  page.content_hash = content_hash(decoded.gray);
  page.width = image.cols;
  page.height = image.rows;
  return store.save_page(page, rows);
}

}  // namespace petiscan::test
