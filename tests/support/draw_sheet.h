// Drawing petition sheets in code, for tests that need a page the pipeline
// should read (the generator in scripts/ makes realistic ones; these are
// simple, exact and fast).
#pragma once

#include <opencv2/core.hpp>
#include <optional>
#include <string>
#include <vector>

namespace petiscan::test {

struct DrawnRow {
  bool is_signed = false;
  std::optional<std::string> code;  // written as given
};

struct SheetSpec {
  double dpi = 150;
  std::vector<DrawnRow> rows = std::vector<DrawnRow>(9);
  double column_split = 0.62;  // signature column's share of the table width
  int line_px_at_300 = 3;      // ruling line width at 300 DPI
  double skew_deg = 0;         // counter-clockwise
  int seed = 1;                // signature scribbles
};

// Where draw_sheet() puts the table, in pixels of the unskewed page.
struct TableLayout {
  int left = 0, right = 0;  // the outer vertical rules
  int split = 0;            // the column split
  int top = 0;              // the header's top rule
  int header_h = 0, row_h = 0;
  int bottom() const { return top + header_h + 9 * row_h; }
};
TableLayout table_layout(const SheetSpec& spec);

// A Letter page (8.5 x 11 in) with a few lines of letter text, the table
// "Signatures | Code postal" of 9 rows, and the "Copie conforme" lines.
cv::Mat draw_sheet(const SheetSpec& spec);
// The letter's first page: paragraphs of text, no table. Its lines are all
// the same sentence, or, `varied`, the sentence's words turned round by one
// word a line (lines of the same width that stack no letters into columns).
cv::Mat draw_letter_page(double dpi, bool varied = false);

}  // namespace petiscan::test
