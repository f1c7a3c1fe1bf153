#include "rows/rows.h"

#include <algorithm>
#include <cmath>
#include <opencv2/imgproc.hpp>
#include <vector>

#include "core/errors.h"

namespace petiscan {

void RowSettings::validate() const {
  if (!(min_row_fraction > 0 && min_row_fraction < max_row_fraction && max_row_fraction < 0.5)) {
    throw UsageError("rows: 0 < min_row_fraction < max_row_fraction < 0.5");
  }
  if (match_tolerance <= 0 || match_tolerance >= 0.5)
    throw UsageError("rows.match_tolerance: (0, 0.5)");
  if (min_matched < 2 || min_matched > 10) throw UsageError("rows.min_matched: 2 to 10");
}

namespace {

// Rule positions: peaks of the horizontal-line profile, merged when close.
std::vector<double> rule_positions(const cv::Mat& horizontal, double coverage) {
  cv::Mat prof;
  cv::reduce(horizontal, prof, 1, cv::REDUCE_SUM, CV_64F);
  const double need = coverage * horizontal.cols * 255.0;
  std::vector<double> peaks;
  int y = 0;
  while (y < prof.rows) {
    if (prof.at<double>(y) < need) {
      ++y;
      continue;
    }
    double sum = 0, wsum = 0;
    while (y < prof.rows && prof.at<double>(y) >= need) {
      sum += prof.at<double>(y);
      wsum += prof.at<double>(y) * y;
      ++y;
    }
    peaks.push_back(wsum / sum);
  }
  return peaks;
}

double nearest(const std::vector<double>& v, double x) {
  double best = 1e9;
  for (double p : v) best = std::min(best, std::abs(p - x));
  return best;
}

// A frame short of rows at its top (its top rule and the top of the split
// lost: faint or broken print): rows taller than the frame allows, still
// ending on its bottom rule `b`, whose top ones lie above it. Sets
// layout.missing_above and row_height when such rows match the rules.
void short_frame(const std::vector<double>& rules, double b, double height, const RowSettings& s,
                 RowLayout& layout) {
  // A frame short of rows at its top: rows taller than the frame allows,
  // still ending on its bottom rule, whose top ones lie above it.
  // kMaxMissingRows: the frame may lose the header and up to 2 rows.
  constexpr double kMaxMissingRows = 3;
  double short_score = -1, short_d = 0;
  for (double p : rules) {
    for (int k = 1; k <= 9; ++k) {
      const double d = (b - p) / k;
      if (d <= s.max_row_fraction * height || 9 * d > height + kMaxMissingRows * d) continue;
      double score = 0;
      for (int j = 0; j <= 9; ++j) {
        if (b - j * d < -s.match_tolerance * d) break;
        const double off = nearest(rules, b - j * d);
        score += std::max(0.0, 1.0 - off / (s.match_tolerance * d));
      }
      if (score > short_score) short_score = score, short_d = d;
    }
  }
  if (short_score >= s.min_matched) {
    layout.missing_above = 9 * short_d - b;
    layout.row_height = short_d;
  }
}

// Where the column split runs when no line shows it (a faint print's split
// lost): the widest clear gap in the writing of the header and the rows,
// between kSplitMin and kSplitMax across (printed at 50-75 %), the rules'
// bands left out. Signatures end and codes start on either side of it; an
// empty table's header words, one over each column, still show it.
double split_in_writing(const cv::Mat& ink, const RowLayout& layout) {
  constexpr double kSplitMin = 0.45, kSplitMax = 0.8;
  constexpr double kRuleBand = 0.1;  // of a row, either side of a rule
  const double d = (layout.boundaries[9] - layout.boundaries[0]) / 9;
  const std::vector<double> rules(layout.boundaries.begin(), layout.boundaries.end());
  cv::Mat cols = cv::Mat::zeros(1, ink.cols, CV_64F), row;
  const int bottom = std::min(ink.rows, static_cast<int>(layout.boundaries[9]));
  for (int y = 0; y < bottom; ++y) {
    if (nearest(rules, y) < kRuleBand * d) continue;
    ink.row(y).convertTo(row, CV_64F);
    cols += row;
  }
  // Smoothed over a pen stroke's gap (1 % of the width), so a gap is clear
  // over that width at least.
  const int win = std::max(3, ink.cols / 100) | 1;
  cv::blur(cols, cols, {win, 1}, {-1, -1}, cv::BORDER_REPLICATE);
  const int x0 = static_cast<int>(kSplitMin * ink.cols),
            x1 = static_cast<int>(kSplitMax * ink.cols);
  double least = 1e300;
  for (int x = x0; x < x1; ++x) least = std::min(least, cols.at<double>(x));
  // The longest run at the least ink (within a speck's worth: 255 a pixel).
  const double clear = least + 2 * 255.0;
  int best_len = 0, best_mid = (x0 + x1) / 2;
  for (int x = x0; x < x1;) {
    if (cols.at<double>(x) > clear) {
      ++x;
      continue;
    }
    int end = x;
    while (end < x1 && cols.at<double>(end) <= clear) ++end;
    if (end - x > best_len) best_len = end - x, best_mid = (x + end) / 2;
    x = end;
  }
  return best_mid;
}

}  // namespace

RowLayout find_rows(const cv::Mat& ink, const LineMasks& masks,
                    std::optional<double> split_fraction, const RowSettings& s) {
  RowLayout layout;
  const double height = ink.rows;
  const std::vector<double> peaks = rule_positions(masks.horizontal, s.rule_coverage);
  if (peaks.empty()) {
    layout.reason = "rows_not_found";
    return layout;
  }
  // The frame's bottom edge is the last boundary (the canonical image ends
  // on it, so its rule is only half there: both frame edges count as rules).
  std::vector<double> rules = peaks;
  if (rules.front() > 0.02 * height) rules.insert(rules.begin(), 0.0);
  if (rules.back() < 0.98 * height) rules.push_back(height - 1);
  const double b = height - 1;
  // Candidate spacings: (bottom - rule) / k for every rule and k.
  double best_score = -1, best_d = 0, best_b = b;
  for (double p : rules) {
    for (int k = 1; k <= 9; ++k) {
      const double d = (b - p) / k;
      if (d < s.min_row_fraction * height || d > s.max_row_fraction * height) continue;
      double score = 0;
      for (int j = 0; j <= 9; ++j) {
        const double off = nearest(rules, b - j * d);
        score += std::max(0.0, 1.0 - off / (s.match_tolerance * d));
      }
      if (score > best_score) best_score = score, best_d = d;
    }
  }
  if (best_d <= 0) {
    short_frame(rules, b, height, s, layout);
    layout.reason = "rows_not_found";
    return layout;
  }
  // Refine spacing and anchor by least squares on the matched rules.
  std::vector<std::pair<int, double>> matched;
  for (int k = 0; k <= 9; ++k) {
    const double want = best_b - k * best_d;
    double got = -1, off = 1e9;
    for (double p : rules) {
      if (std::abs(p - want) < off) off = std::abs(p - want), got = p;
    }
    if (off <= s.match_tolerance * best_d) matched.emplace_back(9 - k, got);
  }
  layout.matched = static_cast<int>(matched.size());
  if (layout.matched < s.min_matched) {
    short_frame(rules, b, height, s, layout);
    layout.reason = "rows_not_found";
    return layout;
  }
  double sx = 0, sy = 0, sxx = 0, sxy = 0;
  for (auto [i, y] : matched) sx += i, sy += y, sxx += i * i, sxy += i * y;
  const double m = static_cast<double>(matched.size());
  const double d = (m * sxy - sx * sy) / std::max(1e-9, m * sxx - sx * sx);
  const double y0 = (sy - d * sx) / m;
  for (int i = 0; i <= 9; ++i) layout.boundaries[i] = y0 + i * d;
  // A rule actually seen is more exact than the fit (paper is not perfectly flat).
  for (auto [i, y] : matched) layout.boundaries[i] = y;

  // Column split: the strongest vertical line between 20 % and 80 % across.
  cv::Mat cols;
  const int top = std::clamp(static_cast<int>(layout.boundaries[0]), 0, ink.rows - 1);
  const int bottom = std::clamp(static_cast<int>(layout.boundaries[9]), top + 1, ink.rows);
  cv::reduce(masks.vertical.rowRange(top, bottom), cols, 0, cv::REDUCE_SUM, CV_64F);
  double best_v = 0;
  int best_x = -1;
  for (int x = ink.cols / 5; x < ink.cols * 4 / 5; ++x) {
    if (cols.at<double>(x) > best_v) best_v = cols.at<double>(x), best_x = x;
  }
  if (best_x >= 0 && best_v / 255.0 > 0.5 * (bottom - top))
    layout.split_x = best_x;
  else
    layout.split_x = split_fraction ? *split_fraction * ink.cols : split_in_writing(ink, layout);
  layout.found = true;
  layout.confidence = std::min(1.0, layout.matched / 9.0);
  return layout;
}

RowLayout rows_under_header(const cv::Mat& ink, const LineMasks& masks,
                            std::optional<double> split_fraction, const RowSettings& s) {
  RowLayout layout;
  layout.reason = "rows_not_found";
  const int w = ink.cols, h = ink.rows;
  // The writing: the ink without the lines (and their rims), away from the sides.
  cv::Mat lines, words;
  cv::dilate(masks.horizontal | masks.vertical, lines,
             cv::getStructuringElement(cv::MORPH_RECT, {5, 5}));
  cv::bitwise_and(ink, ~lines, words);
  constexpr double kSideMargin = 0.03;
  const cv::Range across(static_cast<int>(kSideMargin * w),
                         static_cast<int>((1 - kSideMargin) * w));
  std::vector<int> row_ink(static_cast<size_t>(h) + 1, 0);  // cumulative, by row
  for (int y = 0; y < h; ++y)
    row_ink[y + 1] = row_ink[y] + cv::countNonZero(words(cv::Range(y, y + 1), across));
  auto ink_between = [&](int a, int b) {  // rows a to b - 1
    return row_ink[std::clamp(b, 0, h)] - row_ink[std::clamp(a, 0, h)];
  };
  // The header's words: the first line of writing within kMaxHeaderTop of
  // the table's height (a header 1.15 rows tall of 10.15 is 11 % of it),
  // after kTopRim (what is left of the top rule). A pixel row is inked when
  // kInkedShare of the width is; the line ends at a gap of kLineGap.
  constexpr double kTopRim = 0.01, kMaxHeaderTop = 0.08, kLineGap = 0.01, kInkedShare = 0.004;
  const int inked = std::max(2, static_cast<int>(kInkedShare * w));
  int a = static_cast<int>(kTopRim * h);
  while (a < kMaxHeaderTop * h && ink_between(a, a + 1) < inked) ++a;
  if (a >= kMaxHeaderTop * h) return layout;
  int b = a;
  for (int y = a + 1; y < h && y - b <= kLineGap * h; ++y) {
    if (ink_between(y, y + 1) >= inked) b = y;
  }
  // The header is 0.35 to 1.15 rows tall and holds its words; the 9 rows
  // share what is left down to the bottom edge. Of the heights it may have,
  // those whose rules cross the least writing (people write inside the
  // rows), and of them the middle of the widest run: a rule seen nowhere,
  // the writing is all that places the rows.
  auto spacing = [&](double header) { return (h - 1 - header) / 9.0; };
  constexpr double kBandRows = 0.05;
  // A header r rows tall is r (h - 1) / (9 + r) pixels.
  const int lo = std::max(b + 2, static_cast<int>(std::ceil(kPlacedHeaderMinRows * (h - 1) /
                                                            (9 + kPlacedHeaderMinRows))));
  const int hi = static_cast<int>(kPlacedHeaderMaxRows * (h - 1) / (9 + kPlacedHeaderMaxRows));
  if (lo > hi) return layout;
  std::vector<int> crossed;
  for (int header = lo; header <= hi; ++header) {
    const double d = spacing(header);
    const int band = std::max(1, static_cast<int>(kBandRows * d));
    int sum = 0;
    for (int i = 0; i < 9; ++i) {
      const int y = static_cast<int>(std::lround(header + i * d));
      sum += ink_between(y - band, y + band + 1);
    }
    crossed.push_back(sum);
  }
  const int least = *std::min_element(crossed.begin(), crossed.end());
  // Rows a person wrote in leave their rules clear but for strokes running
  // over (train seeds 300 env0101#3, 301 env0059_p2: 1.4 and 2.7 % of the
  // writing); a paragraph's lines run under any rules (a letter's boxed
  // paragraph, drawn: 6.8 %).
  constexpr double kMaxCrossedShare = 0.04;
  if (least > kMaxCrossedShare * ink_between(b + 1, h)) return layout;
  const int tolerable = least + least / 20 + 1;
  int run_start = -1, best_start = 0, best_len = 0;
  for (int i = 0; i <= static_cast<int>(crossed.size()); ++i) {
    const bool ok = i < static_cast<int>(crossed.size()) && crossed[i] <= tolerable;
    if (ok && run_start < 0) run_start = i;
    if (!ok && run_start >= 0) {
      if (i - run_start > best_len) best_len = i - run_start, best_start = run_start;
      run_start = -1;
    }
  }
  const double header = lo + best_start + (best_len - 1) / 2.0;
  const double d = spacing(header);
  if (d < s.min_row_fraction * h || d > s.max_row_fraction * h) return layout;
  for (int i = 0; i <= 9; ++i) layout.boundaries[i] = header + i * d;
  const std::vector<double> rules = rule_positions(masks.horizontal, s.rule_coverage);
  for (double y : layout.boundaries)
    layout.matched += !rules.empty() && nearest(rules, y) <= s.match_tolerance * d;
  layout.split_x = split_fraction ? *split_fraction * w : split_in_writing(ink, layout);
  layout.found = true;
  layout.confidence = kUnruledConfidence;
  layout.reason.clear();
  return layout;
}

RowLayout rows_below_header(const cv::Mat& ink, double header_rows) {
  RowLayout layout;
  const double header = std::max(0.0, header_rows);
  const double top = header / (9 + header) * (ink.rows - 1);
  const double d = (ink.rows - 1 - top) / 9;
  for (int i = 0; i <= 9; ++i) layout.boundaries[i] = top + i * d;
  layout.split_x = split_in_writing(ink, layout);
  layout.found = true;
  layout.confidence = kUnruledConfidence;
  return layout;
}

}  // namespace petiscan
