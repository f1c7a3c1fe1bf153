// Settings of the postal-code recognizer (validated once, before any page).
#pragma once

#include <filesystem>
#include <optional>

#include "recognize/ctc_decoder.h"

#ifndef PETISCAN_DEFAULT_MODEL_DIR
#define PETISCAN_DEFAULT_MODEL_DIR "models"
#endif

namespace petiscan {

struct RecognizerSettings {
  // Folder holding postal_crnn.onnx and postal_crnn.json.
  std::filesystem::path model_dir = PETISCAN_DEFAULT_MODEL_DIR;
  DecoderSettings decoder;
  // Calibrated P(right) at or above which a reading is accepted without a
  // person; nullopt = the threshold chosen by scripts/calibrate_recognizer.py
  // and stored in postal_crnn.json.
  std::optional<double> accept_threshold;
  void validate() const;  // throws UsageError
};

}  // namespace petiscan
