// Page kind: a signature sheet, another page (the letter, a cover note), or blank.
#pragma once

#include "core/types.h"

namespace petiscan {

struct ClassifySettings {
  // A page with less ink than this share of its area (after specks are
  // removed) is blank: a letter page carries 2-6 %, a table alone ~1 %.
  double blank_max_ink = 0.0015;
  // Keep the page-kind net's thumbnail of every page, not only of the pages
  // called `other` (scripts/train_page_kind.py learns from all of them).
  bool thumbnail_every_page = false;
  void validate() const;
};

struct KindEstimate {
  PageKind kind = PageKind::Other;
  double confidence = 0;
};

// `ink_share`: ink over page area; `table_read`: the table and its rows were
// found; `ruled`: the table's rules were seen (a sheet, even if its frame or
// rows could not be read: it then goes to review, never counted as zero).
KindEstimate classify_page(double ink_share, bool table_read, bool ruled, double table_confidence,
                           const ClassifySettings& settings);

}  // namespace petiscan
