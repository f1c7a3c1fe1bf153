#include "signed/signed_net.h"

#include <spdlog/spdlog.h>

#include <cmath>
#include <nlohmann/json.hpp>
#include <opencv2/imgproc.hpp>

#include "core/onnx_model.h"
#include "signed/signed.h"

namespace petiscan {

namespace {
constexpr const char* kModelFile = "signed.onnx";
constexpr const char* kCardFile = "signed.json";
constexpr ModelName kName{"modèle des signatures", "signature model"};
}  // namespace

SignedNet::SignedNet(const std::filesystem::path& model_dir) {
  const auto card_file = model_dir / kCardFile;
  const auto model_file = model_dir / kModelFile;
  const auto j = read_model_card(card_file, kName);
  try {
    const auto& in = j.at("input");
    if (in.at("height").get<int>() != kSignatureViewHeight ||
        in.at("width").get<int>() != kSignatureViewWidth || in.at("channels").get<int>() != 2 ||
        in.at("context").get<double>() != kSignatureViewContext)
      throw broken_model_card(card_file, kName,
                              "input is not the signature view of this program (signature_view())");
  } catch (const nlohmann::json::exception& e) {
    throw broken_model_card(card_file, kName, e.what());
  }
  net_ = load_onnx_model(model_file, kName);
  // One dry run on a sheet's 9 rows: a model whose output is not two classes
  // a row fails here, at load.
  try {
    const cv::Mat paper = cv::Mat::zeros(2 * kSignatureViewHeight, kSignatureViewWidth, CV_8UC1);
    signed_probabilities(std::vector<cv::Mat>(kRowsPerSheet, paper));
  } catch (const cv::Exception& e) {
    throw broken_model(model_file, kName, e.what());
  }
}

std::vector<double> SignedNet::signed_probabilities(const std::vector<cv::Mat>& views) {
  if (views.empty()) return {};
  const int n = static_cast<int>(views.size());
  const int shape[] = {n, 2, kSignatureViewHeight, kSignatureViewWidth};
  cv::Mat blob(4, shape, CV_32F);
  const size_t plane = static_cast<size_t>(kSignatureViewHeight) * kSignatureViewWidth;
  for (int i = 0; i < n; ++i) {
    const cv::Mat& v = views[static_cast<size_t>(i)];
    CV_Assert(v.type() == CV_8UC1 && v.rows == 2 * kSignatureViewHeight &&
              v.cols == kSignatureViewWidth && v.isContinuous());
    // The two stacked halves are the two channels; x = pixel / 255, as
    // scripts/train_signed.py reads the PNGs.
    v.convertTo(cv::Mat(2 * kSignatureViewHeight, kSignatureViewWidth, CV_32F,
                        blob.ptr<float>() + static_cast<size_t>(i) * 2 * plane),
                CV_32F, 1.0 / 255);
  }
  net_.setInput(blob);
  const cv::Mat out = net_.forward();  // n x 2 logits: not signed, signed
  CV_Assert(out.total() == static_cast<size_t>(2 * n));
  std::vector<double> p(static_cast<size_t>(n));
  const float* z = out.ptr<float>();
  for (int i = 0; i < n; ++i)
    p[static_cast<size_t>(i)] =
        1.0 / (1.0 + std::exp(static_cast<double>(z[2 * i]) - z[2 * i + 1]));
  return p;
}

namespace {

// The rows' views stacked, darkness above ink, a bar of P(signed) at the left.
cv::Mat draw_views(const std::vector<cv::Mat>& views, const std::vector<double>& p) {
  constexpr int kBar = 24, kGap = 4;
  const int h = 2 * kSignatureViewHeight;
  cv::Mat out(static_cast<int>(views.size()) * (h + kGap), kBar + kSignatureViewWidth, CV_8UC3,
              cv::Scalar(128, 128, 128));
  for (size_t r = 0; r < views.size(); ++r) {
    const int y = static_cast<int>(r) * (h + kGap);
    cv::Mat view;
    cv::cvtColor(255 - views[r], view, cv::COLOR_GRAY2BGR);
    view.copyTo(out(cv::Rect(kBar, y, kSignatureViewWidth, h)));
    const cv::Scalar colour = p[r] >= 0.5 ? cv::Scalar(0, 160, 0) : cv::Scalar(0, 0, 220);
    const int len = std::max(1, static_cast<int>(std::lround(p[r] * h)));
    cv::rectangle(out, cv::Rect(2, y + h - len, kBar - 4, len), colour, cv::FILLED);
  }
  return out;
}

}  // namespace

int decide_signed_by_net(SheetGeometry& g, SignedNet& net, DebugWriter* debug) {
  if (!g.table_found) return 0;
  std::vector<cv::Mat> views;
  for (const RowGeometry& row : g.rows) {
    if (row.signature_view.empty()) return 0;  // not reached: every row of a found table has one
    views.push_back(row.signature_view);
  }
  const std::vector<double> p = net.signed_probabilities(views);
  if (debug && debug->enabled()) debug->write("signed", "net-views", draw_views(views, p));
  int turned = 0;
  for (size_t r = 0; r < g.rows.size(); ++r) {
    RowGeometry& row = g.rows[r];
    const bool is_signed = p[r] >= 0.5;
    if (is_signed != row.is_signed) {
      ++turned;
      spdlog::debug("row {}: the signature net says {} (P(signed) {:.3f}), the rules said {}",
                    r + 1, is_signed ? "signed" : "not signed", p[r],
                    row.is_signed ? "signed" : "not");
    }
    row.is_signed = is_signed;
    row.signed_confidence = is_signed ? p[r] : 1 - p[r];
  }
  return turned;
}

}  // namespace petiscan
