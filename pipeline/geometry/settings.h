// Every geometry stage's settings, with their defaults: validated once,
// printed by `petiscan scan --print-config`.
#pragma once

#include <nlohmann/json.hpp>

#include "classify/classify.h"
#include "deskew/deskew.h"
#include "orient/orient.h"
#include "rectify/rectify.h"
#include "rows/rows.h"
#include "signed/signed.h"
#include "table/table.h"

namespace petiscan {

struct GeometrySettings {
  // Resolution the page is analysed at (the original is kept for cutting
  // cells): 150 DPI shows 1-px rules of a 300-DPI scan as gray, not gone,
  // and keeps all stages together well under 100 ms a page.
  double work_dpi = 150;
  // Binarisation: a pixel is ink when darker than its neighbourhood's mean
  // (a square of this many inches) by this many gray levels. The offset was
  // measured on train sets (seeds 100, 101): 14 lost faint rules; 9 and 6 did
  // equally well (sheet count exact 89 % both); 9 keeps more margin from noise.
  double binarize_window_in = 0.3;
  double binarize_offset = 9;
  DeskewSettings deskew;
  OrientSettings orient;
  TableSettings table;
  RectifySettings rectify;
  RowSettings rows;
  SignedSettings signature;
  ClassifySettings classify;

  void validate() const;
  nlohmann::json to_json() const;
};

}  // namespace petiscan
