// `petiscan export`: the CONTRACT's JSON Lines and CSV formats.
#pragma once

#include <ostream>

#include "store/store.h"

namespace petiscan {

// One JSON object a line: "page" records then "row" records.
void export_jsonl(Store& store, std::ostream& out);
// The row records with the same column names, RFC 4180 quoting.
void export_csv(Store& store, std::ostream& out);

}  // namespace petiscan
