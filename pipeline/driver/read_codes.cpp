#include "driver/read_codes.h"

#include "geometry/geometry.h"

namespace petiscan {

namespace {
// Blank paper as the recognizer is shown it: a cell of a row's proportions.
constexpr int kPaperHeight = 64, kPaperWidth = 384;
}  // namespace

PostalReading CodeCellReader::read(const cv::Mat& original_gray, const RowGeometry& row) {
  if (row.code_ink > 0) return recognizer_.read(cut_cell(original_gray, row.code_cell));
  if (!paper_)
    paper_ = recognizer_.read(cv::Mat(kPaperHeight, kPaperWidth, CV_8UC1, cv::Scalar(255)));
  return *paper_;
}

}  // namespace petiscan
