#include "classify/classify.h"

#include <algorithm>
#include <cmath>

#include "core/errors.h"

namespace petiscan {

void ClassifySettings::validate() const {
  if (blank_max_ink <= 0 || blank_max_ink >= 0.05)
    throw UsageError("classify.blank_max_ink: (0, 0.05)");
}

KindEstimate classify_page(double ink_share, bool table_read, bool ruled, double table_confidence,
                           const ClassifySettings& s) {
  KindEstimate est;
  if (table_read) {
    est.kind = PageKind::Signatures;
    est.confidence = table_confidence;
  } else if (ruled) {
    // Ruled like a sheet but unreadable: a sheet, sent to review.
    est.kind = PageKind::Signatures;
    est.confidence = 0.5;
  } else if (ink_share < s.blank_max_ink) {
    est.kind = PageKind::Blank;
    est.confidence = std::clamp(1.0 - ink_share / s.blank_max_ink, 0.5, 1.0);
  } else {
    est.kind = PageKind::Other;
    est.confidence = std::clamp(std::log(ink_share / s.blank_max_ink), 0.5, 1.0);
  }
  return est;
}

}  // namespace petiscan
