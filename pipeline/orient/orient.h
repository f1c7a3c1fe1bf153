// Orientation: which quarter turn makes the page upright.
//
// Two separate estimates. On the deskewed page, the quarter turn comes from
// the long ruling lines (the table has about three times more horizontal rule
// than vertical) or, on a page of text, from the sharper of the row and column
// profiles. Once the table is found, the half turn comes from the column split,
// which is right of centre (50-75 %) on an upright sheet, and from where the
// letter's text sits (above the table).
#pragma once

#include <opencv2/core.hpp>

namespace petiscan {

struct OrientSettings {
  // A quarter turn is decided when one direction's evidence exceeds the
  // other's by this factor; below it the page is taken as it is.
  double quarter_turn_ratio = 1.3;
  // A half-turn decision is trusted at or above this confidence.
  double good_confidence = 0.6;
  void validate() const;
};

struct QuarterTurnEstimate {
  bool turn = false;      // rules/text run vertically: turn the page a quarter
  double confidence = 0;  // 0..1
};

// `horizontal` and `vertical` are masks of long lines; `ink` the whole page.
QuarterTurnEstimate estimate_quarter_turn(const cv::Mat& horizontal, const cv::Mat& vertical,
                                          const cv::Mat& ink, const OrientSettings& settings);

// Printed text's own up. In French (and English) print, the ink above a text
// line's x-height band (ascenders, capitals, accents, digits) outweighs the
// ink below it (descenders): on an upside-down page the other way round.
struct TextUpEstimate {
  double vote = 0;  // (above - below) / (above + below) over every line measured: > 0 upright
  int lines = 0;    // pieces of text lines measured
};

// `ink`: a page whose text lines run horizontally, at `dpi`; rows in
// [skip_y0, skip_y1) (the table and its handwriting) are left out.
TextUpEstimate estimate_text_up(const cv::Mat& ink, double dpi, int skip_y0, int skip_y1);

struct HalfTurnEstimate {
  bool turn = false;      // the page is upside down
  double confidence = 0;  // 0..1
};

// `split_fraction`: where the column split sits across the table (0 = left
// border, 1 = right border); `top_gap_rows`/`bottom_gap_rows`: the table's
// first and last rule gaps, in row heights (the header row, 0.4-1 row tall,
// is at the top); `ink_above`/`ink_below`: ink outside the table; `text_up`:
// the printed text's own up.
HalfTurnEstimate estimate_half_turn(double split_fraction, double top_gap_rows,
                                    double bottom_gap_rows, double ink_above, double ink_below,
                                    const TextUpEstimate& text_up);

}  // namespace petiscan
