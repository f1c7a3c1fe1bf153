#include "signed/signed.h"

#include <algorithm>
#include <cmath>
#include <opencv2/imgproc.hpp>
#include <vector>

#include "core/errors.h"

namespace petiscan {

void SignedSettings::validate() const {
  if (edge_band < 0 || edge_band >= 0.5) throw UsageError("signed.edge_band: [0, 0.5)");
  if (side_band < 0 || side_band >= 0.5) throw UsageError("signed.side_band: [0, 0.5)");
  if (min_ink <= 0 || min_ink >= 1) throw UsageError("signed.min_ink: (0, 1)");
  if (min_spread <= 0 || min_spread >= 1) throw UsageError("signed.min_spread: (0, 1)");
  if (speck_area < 0 || speck_area >= 0.1) throw UsageError("signed.speck_area: [0, 0.1)");
  if (min_largest <= 0 || min_largest >= 1) throw UsageError("signed.min_largest: (0, 1)");
  if (min_relative_contrast < 0 || min_relative_contrast >= 1)
    throw UsageError("signed.min_relative_contrast: [0, 1)");
  if (stain_max_contrast < 0 || stain_max_contrast > 255)
    throw UsageError("signed.stain_max_contrast: [0, 255]");
  if (stain_max_ink < 0 || stain_max_ink >= 1) throw UsageError("signed.stain_max_ink: [0, 1)");
}

namespace {

// A row turned to not signed as a stain: sure enough to count it as not
// signed, not sure enough to skip review.
double stain_confidence(const SignedSettings& s) { return std::min(0.9, s.good_confidence * 0.95); }

}  // namespace

CellInk measure_cell(const cv::Mat& cell, const SignedSettings& s, const cv::Mat& gray) {
  CellInk out;
  if (cell.empty()) return out;
  const int dy = static_cast<int>(cell.rows * s.edge_band);
  const int dx = static_cast<int>(cell.cols * s.side_band);
  const cv::Rect band(dx, dy, std::max(1, cell.cols - 2 * dx), std::max(1, cell.rows - 2 * dy));
  const cv::Mat core = cell(band & cv::Rect(0, 0, cell.cols, cell.rows));
  cv::Mat labels, stats, centroids;
  const int n = cv::connectedComponentsWithStats(core, labels, stats, centroids, 8, CV_32S);
  const double min_area = s.speck_area * cell.rows * cell.cols;
  int inked = 0, x0 = core.cols, x1 = -1, largest = 0;
  std::vector<uchar> kept(n, 0);
  for (int i = 1; i < n; ++i) {
    const int area = stats.at<int>(i, cv::CC_STAT_AREA);
    if (area < min_area) continue;
    kept[i] = 1;
    inked += area;
    largest = std::max(largest, area);
    x0 = std::min(x0, stats.at<int>(i, cv::CC_STAT_LEFT));
    x1 = std::max(x1, stats.at<int>(i, cv::CC_STAT_LEFT) + stats.at<int>(i, cv::CC_STAT_WIDTH));
  }
  out.ink = static_cast<double>(inked) / std::max(1, core.rows * core.cols);
  out.largest = static_cast<double>(largest) / std::max(1, core.rows * core.cols);
  if (!gray.empty() && inked > 0) {
    // Paper: the cell's 80th percentile gray; the ink's darkness: the 10th
    // percentile of the counted ink's pixels.
    const cv::Mat g = gray(band & cv::Rect(0, 0, gray.cols, gray.rows));
    std::vector<int> paper_hist(256, 0), ink_hist(256, 0);
    for (int y = 0; y < g.rows; ++y) {
      const uchar* gp = g.ptr<uchar>(y);
      const int* lp = labels.ptr<int>(y);
      for (int x = 0; x < g.cols; ++x) {
        ++paper_hist[gp[x]];
        if (kept[lp[x]]) ++ink_hist[gp[x]];
      }
    }
    auto percentile = [](const std::vector<int>& h, double p) {
      int total = 0;
      for (int v : h) total += v;
      int acc = 0;
      for (int v = 0; v < 256; ++v) {
        acc += h[v];
        if (acc >= p * total) return v;
      }
      return 255;
    };
    out.contrast = percentile(paper_hist, 0.8) - percentile(ink_hist, 0.1);
  }
  out.spread = x1 > x0 ? static_cast<double>(x1 - x0) / std::max(1, cell.cols) : 0.0;
  return out;
}

SignedEstimate decide_signed(const CellInk& ink, const SignedSettings& s) {
  // Evidence in log-ratios to the thresholds: both must hold for a signature.
  const double ink_margin = std::log((ink.ink + 1e-5) / s.min_ink);
  const double width_margin = std::log((ink.spread + 1e-4) / s.min_spread);
  const double piece_margin = std::log((ink.largest + 1e-5) / s.min_largest);
  const double margin = std::min({ink_margin, width_margin, piece_margin});
  SignedEstimate est;
  est.is_signed = margin > 0;
  // kSharpness: a factor 2 past the threshold on the weaker cue (log 2 = 0.69)
  // gives ~0.996; chosen so that clean empty and clean signed cells are sure
  // and cells near the thresholds go to review.
  constexpr double kSharpness = 8.0;
  est.confidence = 1.0 / (1.0 + std::exp(-kSharpness * std::abs(margin)));
  // Contrast 0: not measured (no gray pixels given).
  if (est.is_signed && ink.contrast > 0 && ink.contrast < s.stain_max_contrast &&
      ink.ink < s.stain_max_ink) {
    est = {false, stain_confidence(s)};
  }
  return est;
}

int fainter_than_the_sheet(const std::vector<CellInk>& ink, std::vector<SignedEstimate>& estimates,
                           const SignedSettings& s) {
  // The two strongest contrasts among the rows decided signed: each row is
  // compared with the strongest of the others.
  double first = 0, second = 0;
  for (size_t i = 0; i < ink.size() && i < estimates.size(); ++i) {
    if (!estimates[i].is_signed) continue;
    const double c = ink[i].contrast;
    if (c > first) {
      second = first, first = c;
    } else if (c > second) {
      second = c;
    }
  }
  int turned = 0;
  for (size_t i = 0; i < ink.size() && i < estimates.size(); ++i) {
    if (!estimates[i].is_signed) continue;
    const double others = ink[i].contrast == first ? second : first;
    if (others > 0 && ink[i].contrast < s.min_relative_contrast * others) {
      estimates[i] = {false, stain_confidence(s)};
      ++turned;
    }
  }
  return turned;
}

cv::Mat signature_view(const cv::Mat& gray, const cv::Mat& ink, const cv::Rect& cell) {
  CV_Assert(gray.type() == CV_8UC1 && ink.type() == CV_8UC1 && gray.size() == ink.size());
  const int context = static_cast<int>(std::lround(kSignatureViewContext * cell.height));
  const cv::Rect wanted(cell.x, cell.y - context, cell.width, cell.height + 2 * context);
  // Past the table's image (row 1's context above it, say) is paper.
  cv::Mat g(wanted.size(), CV_8UC1, cv::Scalar(255)), k(wanted.size(), CV_8UC1, cv::Scalar(0));
  const cv::Rect inside = wanted & cv::Rect(0, 0, gray.cols, gray.rows);
  if (!inside.empty()) {
    gray(inside).copyTo(g(inside - wanted.tl()));
    ink(inside).copyTo(k(inside - wanted.tl()));
  }
  const cv::Size size(kSignatureViewWidth, kSignatureViewHeight);
  cv::Mat view(2 * kSignatureViewHeight, kSignatureViewWidth, CV_8UC1);
  cv::Mat small_gray, top = view.rowRange(0, kSignatureViewHeight);
  cv::resize(g, small_gray, size, 0, 0, cv::INTER_AREA);
  // The paper: the cell's brightest tenth (a cell is mostly paper).
  constexpr double kPaperShare = 0.1;
  std::vector<uchar> px(small_gray.begin<uchar>(), small_gray.end<uchar>());
  const auto nth = px.begin() + static_cast<long>((1 - kPaperShare) * (px.size() - 1));
  std::nth_element(px.begin(), nth, px.end());
  const double paper = std::max(1.0, static_cast<double>(*nth));
  small_gray.convertTo(top, CV_8U, -255.0 / paper, 255.0);  // (paper - g) / paper, saturated
  cv::resize(k, view.rowRange(kSignatureViewHeight, 2 * kSignatureViewHeight), size, 0, 0,
             cv::INTER_AREA);
  return view;
}

}  // namespace petiscan
