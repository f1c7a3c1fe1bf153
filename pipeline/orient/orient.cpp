#include "orient/orient.h"

#include <algorithm>
#include <cmath>

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

HalfTurnEstimate estimate_half_turn(double split_fraction, double top_gap_rows,
                                    double bottom_gap_rows, double ink_above, double ink_below) {
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
  // Weights: the split and the header are both printed facts; either alone,
  // when clear, decides (confidence 0.6 at least when the other is silent).
  const double vote = 0.6 * split_vote + 0.6 * header_vote + 0.1 * text_vote;
  est.turn = vote < 0;
  est.confidence = std::min(1.0, std::abs(vote));
  return est;
}

}  // namespace petiscan
