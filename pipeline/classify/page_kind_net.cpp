#include "classify/page_kind_net.h"

#include <spdlog/spdlog.h>

#include <nlohmann/json.hpp>
#include <opencv2/imgproc.hpp>

#include "core/errors.h"
#include "core/i18n.h"
#include "core/onnx_model.h"

namespace petiscan {

namespace {
constexpr const char* kModelFile = "page_kind.onnx";
constexpr const char* kCardFile = "page_kind.json";
constexpr ModelName kName{"modèle du genre de page", "page-kind model"};
}  // namespace

cv::Mat kind_thumbnail(const cv::Mat& ink, const cv::Mat& rules) {
  CV_Assert(ink.type() == CV_8UC1 && !ink.empty());
  cv::Mat writing;  // a new buffer: `ink` is the caller's and stays as it is
  if (rules.empty()) {
    writing = ink;
  } else {
    CV_Assert(rules.size() == ink.size() && rules.type() == CV_8UC1);
    cv::Mat wide;
    cv::dilate(rules, wide, cv::getStructuringElement(cv::MORPH_RECT, {3, 3}));
    writing = ink & ~wide;
  }
  cv::Mat thumb;
  cv::resize(writing, thumb, {kKindThumbnailSize, kKindThumbnailSize}, 0, 0, cv::INTER_AREA);
  return thumb;
}

PageKindNet::PageKindNet(const std::filesystem::path& model_dir) {
  const auto card_file = model_dir / kCardFile;
  const auto model_file = model_dir / kModelFile;
  const auto j = read_model_card(card_file, kName);
  try {
    threshold_ = j.at("threshold").get<double>();
    if (j.at("input").at("size").get<int>() != kKindThumbnailSize)
      throw broken_model_card(card_file, kName,
                              "input.size is not " + std::to_string(kKindThumbnailSize));
  } catch (const nlohmann::json::exception& e) {
    throw broken_model_card(card_file, kName, e.what());
  }
  if (!(threshold_ > 0 && threshold_ <= 1))
    throw broken_model_card(card_file, kName, "threshold outside (0, 1]");
  net_ = load_onnx_model(model_file, kName);
  // One dry run: a model whose output is not two classes fails here, at load.
  try {
    signature_probability(cv::Mat::zeros(kKindThumbnailSize, kKindThumbnailSize, CV_8UC1));
  } catch (const cv::Exception& e) {
    throw broken_model(model_file, kName, e.what());
  }
}

double PageKindNet::signature_probability(const cv::Mat& thumbnail) {
  CV_Assert(thumbnail.type() == CV_8UC1 && thumbnail.rows == kKindThumbnailSize &&
            thumbnail.cols == kKindThumbnailSize);
  const int shape[] = {1, 1, kKindThumbnailSize, kKindThumbnailSize};
  cv::Mat blob(4, shape, CV_32F);
  // x = pixel / 255, as scripts/train_page_kind.py reads the PNGs.
  thumbnail.convertTo(cv::Mat(kKindThumbnailSize, kKindThumbnailSize, CV_32F, blob.ptr<float>()),
                      CV_32F, 1.0 / 255);
  net_.setInput(blob);
  const cv::Mat out = net_.forward();  // 1 x 2 logits: other, signatures
  CV_Assert(out.total() == 2);
  const float* z = out.ptr<float>();
  return 1.0 / (1.0 + std::exp(static_cast<double>(z[0]) - z[1]));
}

bool second_look(SheetGeometry& g, PageKindNet& net) {
  if (g.kind != PageKind::Other || g.kind_thumbnail.empty()) return false;
  const double p = net.signature_probability(g.kind_thumbnail);
  g.kind_net_probability = p;
  const bool sheet = p >= net.threshold();
  spdlog::debug("kind: the page-kind net gives a signature sheet {:.3f} {} {:.3f}{}", p,
                sheet ? "≥" : "<", net.threshold(),
                sheet ? ": a sheet whose table was not found, sent to review" : "");
  if (!sheet) return false;
  g.kind = PageKind::Signatures;
  g.kind_confidence = p;
  g.reason = "table_not_found";
  return true;
}

}  // namespace petiscan
