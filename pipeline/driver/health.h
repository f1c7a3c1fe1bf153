// What a scanning volunteer must know after a batch: how far it got and what
// could not be read, file by file and page by page.
#pragma once

#include <ostream>

#include "store/store.h"

namespace petiscan {

void print_scan_health(Store& store, std::ostream& out);

}  // namespace petiscan
