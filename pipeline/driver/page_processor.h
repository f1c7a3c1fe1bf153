// What the scanner runs on each decoded page. The real processor chains the
// stages (process_page.cpp); tests put processors that fail on purpose behind
// the same interface to exercise the scanner's error paths.
#pragma once

#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/debug.h"
#include "core/types.h"

namespace petiscan {

struct PageOutcome {
  SheetGeometry geometry;
  std::vector<RowResult> rows;  // exactly 9 for a signature sheet, empty otherwise
  std::string fingerprint;      // content fingerprint of a sheet, for re-scan detection
  nlohmann::json timings_ms = nlohmann::json::object();  // stage name -> milliseconds
};

class PageProcessor {
 public:
  virtual ~PageProcessor() = default;
  // Never throws for a bad page: a page it cannot understand comes back as a
  // sheet or page sent to review with a reason. May throw for a bug, which the
  // scanner records as that page's failure and goes on.
  virtual PageOutcome process(const PageImage& page, DebugWriter& debug) = 0;
};

// Makes one processor per worker thread (processors hold engines that are not
// thread-safe). May throw a FatalError (e.g. ModelError) before any work starts.
using ProcessorFactory = std::function<std::unique_ptr<PageProcessor>()>;

}  // namespace petiscan
