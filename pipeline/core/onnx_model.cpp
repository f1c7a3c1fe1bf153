#include "core/onnx_model.h"

#include <fstream>
#include <string>

#include "core/i18n.h"

namespace petiscan {

ModelError broken_model(const std::filesystem::path& file, ModelName name, std::string_view why) {
  return ModelError(tr(std::string(name.fr) + " illisible : ", std::string(name.en) + " broken: ") +
                    file.string() + (why.empty() ? "" : ": " + std::string(why)));
}

ModelError broken_model_card(const std::filesystem::path& file, ModelName name,
                             std::string_view why) {
  return ModelError(tr("fiche du " + std::string(name.fr) + " illisible : ",
                       std::string(name.en) + " card broken: ") +
                    file.string() + (why.empty() ? "" : ": " + std::string(why)));
}

nlohmann::json read_model_card(const std::filesystem::path& file, ModelName name) {
  std::ifstream in(file);
  if (!in)
    throw ModelError(tr("fiche du " + std::string(name.fr) + " absente : ",
                        std::string(name.en) + " card missing: ") +
                     file.string());
  try {
    return nlohmann::json::parse(in);
  } catch (const nlohmann::json::exception& e) {
    throw broken_model_card(file, name, e.what());
  }
}

cv::dnn::Net load_onnx_model(const std::filesystem::path& file, ModelName name) {
  if (!std::filesystem::exists(file))
    throw ModelError(tr(std::string(name.fr) + " absent : ", std::string(name.en) + " missing: ") +
                     file.string());
  cv::dnn::Net net;
  try {
    net = cv::dnn::readNetFromONNX(file.string());
  } catch (const cv::Exception& e) {
    throw broken_model(file, name, e.what());
  }
  if (net.empty()) throw broken_model(file, name, "");
  net.setPreferableBackend(cv::dnn::DNN_BACKEND_OPENCV);
  net.setPreferableTarget(cv::dnn::DNN_TARGET_CPU);
  return net;
}

}  // namespace petiscan
