// The stage order of one page, in one place.
#pragma once

#include <filesystem>
#include <nlohmann/json.hpp>

#include "driver/decide.h"
#include "driver/page_processor.h"
#include "geometry/settings.h"
#include "recognize/settings.h"

namespace petiscan {

struct PipelineSettings {
  GeometrySettings geometry;
  RecognizerSettings recognizer;
  DecisionSettings decision;
  void validate() const;
  nlohmann::json to_json() const;  // for --print-config
};

// Loads the recognizer once per worker. Throws ModelError for a missing or
// broken model before any page is read.
ProcessorFactory sheet_processor_factory(const PipelineSettings& settings);

}  // namespace petiscan
