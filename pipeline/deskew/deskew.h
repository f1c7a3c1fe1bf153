// Deskew: the small angle by which the page's content is turned, found from
// the ink itself (table rules, text lines), modulo a quarter turn.
#pragma once

#include <opencv2/core.hpp>

namespace petiscan {

struct DeskewSettings {
  // Angles searched: the coarse pass covers every angle modulo 90 degrees at
  // this step, the fine pass refines around the best one.
  double coarse_step_deg = 0.5;
  double fine_range_deg = 0.6;
  double fine_step_deg = 0.02;
  // Ink points used at most (a uniform sample): enough for a sharp profile.
  int max_points = 40000;
  // Below this confidence the angle is not trusted and 0 is used.
  double good_confidence = 0.3;
  void validate() const;
};

struct SkewEstimate {
  double angle_deg = 0;   // counter-clockwise rotation of the content, in (-45, 45]
  double confidence = 0;  // 0..1: how much sharper the profile is at this angle than at others
};

// `ink` is a binary image (non-zero = ink).
SkewEstimate estimate_skew(const cv::Mat& ink, const DeskewSettings& settings);

}  // namespace petiscan
