#include "driver/decide.h"

#include "core/errors.h"

namespace petiscan {

void DecisionSettings::validate() const {
  auto in01 = [](double v) { return v >= 0 && v <= 1; };
  if (min_code_confidence && !in01(*min_code_confidence)) {
    throw UsageError("min_code_confidence must be in [0, 1]");
  }
}

namespace {

void add_reason(std::string& reasons, const char* r) {
  if (!reasons.empty()) reasons += ',';
  reasons += r;
}

}  // namespace

RowResult decide_row(int index, const RowGeometry& geometry, const PostalReading& reading,
                     double min_signed_confidence, double min_code_confidence) {
  RowResult r;
  r.index = index;
  r.geometry = geometry;
  r.reading = reading;
  r.is_signed = geometry.is_signed;
  r.postal_code = reading.blank ? std::nullopt : reading.code;
  // The two estimates come from different cells and models: treated as
  // independent, the probability that the row is right is their product.
  r.confidence = geometry.signed_confidence * reading.confidence;

  const bool signed_sure = geometry.signed_confidence >= min_signed_confidence;
  const bool code_sure = reading.confidence >= min_code_confidence;
  if (!signed_sure) add_reason(r.reason, reason::kUncertainSignature);
  if (!code_sure) add_reason(r.reason, reason::kUncertainCode);
  // A code with no signature (or the reverse) is worth a flag, not a review by
  // itself: people do sign without writing their code.
  if (r.is_signed && reading.blank) add_reason(r.reason, reason::kSignatureWithoutCode);
  if (!r.is_signed && !reading.blank) add_reason(r.reason, reason::kCodeWithoutSignature);
  r.status = signed_sure && code_sure ? RowStatus::Accepted : RowStatus::Review;
  return r;
}

std::vector<RowResult> rows_for_unread_sheet(const std::string& why) {
  std::vector<RowResult> rows(kRowsPerSheet);
  for (int i = 0; i < kRowsPerSheet; ++i) {
    rows[i].index = i + 1;
    rows[i].status = RowStatus::Review;
    rows[i].reason = why.empty() ? reason::kTableNotFound : why;
  }
  return rows;
}

void send_rows_to_review(std::vector<RowResult>& rows, const char* why) {
  for (RowResult& r : rows) {
    r.status = RowStatus::Review;
    r.reason = r.reason.empty() ? std::string(why) : std::string(why) + ',' + r.reason;
  }
}

}  // namespace petiscan
