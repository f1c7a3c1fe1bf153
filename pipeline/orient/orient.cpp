#include "orient/orient.h"

#include <algorithm>
#include <cmath>
#include <opencv2/imgproc.hpp>
#include <vector>

#include "core/components.h"
#include "core/errors.h"

namespace petiscan {

void OrientSettings::validate() const {
  if (quarter_turn_ratio < 1) throw UsageError("orient.quarter_turn_ratio: at least 1");
  if (good_confidence < 0 || good_confidence > 1)
    throw UsageError("orient.good_confidence: [0, 1]");
}

namespace {

// Sum of squares of a projection: high when ink is gathered in lines
// perpendicular to it.
double profile_sharpness(const cv::Mat& ink, int dim) {
  cv::Mat proj;
  cv::reduce(ink, proj, dim, cv::REDUCE_SUM, CV_64F);
  return proj.dot(proj) / std::max<double>(1, dim == 1 ? ink.cols : ink.rows);
}

}  // namespace

QuarterTurnEstimate estimate_quarter_turn(const cv::Mat& horizontal, const cv::Mat& vertical,
                                          const cv::Mat& ink, const OrientSettings& settings) {
  // A table's rules: horizontal length ~ 11 rules x width, vertical ~ 3 x height.
  double h = cv::countNonZero(horizontal), v = cv::countNonZero(vertical);
  const double rule_evidence = (h + v) / std::max(1, ink.rows * ink.cols);
  // Without rules (a letter page), text lines: rows profile sharper than columns.
  // kMinRuleShare: rules cover at least 0.1 % of a page that has a table.
  constexpr double kMinRuleShare = 0.001;
  if (rule_evidence < kMinRuleShare) {
    h = profile_sharpness(ink, 1);  // sum over columns -> one value per row
    v = profile_sharpness(ink, 0);
  }
  QuarterTurnEstimate est;
  const double hi = std::max(h, v), lo = std::min(h, v);
  if (hi <= 0) return est;
  const double ratio = lo > 0 ? hi / lo : 10.0;
  est.turn = v > h && ratio >= settings.quarter_turn_ratio;
  // ratio 1 -> 0, ratio 3 and more -> 1.
  est.confidence = std::clamp((ratio - 1.0) / 2.0, 0.0, 1.0);
  return est;
}

namespace {

// How far a gap is from a whole number of rows (0 .. 0.5): a data row (or two
// rows whose rule is lost) is ~0, a header row of 0.4-0.8 rows is not.
double off_grid(double gap_rows) {
  const double k = std::max(1.0, std::round(gap_rows));
  return std::min(0.5, std::abs(gap_rows - k));
}

}  // namespace

namespace {

// Text-up strips and line pieces, in inches: a strip is narrow enough that a
// 2° slant moves a line by less than its x-height's quarter; a line piece is
// 0.05-0.3 in tall (8-20 pt print with its ascenders and descenders) and its
// densest row holds at least kMinPeak pixels.
constexpr double kStripIn = 0.5, kMinLineIn = 0.05, kMaxLineIn = 0.3;
constexpr int kMinPeak = 6;

}  // namespace

TextUpEstimate estimate_text_up(const cv::Mat& ink, double dpi, int skip_y0, int skip_y1) {
  TextUpEstimate est;
  if (ink.empty()) return est;
  // Glyphs only: specks (noise, grain) and blobs taller than a text line or
  // wider than a word (rules, the scan's dark border, stains) are dropped.
  // kGlyph*: printed text of 8-14 pt at the work resolution.
  constexpr double kMaxGlyphHeightIn = 0.3, kMaxGlyphWidthIn = 1.0;
  constexpr int kMinGlyphArea = 4;
  cv::Mat page = ink.clone();
  page.rowRange(std::clamp(skip_y0, 0, page.rows), std::clamp(skip_y1, 0, page.rows)).setTo(0);
  const Components parts = find_components(page);
  // 1 per pixel of a glyph: the profiles below count them.
  const cv::Mat glyphs = parts.paint([&](int i) {
    const Component& c = parts.items[static_cast<size_t>(i)];
    return c.area >= kMinGlyphArea && c.height() <= kMaxGlyphHeightIn * dpi &&
           c.width() <= kMaxGlyphWidthIn * dpi;
  });
  // Narrow strips, so that a line slanted by a phone's perspective still
  // shows its x-height band; in each, the bands of rows holding ink are the
  // pieces of text lines.
  const int strip = std::max(16, static_cast<int>(kStripIn * dpi));
  const int min_line = std::max(4, static_cast<int>(kMinLineIn * dpi));
  const int max_line = static_cast<int>(kMaxLineIn * dpi);
  double above = 0, below = 0;
  std::vector<int> prof(glyphs.rows);
  for (int x0 = 0; x0 < glyphs.cols; x0 += strip) {
    const int x1 = std::min(glyphs.cols, x0 + strip);
    for (int y = 0; y < glyphs.rows; ++y) {
      const uchar* g = glyphs.ptr<uchar>(y);
      int c = 0;
      for (int x = x0; x < x1; ++x) c += g[x];
      prof[y] = c;
    }
    for (int y = 0; y < glyphs.rows;) {
      if (!prof[y]) {
        ++y;
        continue;
      }
      const int a = y;
      int peak = 0;
      while (y < glyphs.rows && prof[y]) peak = std::max(peak, prof[y++]);
      const int b = y;  // the band is [a, b)
      if (b - a < min_line || b - a > max_line || peak < kMinPeak) continue;
      // The x-height band: the rows at least half as inked as the densest.
      int c0 = a, c1 = b - 1;
      while (2 * prof[c0] < peak) ++c0;
      while (2 * prof[c1] < peak) --c1;
      for (int r = a; r < c0; ++r) above += prof[r];
      for (int r = c1 + 1; r < b; ++r) below += prof[r];
      ++est.lines;
    }
  }
  if (above + below > 0) est.vote = (above - below) / (above + below);
  return est;
}

HalfTurnEstimate estimate_half_turn(double split_fraction, double top_gap_rows,
                                    double bottom_gap_rows, double ink_above, double ink_below,
                                    const TextUpEstimate& text_up) {
  HalfTurnEstimate est;
  // The split is printed between 50 % and 75 % across an upright table; each
  // 0.1 away from the middle is strong evidence.
  const double split_vote = std::clamp((split_fraction - 0.5) / 0.1, -1.0, 1.0);
  // The header row, shorter than a data row, sits at the top. kHeaderOffGrid:
  // an end gap 0.15 row off the grid (a header up to 0.85 row) is sure.
  constexpr double kHeaderOffGrid = 0.15;
  const double header_vote =
      std::clamp((off_grid(top_gap_rows) - off_grid(bottom_gap_rows)) / kHeaderOffGrid, -1.0, 1.0);
  // The letter's text sits above the table, the "Copie conforme" list below:
  // a weak cue, used to break a near-tie.
  const double total = ink_above + ink_below;
  const double text_vote = total > 0 ? std::clamp((ink_above - ink_below) / total, -1.0, 1.0) : 0;
  // The printed text's own up (estimate_text_up): measured on the training
  // sets (seeds 100, 101) at +0.17 to +0.58 on upright sheets and -0.19 to
  // -0.45 on upside-down ones, rarely near 0 on very noisy scans; kTextFull:
  // a vote this far from 0 is sure. Fewer than kTextLines line pieces (a
  // sheet with little print around the table) weigh proportionally less.
  constexpr double kTextFull = 0.2, kTextLines = 30;
  const double text_up_vote =
      std::clamp(text_up.vote / kTextFull, -1.0, 1.0) * std::min(1.0, text_up.lines / kTextLines);
  // Weights: the split, the header and the print's up are printed facts;
  // any one alone, when clear, decides (confidence 0.6 at least when the
  // others are silent), and two of them outvote the third.
  const double vote = 0.6 * split_vote + 0.6 * header_vote + 0.6 * text_up_vote + 0.1 * text_vote;
  est.turn = vote < 0;
  est.confidence = std::min(1.0, std::abs(vote));
  return est;
}

}  // namespace petiscan
