// The postal-code recognizer interface. Engines (the trained network, any
// Tesseract second opinion, test fakes) sit behind it, each in one file.
#pragma once

#include <memory>
#include <string>

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
};

}  // namespace petiscan
