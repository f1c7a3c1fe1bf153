#include "driver/read_codes.h"

#include "geometry/geometry.h"

namespace petiscan {

namespace {
// Blank paper as the recognizer is shown it: a cell of a row's proportions.
constexpr int kPaperHeight = 64, kPaperWidth = 384;
}  // namespace

const PostalReading& CodeCellReader::paper() {
  if (!paper_)
    paper_ = recognizer_.read(cv::Mat(kPaperHeight, kPaperWidth, CV_8UC1, cv::Scalar(255)));
  return *paper_;
}

PostalReading CodeCellReader::read(const cv::Mat& original_gray, const RowGeometry& row) {
  if (row.code_ink > 0) return recognizer_.read(cut_cell(original_gray, row.code_cell));
  return paper();
}

std::array<PostalReading, kRowsPerSheet> CodeCellReader::read_sheet(
    const cv::Mat& original_gray, const std::array<RowGeometry, kRowsPerSheet>& rows) {
  std::vector<cv::Mat> cells;
  for (const RowGeometry& row : rows)
    if (row.code_ink > 0) cells.push_back(cut_cell(original_gray, row.code_cell));
  const std::vector<PostalReading> read = recognizer_.read_all(cells);
  std::array<PostalReading, kRowsPerSheet> out;
  size_t next = 0;
  for (int i = 0; i < kRowsPerSheet; ++i) out[i] = rows[i].code_ink > 0 ? read[next++] : paper();
  return out;
}

}  // namespace petiscan
