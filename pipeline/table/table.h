// Table: the long ruling lines of a page and the outer frame of the
// "Signatures | Code postal" table they draw.
#pragma once

#include <array>
#include <opencv2/core.hpp>
#include <string>

namespace petiscan {

struct TableSettings {
  // Structuring elements, as fractions of the page's width (height for
  // vertical lines): long enough that text never survives the opening, short
  // enough for a rule broken by a fold or a faint print.
  // Table rules span more than half the page; the longest word of a text
  // line (characters joined by the gap bridge) well under 0.15 of it.
  double horizontal_kernel = 0.15;
  double vertical_kernel = 0.06;
  // Gaps bridged in a broken rule, as a fraction of the page width: smaller
  // than the space between two words (~0.1 in), so text lines stay apart.
  double gap_bridge = 0.006;
  // A horizontal rule of the table spans at least this fraction of the page width.
  double min_rule_width = 0.35;
  // Rules belong to the same table when their ends agree within this fraction of the page width.
  double end_tolerance = 0.04;
  // Fewest rules that make a table (the table has 10 or 11).
  int min_rules = 5;
  void validate() const;
};

struct LineMasks {
  cv::Mat horizontal;  // long horizontal lines (CV_8U, 255)
  cv::Mat vertical;    // long vertical lines
};

LineMasks find_line_masks(const cv::Mat& ink, const TableSettings& settings);

struct TableFrame {
  bool found = false;
  double confidence = 0;
  std::string reason;                    // when not found: "no_rules", "no_column_split"
  std::array<cv::Point2f, 4> corners{};  // TL, TR, BR, BL as the image stands
  double split_fraction = 0;             // the column split across the frame (0 left, 1 right)
  int rules = 0;                         // horizontal rules of the table found
  int long_rules = 0;                    // every long horizontal rule on the page
};

// On a page whose rules run horizontally (deskewed and quarter-turned).
TableFrame find_table_frame(const LineMasks& masks, const TableSettings& settings);

}  // namespace petiscan
