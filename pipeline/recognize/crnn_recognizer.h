// The trained postal-code recognizer: a small CRNN (ONNX, run by cv::dnn)
// whose CTC output is decoded under the postal grammar and whose probability
// is calibrated on held-out cells (models/postal_crnn.json).
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "recognize/recognizer.h"
#include "recognize/settings.h"

namespace petiscan {

// A piecewise-linear, non-decreasing map [0, 1] -> [0, 1] (isotonic fit).
struct Calibration {
  std::vector<double> x, y;  // knots, x increasing
  double operator()(double p) const;
};

// One way of presenting a cell to the network: `crop` of its height removed
// at the top and at the bottom, its width stretched by `stretch`. Reading a
// cell under several views and averaging (average_views) corrects much of what
// one view gets wrong: the network reads a code better when it fills more of
// its input, and the views agree on most codes they read right.
struct CellView {
  double crop = 0;
  double stretch = 1;
};

// What postal_crnn.json says about the model.
struct ModelCard {
  std::string alphabet;
  int blank = 0;
  int input_height = 0, input_width = 0;
  // False before scripts/calibrate_recognizer.py has run: the maps below are
  // then the identity and nothing reaches the threshold.
  bool calibrated = false;
  Calibration code_calibration{{0, 1}, {0, 1}};  // decoder probability of the best code -> P(right)
  Calibration blank_calibration{{0, 1}, {0, 1}};  // blank probability -> P(the cell is empty)
  double blank_decision = 0.5;  // blank probability above which a cell is read as empty
  double accept_threshold = 2;  // calibrated P(right) for automatic acceptance (2 = never)
  // The views each cell is read under ("views"; default: the cell as cut).
  // Part of the model: the calibration was fitted on their average.
  std::vector<CellView> views{CellView{}};
};

// Reads and checks postal_crnn.json in `model_dir`; throws ModelError naming it.
ModelCard load_model_card(const std::filesystem::path& model_dir);

// Cell -> network input, exactly as scripts/recognizer_cells.py preprocess():
// new_w = floor(w * H / h + 0.5) clamped to [1, W]; resize to (new_w, H) with
// INTER_AREA; pad right with white to W; x = (255 - pixel) / 255.
// Returns a 1 x 1 x H x W CV_32F blob. Under a `view`, the cell's rows
// floor(h * crop) from the top and from the bottom are left out first (unless
// fewer than 4 would remain) and new_w = floor(w * stretch * H / h' + 0.5).
cv::Mat preprocess_cell(const cv::Mat& cell, int height, int width, const CellView& view = {});

class CrnnRecognizer : public PostalRecognizer {
 public:
  virtual double accept_threshold() const = 0;
  // The decoder's input for a cell under one view (for tools and tests):
  // T x C log-softmax.
  virtual cv::Mat log_probs(const cv::Mat& code_cell, const CellView& view = {}) = 0;
  // The grammar decoder's raw output for a cell, averaged over the card's
  // views, before calibration (what scripts/calibrate_recognizer.py fits the
  // calibration on).
  virtual DecodeResult decode(const cv::Mat& code_cell) = 0;
};

// Loads the model once (per worker). Throws ModelError naming the missing or
// broken file, or a model that was never calibrated.
std::unique_ptr<CrnnRecognizer> make_crnn_recognizer(const std::filesystem::path& model_dir,
                                                     const RecognizerSettings& settings);

// The same network before calibration (for scripts/calibrate_recognizer.py via
// petiscan-recognize-cells): confidences are the decoder's raw probabilities
// and nothing is accepted automatically.
std::unique_ptr<CrnnRecognizer> make_uncalibrated_crnn_recognizer(
    const std::filesystem::path& model_dir, const RecognizerSettings& settings);

}  // namespace petiscan
