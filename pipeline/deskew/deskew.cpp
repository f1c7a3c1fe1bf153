#include "deskew/deskew.h"

#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

#include "core/components.h"
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
// The counts, and so the sum, are integers whatever the order of the work:
// the bins of a chunk of points are computed first (a loop the compiler
// vectorises, the same float operations), then counted; the points come in
// raster order, so neighbours mostly fall in the same row, and even and odd
// points are counted in two halves of `rows` and `cols` (each twice the
// bins), added back before squaring, so that an increment does not wait for
// the previous one to be stored. Bins are converted through int (a float to
// size_t conversion is a branch on x86-64); they are all positive.
double sharpness(const std::vector<cv::Point2f>& pts, double angle_deg, int extent,
                 std::vector<int>& rows, std::vector<int>& cols) {
  const double a = angle_deg * CV_PI / 180.0;
  const float c = static_cast<float>(std::cos(a)), s = static_cast<float>(std::sin(a));
  std::fill(rows.begin(), rows.end(), 0);
  std::fill(cols.begin(), cols.end(), 0);
  const size_t bins = rows.size() / 2;
  int* rows0 = rows.data();
  int* rows1 = rows0 + bins;
  int* cols0 = cols.data();
  int* cols1 = cols0 + bins;
  const float off = extent;
  // Undo a counter-clockwise turn (image y points down).
  auto x_of = [&](cv::Point2f p) { return static_cast<int>(c * p.x - s * p.y + off); };
  auto y_of = [&](cv::Point2f p) { return static_cast<int>(s * p.x + c * p.y + off); };
  constexpr size_t kChunk = 256;  // points per chunk (2 KB of bins, on the stack)
  int xs[kChunk], ys[kChunk];
  for (size_t i0 = 0; i0 < pts.size(); i0 += kChunk) {
    const size_t n = std::min(kChunk, pts.size() - i0);
    const cv::Point2f* p = pts.data() + i0;
    for (size_t j = 0; j < n; ++j) {
      xs[j] = x_of(p[j]);
      ys[j] = y_of(p[j]);
    }
    size_t j = 0;
    for (; j + 1 < n; j += 2) {
      ++rows0[ys[j]];
      ++cols0[xs[j]];
      ++rows1[ys[j + 1]];
      ++cols1[xs[j + 1]];
    }
    if (j < n) {
      ++rows0[ys[j]];
      ++cols0[xs[j]];
    }
  }
  double sum = 0;
  for (size_t b = 0; b < bins; ++b) {
    const double r = rows0[b] + rows1[b], k = cols0[b] + cols1[b];
    sum += r * r + k * k;
  }
  return sum;
}

}  // namespace

SkewEstimate estimate_skew(const cv::Mat& ink, const DeskewSettings& settings) {
  // The ink's pixels in raster order, found run by run (as cv::findNonZero
  // would list them, without listing them all: most are not kept).
  CV_Assert(ink.type() == CV_8UC1);
  const int ink_pixels = cv::countNonZero(ink);
  SkewEstimate est;
  if (ink_pixels < 200) return est;
  std::vector<cv::Point2f> pts;
  const cv::Point2f centre(ink.cols / 2.0f, ink.rows / 2.0f);
  std::mt19937 rng(12345);
  const double keep = std::min(1.0, static_cast<double>(settings.max_points) / ink_pixels);
  std::uniform_real_distribution<double> u(0, 1);
  // Each point is moved by up to half a pixel: integer positions projected at
  // rational angles (45 degrees, 26.6 ...) fall unevenly into the bins and
  // would make false peaks.
  std::uniform_real_distribution<float> jitter(-0.5f, 0.5f);
  pts.reserve(static_cast<size_t>(std::min(ink_pixels, settings.max_points) * 1.1) + 16);
  for (int y = 0; y < ink.rows; ++y) {
    const uchar* row = ink.ptr<uchar>(y);
    for (int x0 = next_ink(row, 0, ink.cols); x0 < ink.cols;) {
      const int x1 = next_paper(row, x0, ink.cols);
      for (int x = x0; x < x1; ++x) {
        if (keep >= 1.0 || u(rng) < keep) {
          pts.emplace_back(cv::Point2f(cv::Point(x, y)) - centre +
                           cv::Point2f(jitter(rng), jitter(rng)));
        }
      }
      x0 = next_ink(row, x1, ink.cols);
    }
  }
  const int extent = static_cast<int>(std::hypot(ink.cols, ink.rows) / 2) + 2;
  // Two histograms each (see sharpness()).
  std::vector<int> rows(2 * (2 * extent + 2)), cols(2 * (2 * extent + 2));

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
