// The postal-code recognizer interface. Engines (the trained network, any
// Tesseract second opinion, test fakes) sit behind it, each in one file.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "core/types.h"

namespace petiscan {

class PostalRecognizer {
 public:
  virtual ~PostalRecognizer() = default;
  // `code_cell` is the postal-code cell of one row, CV_8UC1, upright, cut from
  // the original scan at native resolution with a small margin, so parts of
  // the ruling lines may show at its borders. Not thread-safe: one instance
  // per worker.
  virtual PostalReading read(const cv::Mat& code_cell) = 0;
  // The same readings as read() on each cell in turn; an engine may read
  // them together (the network: one batch for a sheet's cells, ~30 % less
  // time per cell than a batch per cell, the same numbers).
  virtual std::vector<PostalReading> read_all(const std::vector<cv::Mat>& code_cells) {
    std::vector<PostalReading> out;
    out.reserve(code_cells.size());
    for (const cv::Mat& cell : code_cells) out.push_back(read(cell));
    return out;
  }
};

}  // namespace petiscan
