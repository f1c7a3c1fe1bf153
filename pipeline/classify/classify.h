// Page kind: a signature sheet, another page (the letter, a cover note), or blank.
#pragma once

#include "core/types.h"

namespace petiscan {

struct ClassifySettings {
  // A page with less ink than this share of its area (after specks are
  // removed) is blank: a letter page carries 2-6 %, a table alone ~1 %.
  double blank_max_ink = 0.0015;
  // A page with at least this many long horizontal rules is taken for a
  // sheet even when its table cannot be read (it then goes to review).
  int sheet_min_long_rules = 5;
  void validate() const;
};

struct KindEstimate {
  PageKind kind = PageKind::Other;
  double confidence = 0;
};

// `ink_share`: ink over page area; `table_read`: the table and its rows were
// found; `long_rules`: long horizontal rules on the page.
KindEstimate classify_page(double ink_share, bool table_read, double table_confidence,
                           int long_rules, const ClassifySettings& settings);

}  // namespace petiscan
