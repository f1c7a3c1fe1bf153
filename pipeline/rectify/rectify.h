// Rectify: the perspective transform between the table's canonical image
// (a rectangle, rules exactly horizontal) and the original scan, so that
// phone photos and skewed scans are read alike and every box is kept in
// original coordinates.
#pragma once

#include <array>
#include <opencv2/core.hpp>

#include "core/types.h"

namespace petiscan {

struct RectifySettings {
  // Width of the canonical table image, in pixels: about 150 DPI for a
  // 6.5-inch table, enough for the rows and the signed decision.
  int canonical_width = 1000;
  // Margin around a cut cell, as a share of the row height: the recognizer
  // sees a little of the ruling lines, as it was trained to.
  double cell_margin = 0.08;
  void validate() const;
};

// Homography mapping canonical coordinates (0..size.width, 0..size.height)
// to the image the corners are in (TL, TR, BR, BL).
cv::Matx33d canonical_to_image(const std::array<cv::Point2f, 4>& corners, cv::Size size);

cv::Point2f apply(const cv::Matx33d& h, cv::Point2f p);

// The quad of a canonical rectangle, in the image `h` maps to.
Quad map_rect(const cv::Matx33d& h, const cv::Rect2d& r);

// The canonical image, sampled from `image` (where `h` maps canonical points to).
cv::Mat warp_to_canonical(const cv::Mat& image, const cv::Matx33d& h, cv::Size size);

// Cuts `quad` out of `image` upright and straight; out_height 0 keeps the
// quad's own resolution.
cv::Mat cut_quad(const cv::Mat& image, const Quad& quad, int out_height);

}  // namespace petiscan
