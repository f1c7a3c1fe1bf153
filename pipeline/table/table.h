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
  // Pieces of rules at least this long survive (a broken rule's pieces
  // too); words are told apart by their thickness (max_rule_thickness_in).
  double horizontal_kernel = 0.06;
  double vertical_kernel = 0.06;
  // Gaps bridged in a broken or dashed rule, as a fraction of the page width
  // (letters' short strokes are removed first, so text lines stay apart).
  double gap_bridge = 0.02;
  // A horizontal rule of the table spans at least this fraction of the
  // sheet's width, and its pieces cover at least min_rule_coverage of that span.
  double min_rule_width = 0.35;
  double min_rule_coverage = 0.4;
  // Rules are printed 1-6 px wide at 300 DPI (0.02 in); a word's blob is a
  // text line tall (~0.1 in). Mean thickness above this is not a rule.
  double max_rule_thickness_in = 0.045;
  // Rules belong to the same table when their ends agree within this fraction of the page width.
  double end_tolerance = 0.07;
  // Fewest rules that make a table (the table has 10 or 11).
  int min_rules = 5;
  void validate() const;
};

struct LineMasks {
  cv::Mat horizontal;  // long horizontal lines (CV_8U, 255)
  cv::Mat vertical;    // long vertical lines
};

// How rules are looked for. Solid: letters' short strokes are removed before
// the gaps of a broken rule are bridged. Faint: also a rule that a 1-bit
// scan of a faint or thin print has broken into short dashes (shorter than a
// letter's stroke), joined from flat pieces only, which text has few of; and
// a thin rule slanted by a photo's perspective.
enum class RuleStyle { Solid, Faint };

// `dpi`: the image's resolution (short strokes are judged in inches).
LineMasks find_line_masks(const cv::Mat& ink, double dpi, const TableSettings& settings,
                          RuleStyle style = RuleStyle::Solid);

// A header row placed from its words, no rule showing it (rows_under_header
// in rows/rows.h, find_writing_frame): 0.35 to 1.15 of a data row tall.
constexpr double kPlacedHeaderMinRows = 0.35, kPlacedHeaderMaxRows = 1.15;
// Confidence of a frame or rows no rule confirms (an outline's rows, a
// frame placed from the writing).
constexpr double kUnruledConfidence = 0.5;

struct TableFrame {
  bool found = false;
  double confidence = 0;
  std::string reason;                    // when not found: "no_rules", "no_column_split"
  std::array<cv::Point2f, 4> corners{};  // TL, TR, BR, BL as the image stands
  double split_fraction = 0;             // the column split across the frame (0 left, 1 right)
  // Whether the split was seen: a frame of many evenly spaced rules is kept
  // without it (its split lost), and split_fraction is then 0.5.
  bool split_seen = true;
  // The gap between the two topmost (bottommost) rules, in median rule gaps:
  // the header row (0.4-1 row tall) is at the top of an upright table.
  double top_gap_rows = 1;
  double bottom_gap_rows = 1;
  int rules = 0;  // horizontal rules of the table found
  // A family of at least min_rules long rules sharing their ends, evenly
  // spaced a row apart, was seen: the page is ruled like a sheet, even when
  // the frame could not be completed (its column split lost, say).
  bool ruled = false;
  int long_rules = 0;  // every long horizontal rule on the page
  // Only the frame's outline was seen: its two sides and its top or bottom
  // rule, no rule between (a 1-bit scan of a faint print keeps the thicker
  // outer rules alone). Its rows are then placed under the header's words
  // (rows_under_header in rows/rows.h).
  bool outline_only = false;
  // No rule was seen: the frame was placed from the header's words and the
  // code lines under them (find_writing_frame). Its rows are then placed as
  // an outline's are.
  bool from_writing = false;
};

// On a page whose rules run horizontally (deskewed and quarter-turned).
// `dpi`: the image's resolution. `sheet_width`: the width of the sheet of
// paper on the image, in its pixels, when known (a phone photo's sheet may
// fill half its width); 0 takes the image's width. min_rule_width is a share of it.
TableFrame find_table_frame(const LineMasks& masks, double dpi, const TableSettings& settings,
                            double sheet_width = 0);

// The table's frame from its outline alone, when no family of rules made it
// (find_table_frame found none): two long sides of one height joined by a
// rule at their top or bottom, a table's size, no text lines between them
// and no more than one long line down between them (the column split). Its
// frame has outline_only set, confidence 0.5. Same conventions as find_table_frame.
TableFrame find_outline_frame(const LineMasks& masks, double dpi, const TableSettings& settings,
                              double sheet_width = 0);

// The table's frame from the writing alone, when no rule of it was seen (a
// 1-bit scan of a light print may lose them all): the header is a line of
// two titles far apart, the signatures' left of the page's middle and the
// codes' right of it; under the codes' title, at least 3 lines of writing
// lie on rows 9.5 to 20 mm apart, a header of 0.35 to 1.15 rows above the
// first, and at most one line off the rows. `upside_down`: looked for on the
// page turned a half turn (top_gap_rows and bottom_gap_rows then say the
// header is at the bottom as the page stands). A sheet's rows of writing
// can pass for a header and lines under it when the page is taken the wrong
// way up: the caller checks which way up its printed text is.
// The frame has from_writing set, split_seen false, confidence 0.5. When not
// found, its reason is "no_titles" (no such header line) or
// "codes_not_on_rows" (titles seen, the lines under them not on rows).
// `writing`: writing_ink() of a page whose text lines run horizontally;
// `dpi` its resolution.
TableFrame find_writing_frame(const cv::Mat& writing, double dpi, bool upside_down);

// The page's ink as find_writing_frame() reads it: without specks (the dots
// a 1-bit scan left of the rules) and the sheet's edge. Made once for both
// ways up.
cv::Mat writing_ink(const cv::Mat& ink, double dpi);

// Whether the page's ink rows show a table's rules where the line masks see
// none: a thin rule that a 1-bit scan left as scattered dots (too few to join
// into a line) still puts more ink on its pixel row than on the rows either
// side; at least min_rules such rows sharing their ends and evenly spaced a
// row apart (see evenly_ruled in table.cpp) are a table.
// On a page whose rules run horizontally (deskewed and quarter-turned).
bool ruled_by_profile(const cv::Mat& ink, double dpi, const TableSettings& settings,
                      double sheet_width = 0);

}  // namespace petiscan
