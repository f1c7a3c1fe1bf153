// Rows: the 9 row slots of a table, found in the table's rectified
// (canonical) image, where the rules run exactly horizontally.
//
// The 9 rows are evenly spaced and end at the table's bottom rule, so the
// row boundaries are fitted as an arithmetic progression anchored there: a
// faint, broken or missing rule, a fold or a signature across a rule never
// loses or merges a row; the header row above the first boundary, if the
// table has one, is whatever is left.
#pragma once

#include <array>
#include <opencv2/core.hpp>
#include <optional>
#include <string>

#include "table/table.h"

namespace petiscan {

struct RowSettings {
  // Row height as a fraction of the table height: 9 rows plus a header of
  // 0 to 1.5 rows.
  double min_row_fraction = 1.0 / 11.0;
  double max_row_fraction = 1.0 / 8.5;
  // A rule matches a fitted boundary within this fraction of the row height.
  double match_tolerance = 0.15;
  // Fewest of the 10 boundaries that must be seen as rules.
  int min_matched = 6;
  // A horizontal profile peak counts as a rule when it covers this share of the width.
  double rule_coverage = 0.35;
  double good_confidence = 0.6;
  void validate() const;
};

struct RowLayout {
  bool found = false;
  double confidence = 0;
  std::string reason;
  std::array<double, 10> boundaries{};  // canonical y of the 10 boundaries, top to bottom
  double split_x = 0;                   // canonical x of the column split
  int matched = 0;                      // boundaries seen as rules
  // When not found because the frame is short of rows at its top (its top
  // rule and the top of the split lost: faint or broken print), the
  // canonical pixels of rows missing above it, and the row height; 0 otherwise.
  double missing_above = 0;
  double row_height = 0;
};

// `ink` is the canonical table image's ink (CV_8U), frame at its edges;
// `split_fraction` the column split found on the page, used when the
// canonical image does not show it better; when none was seen, the split is
// the widest gap in the writing between 45 and 80 % across.
RowLayout find_rows(const cv::Mat& ink, const LineMasks& masks,
                    std::optional<double> split_fraction, const RowSettings& settings);

// The rows of a table whose outline alone was seen (TableFrame::outline_only):
// the header holds the first line of writing under the top edge and is 0.35
// to 1.15 rows tall, the 9 rows share the rest down to the bottom edge. Of
// the header heights allowed, those whose rules would cross the least
// writing, and of them the middle of the widest run. Not found without such
// a first line, or when the least writing crossed is over 4 % of it (a
// paragraph's lines, not rows written in). Confidence 0.5: no rule confirms them.
RowLayout rows_under_header(const cv::Mat& ink, const LineMasks& masks,
                            std::optional<double> split_fraction, const RowSettings& settings);

// The 9 rows of a table whose header is `header_rows` of a row tall (a frame
// placed from its writing: TableFrame::top_gap_rows, the table upright),
// evenly spaced below it; the split is the widest gap in the writing.
// Confidence 0.5.
RowLayout rows_below_header(const cv::Mat& ink, double header_rows);

}  // namespace petiscan
