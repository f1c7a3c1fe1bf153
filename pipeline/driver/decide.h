// The row decision: from the geometry's signed estimate and the recognizer's
// reading to what is recorded, and whether a person must look at it.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/types.h"

namespace petiscan {

struct DecisionSettings {
  // A row is accepted without review only when both estimates reach their
  // threshold: the signed one is the geometry's (signed.good_confidence); the
  // code one defaults to the threshold calibrated with the model
  // (models/postal_crnn.json: error among accepted codes <= 0.5 %).
  std::optional<double> min_code_confidence;  // nullopt: the model's calibrated threshold
  void validate() const;                      // throws UsageError
};

// Reasons recorded with a row (stable machine words; the UI translates them).
namespace reason {
inline constexpr const char* kTableNotFound = "table_not_found";
// The table was read but which way up the sheet is stays in doubt
// (orient.good_confidence): every row waits for a person.
inline constexpr const char* kUncertainOrientation = "uncertain_orientation";
inline constexpr const char* kUncertainSignature = "uncertain_signature";
inline constexpr const char* kUncertainCode = "uncertain_code";
inline constexpr const char* kSignatureWithoutCode = "signature_without_code";
inline constexpr const char* kCodeWithoutSignature = "code_without_signature";
}  // namespace reason

// `min_code_confidence`: the code threshold in force (the settings' or the model's).
RowResult decide_row(int index, const RowGeometry& geometry, const PostalReading& reading,
                     double min_signed_confidence, double min_code_confidence);

// The 9 rows of a sheet whose table could not be found: nothing is guessed,
// every row waits for a person.
std::vector<RowResult> rows_for_unread_sheet(const std::string& why);

// A sheet whose rows were decided but whose geometry is in doubt (`why`, e.g.
// reason::kUncertainOrientation): every row goes to review, that reason first.
void send_rows_to_review(std::vector<RowResult>& rows, const char* why);

}  // namespace petiscan
