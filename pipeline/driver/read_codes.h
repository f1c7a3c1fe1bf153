// Reading the rows' postal codes from the original scan.
#pragma once

#include <array>
#include <opencv2/core.hpp>
#include <optional>

#include "core/types.h"
#include "recognize/recognizer.h"

namespace petiscan {

// Reads a row's postal-code cell, cut from the original scan at full quality.
// A cell in which the geometry saw no ink once the rules and specks were
// removed (RowGeometry::code_ink == 0: about a third of a sheet's cells, the
// empty rows) holds no code a person could read either: it gets the
// recognizer's reading of blank paper, computed once, without running the
// network on it. Not thread-safe: one per worker, as the recognizer.
class CodeCellReader {
 public:
  explicit CodeCellReader(PostalRecognizer& recognizer) : recognizer_(recognizer) {}
  PostalReading read(const cv::Mat& original_gray, const RowGeometry& row);
  // The same readings for every row of a sheet, its inked cells read
  // together (PostalRecognizer::read_all).
  std::array<PostalReading, kRowsPerSheet> read_sheet(
      const cv::Mat& original_gray, const std::array<RowGeometry, kRowsPerSheet>& rows);

 private:
  const PostalReading& paper();

  PostalRecognizer& recognizer_;
  std::optional<PostalReading> paper_;
};

}  // namespace petiscan
