// Signed or not: is there handwriting in a row's signature cell?
//
// Measured on the cell's ink after the ruling lines are removed, in the
// cell's central band only, so strokes from a neighbouring row that cross
// the rule, and the rule itself, do not count; specks are ignored.
#pragma once

#include <opencv2/core.hpp>

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
  // trace or a stray stroke is narrower) ...
  double min_spread = 0.08;
  // ... not counting specks smaller than this, as a share of the cell's area.
  double speck_area = 0.0004;
  // The decision is trusted at or above this confidence.
  double good_confidence = 0.98;
  void validate() const;
};

struct CellInk {
  double ink = 0;     // share of the central band covered by ink
  double spread = 0;  // horizontal extent of the ink, as a share of the cell width
};

// `cell` is the cell's binary ink (non-zero = ink) with the rules removed.
CellInk measure_cell(const cv::Mat& cell, const SignedSettings& settings);

struct SignedEstimate {
  bool is_signed = false;
  double confidence = 0;  // P(is_signed is right)
};

SignedEstimate decide_signed(const CellInk& ink, const SignedSettings& settings);

}  // namespace petiscan
