// How the project's trained networks are loaded: ONNX files run by cv::dnn on
// the CPU, each with its JSON card; a missing or unreadable file is a
// ModelError naming it.
#pragma once

#include <filesystem>
#include <nlohmann/json.hpp>
#include <opencv2/dnn.hpp>
#include <string_view>

#include "core/errors.h"

namespace petiscan {

// The model's name in messages, French first ("modèle de lecture", "recognizer model").
struct ModelName {
  std::string_view fr, en;
};

// Throws ModelError "<name> absent : FILE" / "<name> illisible : FILE: why".
cv::dnn::Net load_onnx_model(const std::filesystem::path& file, ModelName name);

// The ModelError for a model that loads but does not do what its card says.
ModelError broken_model(const std::filesystem::path& file, ModelName name, std::string_view why);

// The model's card, parsed. Throws ModelError "fiche du <name> absente : FILE"
// or broken_model_card() when it is not JSON.
nlohmann::json read_model_card(const std::filesystem::path& file, ModelName name);

// The ModelError for a card that lacks a value or holds an impossible one.
ModelError broken_model_card(const std::filesystem::path& file, ModelName name,
                             std::string_view why);

}  // namespace petiscan
