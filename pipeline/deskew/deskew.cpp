#include "deskew/deskew.h"

#include <cmath>
#include <random>
#include <vector>

#include "core/errors.h"

namespace petiscan {

void DeskewSettings::validate() const {
  if (coarse_step_deg <= 0 || coarse_step_deg > 5)
    throw UsageError("deskew.coarse_step_deg: (0, 5]");
  if (fine_step_deg <= 0 || fine_step_deg > coarse_step_deg) {
    throw UsageError("deskew.fine_step_deg: (0, coarse_step_deg]");
  }
  if (max_points < 1000) throw UsageError("deskew.max_points: at least 1000");
}

namespace {

// Sharpness of the row and column projections of the points turned by
// `angle`: text lines and table rules give tall narrow peaks only when they
// are aligned with an axis. Rows and columns together make it blind to
// quarter turns, which orientation decides later.
double sharpness(const std::vector<cv::Point2f>& pts, double angle_deg, int extent,
                 std::vector<int>& rows, std::vector<int>& cols) {
  const double a = angle_deg * CV_PI / 180.0;
  const float c = static_cast<float>(std::cos(a)), s = static_cast<float>(std::sin(a));
  std::fill(rows.begin(), rows.end(), 0);
  std::fill(cols.begin(), cols.end(), 0);
  const float off = extent;
  for (const auto& p : pts) {
    // Undo a counter-clockwise turn (image y points down).
    const float x = c * p.x - s * p.y + off;
    const float y = s * p.x + c * p.y + off;
    ++rows[static_cast<size_t>(y)];
    ++cols[static_cast<size_t>(x)];
  }
  double sum = 0;
  for (int v : rows) sum += static_cast<double>(v) * v;
  for (int v : cols) sum += static_cast<double>(v) * v;
  return sum;
}

}  // namespace

SkewEstimate estimate_skew(const cv::Mat& ink, const DeskewSettings& settings) {
  std::vector<cv::Point> nz;
  cv::findNonZero(ink, nz);
  SkewEstimate est;
  if (nz.size() < 200) return est;
  std::vector<cv::Point2f> pts;
  const cv::Point2f centre(ink.cols / 2.0f, ink.rows / 2.0f);
  std::mt19937 rng(12345);
  const double keep = std::min(1.0, static_cast<double>(settings.max_points) / nz.size());
  std::uniform_real_distribution<double> u(0, 1);
  // Each point is moved by up to half a pixel: integer positions projected at
  // rational angles (45 degrees, 26.6 ...) fall unevenly into the bins and
  // would make false peaks.
  std::uniform_real_distribution<float> jitter(-0.5f, 0.5f);
  for (const auto& p : nz) {
    if (keep >= 1.0 || u(rng) < keep) {
      pts.emplace_back(cv::Point2f(p) - centre + cv::Point2f(jitter(rng), jitter(rng)));
    }
  }
  const int extent = static_cast<int>(std::hypot(ink.cols, ink.rows) / 2) + 2;
  std::vector<int> rows(2 * extent + 2), cols(2 * extent + 2);

  // The coarse pass (180 angles) finds the peak and the confidence on every
  // kCoarseEvery-th point (the sample is already uniform and shuffled by
  // position); the fine pass (61 angles) places it with all of them.
  constexpr size_t kCoarseEvery = 4;
  std::vector<cv::Point2f> few;
  few.reserve(pts.size() / kCoarseEvery + 1);
  for (size_t i = 0; i < pts.size(); i += kCoarseEvery) few.push_back(pts[i]);
  double best = -1, best_angle = 0;
  std::vector<double> coarse;
  for (double a = -45 + settings.coarse_step_deg; a <= 45 + 1e-9; a += settings.coarse_step_deg) {
    const double v = sharpness(few, a, extent, rows, cols);
    coarse.push_back(v);
    if (v > best) best = v, best_angle = a;
  }
  const double coarse_best = best;
  best = -1;
  const double coarse_angle = best_angle;
  for (double a = coarse_angle - settings.fine_range_deg;
       a <= coarse_angle + settings.fine_range_deg + 1e-9; a += settings.fine_step_deg) {
    const double v = sharpness(pts, a, extent, rows, cols);
    if (v > best) best = v, best_angle = a;
  }
  // Confidence: how much the peak stands above the same profile 1.5-4 degrees
  // away. Rules and text lines make a peak a fraction of a degree wide; the
  // page's own rectangular outline, or random dots, only a broad hump.
  // kNear*: the band of angles compared; kGain: a peak 1/3 above it is sure.
  constexpr double kNearMin = 1.5, kNearMax = 4.0, kGain = 3.0;
  std::vector<double> near;
  double a = -45 + settings.coarse_step_deg;
  for (double v : coarse) {
    double d = std::abs(a - best_angle);
    d = std::min(d, 90 - d);
    if (d >= kNearMin && d <= kNearMax) near.push_back(v);
    a += settings.coarse_step_deg;
  }
  // The peak on the coarse pass's points, at the angle the fine pass found.
  const double peak = std::max(coarse_best, sharpness(few, best_angle, extent, rows, cols));
  const double ref = near.empty() ? peak : *std::max_element(near.begin(), near.end());
  est.angle_deg = best_angle > 45 ? best_angle - 90 : best_angle;
  est.confidence = peak > 0 ? std::clamp((peak - ref) / peak * kGain, 0.0, 1.0) : 0;
  return est;
}

}  // namespace petiscan
