// Signed or not: is there handwriting in a row's signature cell?
//
// Measured on the cell's ink after the ruling lines are removed, in the
// cell's central band only, so strokes from a neighbouring row that cross
// the rule, and the rule itself, do not count; specks are ignored.
#pragma once

#include <opencv2/core.hpp>
#include <vector>

namespace petiscan {

struct SignedSettings {
  // Share of the cell's height ignored at its top and bottom (strokes of the
  // rows above and below reach into it).
  double edge_band = 0.14;
  // Share of the cell's width ignored at its left and right (the vertical rules).
  double side_band = 0.02;
  // A signature: ink covering at least this share of the central band ...
  double min_ink = 0.006;
  // ... spread across at least this share of the cell width (a dot, a fold's
  // trace or a stray stroke is narrower: stray dots measured at 2-3 %, small
  // signatures and initials at 7-11 % on train seeds 100-102) ...
  double min_spread = 0.05;
  // ... with one piece of ink at least this share of the central band (a pen
  // stroke is long; a dithered or noisy scan's grain, even where it clumps
  // into specks past speck_area, is not: grain at most 0.12 %, the smallest
  // signature's longest stroke 0.28 % on train seeds 100-102) ...
  // ... not counting specks smaller than this, as a share of the cell's area.
  double speck_area = 0.0004;
  double min_largest = 0.0018;
  // The decision is trusted at or above this confidence.
  double good_confidence = 0.98;
  // Ink whose contrast is below this share of the strongest contrast among
  // the sheet's other signatures is a stain or a fold's shadow, not a pen:
  // not signed, and sent to review (train seed 110: such stains at 0.13-0.39,
  // signatures at 0.35 and above among 1,088).
  double min_relative_contrast = 0.3;
  // Ink both this faint (contrast, gray levels) and this scant (share of the
  // central band) is a stain's rim, a coffee ring, a fold's shadow: not
  // signed, and sent to review. On train seeds 112 and 113, 11 of 13 stained
  // rows taken for signatures had contrast 33-47 and ink 0.7-4 %; the faint
  // signatures of phone photos in uneven light (contrast down to 37) cover
  // 6-13 % of the band, and small ones (1-4 %) have contrast 55 and above.
  double stain_max_contrast = 50;
  double stain_max_ink = 0.05;
  void validate() const;
};

struct CellInk {
  double ink = 0;      // share of the central band covered by ink
  double spread = 0;   // horizontal extent of the ink, as a share of the cell width
  double largest = 0;  // the largest piece of ink, as a share of the central band
  // How much darker than the cell's paper its darkest ink is (gray levels).
  // Not decided on alone: stains measured at 46-55, but signatures on phone
  // photos in uneven light go as low as 46 (train seeds 100-102); compared
  // with the sheet's other signatures by fainter_than_the_sheet().
  double contrast = 0;
};

// `cell` is the cell's binary ink (non-zero = ink) with the rules removed;
// `gray`, when given, the same cell's gray pixels (for the ink's contrast).
CellInk measure_cell(const cv::Mat& cell, const SignedSettings& settings,
                     const cv::Mat& gray = cv::Mat());

struct SignedEstimate {
  bool is_signed = false;
  double confidence = 0;  // P(is_signed is right)
};

// Signed when ink, spread and largest piece all pass their thresholds, unless
// the ink is a stain's (stain_max_contrast, stain_max_ink; then not signed,
// below good_confidence).
SignedEstimate decide_signed(const CellInk& ink, const SignedSettings& settings);

// The rows of one sheet decided signed whose ink is far fainter than the
// sheet's other signatures (see min_relative_contrast): turned to not signed,
// with a confidence below good_confidence so that a person confirms.
// `ink` and `estimates` hold the sheet's rows in order. Returns how many.
int fainter_than_the_sheet(const std::vector<CellInk>& ink, std::vector<SignedEstimate>& estimates,
                           const SignedSettings& settings);

// What the signed net (signed/signed_net.h) sees of a row: its signature cell
// with kSignatureViewContext of a row height above and below (a neighbour's
// stroke crossing the rule shows where it comes from), averaged down to
// kSignatureViewHeight x kSignatureViewWidth whatever the column's width, twice,
// stacked: on top how much darker than the cell's paper each pixel is (0 =
// paper, 255 = black; a stain is faint, a pen is not), below the share of it
// that is ink once the rules are removed. CV_8UC1, 2 * kSignatureViewHeight
// rows. `gray` and `ink` are the straightened table (same size), `cell` the
// signature cell in it.
inline constexpr int kSignatureViewHeight = 32, kSignatureViewWidth = 256;
inline constexpr double kSignatureViewContext = 0.3;
cv::Mat signature_view(const cv::Mat& gray, const cv::Mat& ink, const cv::Rect& cell);

}  // namespace petiscan
