// Signed or not, learned: a small CNN (models/signed.onnx, trained by
// scripts/train_signed.py on the rows the pipeline itself cuts from generated
// sheets) that reads each row's signature_view(). It sees what the measures of
// measure_cell() miss: a small signature that crosses its row's rule, a
// neighbour's stroke reaching in, a stain's soft rim, a fold's shadow.
// Without the model the hand-set rules of signed.h decide alone.
#pragma once

#include <filesystem>
#include <opencv2/core.hpp>
#include <opencv2/dnn.hpp>
#include <vector>

#include "core/debug.h"
#include "core/types.h"

namespace petiscan {

class SignedNet {
 public:
  // Loads signed.onnx and signed.json (its card) from `model_dir`; throws
  // ModelError naming a missing or broken file.
  explicit SignedNet(const std::filesystem::path& model_dir);
  // P(signed) of each signature_view(), in one batch.
  std::vector<double> signed_probabilities(const std::vector<cv::Mat>& views);

 private:
  cv::dnn::Net net_;
};

// The net's decision replaces the rules' on each row of a sheet whose table
// was found: signed when P(signed) ≥ 0.5, with confidence max(P, 1 − P).
// Returns how many rows it turned. `debug` gets the 9 views as the net saw
// them, each with its decision (green signed, red not; the bar's length is P).
int decide_signed_by_net(SheetGeometry& g, SignedNet& net, DebugWriter* debug = nullptr);

}  // namespace petiscan
