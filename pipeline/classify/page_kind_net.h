// A second look at the pages the geometry called `other`: a small CNN
// (models/page_kind.onnx, trained by scripts/train_page_kind.py) that tells a
// signature sheet whose rules vanished (a faint, thin or 1-bit print, a blurred
// phone photo) from the letter or a cover note by the layout of its ink alone.
// Without it such a sheet is `other` and its signatures silently not counted;
// with it the sheet is kept and goes to a reviewer as "table not found".
#pragma once

#include <filesystem>
#include <opencv2/core.hpp>
#include <opencv2/dnn.hpp>

#include "core/types.h"

namespace petiscan {

// The net's input: the page's ink without its long rules (so that a sheet
// whose rules were seen and one whose rules vanished look alike), averaged
// down to kKindThumbnailSize x kKindThumbnailSize whatever the page's shape;
// CV_8UC1, 0 = no ink, 255 = all ink. `ink` and `rules` are the work images
// (same size; `rules` may be empty).
inline constexpr int kKindThumbnailSize = 128;
cv::Mat kind_thumbnail(const cv::Mat& ink, const cv::Mat& rules);

class PageKindNet {
 public:
  // Loads page_kind.onnx and page_kind.json (its threshold) from `model_dir`;
  // throws ModelError naming a missing or broken file.
  explicit PageKindNet(const std::filesystem::path& model_dir);
  // P(signature sheet) for a kind_thumbnail().
  double signature_probability(const cv::Mat& thumbnail);
  // The probability from which an `other` page is taken for a sheet: chosen by
  // the training script on its validation sets, in log-odds halfway between
  // the letter most like a sheet and the lost sheet least like one.
  double threshold() const { return threshold_; }

 private:
  cv::dnn::Net net_;
  double threshold_ = 1;
};

// An `other` page with a thumbnail that the net finds a signature sheet
// becomes one, without a table: its rows go to review ("table_not_found").
// Returns whether it changed the page's kind.
bool second_look(SheetGeometry& g, PageKindNet& net);

}  // namespace petiscan
