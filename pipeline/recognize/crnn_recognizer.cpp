#include "recognize/crnn_recognizer.h"

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>
#include <opencv2/dnn.hpp>
#include <opencv2/imgproc.hpp>

#include "core/errors.h"
#include "core/i18n.h"
#include "core/onnx_model.h"

namespace petiscan {
namespace {

constexpr const char* kModelFile = "postal_crnn.onnx";
constexpr const char* kCardFile = "postal_crnn.json";
constexpr ModelName kName{"modèle de lecture", "recognizer model"};
// Codes kept as alternatives for the reviewer (the best one plus four).
constexpr int kBestCodes = 5;
// Codes each view proposes to the average: more than kBestCodes, so a code
// ranked sixth by one view still adds its share.
constexpr int kViewCodes = 10;
constexpr size_t kMaxViews = 8;

Calibration read_calibration(const nlohmann::json& j, const std::filesystem::path& file,
                             const char* name) {
  Calibration c;
  c.x = j.at("x").get<std::vector<double>>();
  c.y = j.at("y").get<std::vector<double>>();
  bool ok = c.x.size() == c.y.size() && c.x.size() >= 2;
  for (size_t i = 0; ok && i < c.x.size(); ++i) {
    ok = c.y[i] >= 0 && c.y[i] <= 1 && (i == 0 || (c.x[i] > c.x[i - 1] && c.y[i] >= c.y[i - 1]));
  }
  if (!ok)
    throw ModelError(file.string() + ": calibration." + name +
                     tr(" : il faut deux listes de même longueur (au moins 2 nœuds), x croissant, "
                        "y dans [0, 1] non décroissant",
                        ": must be two equal lists of >= 2 knots, x increasing, y in [0, 1] "
                        "non-decreasing"));
  return c;
}

}  // namespace

double Calibration::operator()(double p) const {
  if (p <= x.front()) return y.front();
  if (p >= x.back()) return y.back();
  const size_t i = std::upper_bound(x.begin(), x.end(), p) - x.begin();
  const double t = (p - x[i - 1]) / (x[i] - x[i - 1]);
  return y[i - 1] + t * (y[i] - y[i - 1]);
}

ModelCard load_model_card(const std::filesystem::path& model_dir) {
  const auto file = model_dir / kCardFile;
  const auto j = read_model_card(file, kName);
  ModelCard card;
  try {
    card.alphabet = j.at("alphabet").get<std::string>();
    card.blank = j.at("blank").get<int>();
    card.input_height = j.at("input").at("height").get<int>();
    card.input_width = j.at("input").at("width").get<int>();
    if (j.contains("calibration")) {
      const auto& cal = j.at("calibration");
      card.calibrated = true;
      card.code_calibration = read_calibration(cal.at("code"), file, "code");
      card.blank_calibration = read_calibration(cal.at("blank"), file, "blank");
      card.blank_decision = cal.at("blank_decision").get<double>();
      card.accept_threshold = j.at("accept_threshold").get<double>();
    }
    if (j.contains("views")) {
      card.views.clear();
      for (const auto& v : j.at("views"))
        card.views.push_back({v.at("crop").get<double>(), v.at("stretch").get<double>()});
    }
  } catch (const nlohmann::json::exception& e) {
    throw broken_model_card(file, kName, e.what());
  }
  const int classes = static_cast<int>(card.alphabet.size()) + 1;
  if (card.blank < 0 || card.blank >= classes || card.input_height < 8 || card.input_width < 8 ||
      (card.calibrated && !(card.accept_threshold >= 0 && card.accept_threshold <= 1)) ||
      !(card.blank_decision > 0 && card.blank_decision < 1) || card.views.empty() ||
      card.views.size() > kMaxViews ||
      std::any_of(card.views.begin(), card.views.end(), [](const CellView& v) {
        return !(v.crop >= 0 && v.crop < 0.3) || !(v.stretch >= 0.5 && v.stretch <= 2);
      }))
    throw ModelError(tr("fiche du modèle de lecture aux valeurs impossibles : ",
                        "recognizer model card has impossible values: ") +
                     file.string());
  return card;
}

cv::Mat preprocess_cell(const cv::Mat& whole, int height, int width, const CellView& view) {
  CV_Assert(whole.type() == CV_8UC1 && !whole.empty());
  const int cut = static_cast<int>(std::floor(whole.rows * view.crop));
  const cv::Mat cell = whole.rows - 2 * cut >= 4 ? whole.rowRange(cut, whole.rows - cut) : whole;
  const double scaled =
      std::floor(cell.cols * view.stretch * static_cast<double>(height) / cell.rows + 0.5);
  const int new_w = std::clamp(static_cast<int>(scaled), 1, width);
  cv::Mat canvas(height, width, CV_8UC1, cv::Scalar(255));
  cv::resize(cell, canvas(cv::Rect(0, 0, new_w, height)), cv::Size(new_w, height), 0, 0,
             cv::INTER_AREA);
  // x = (255 - p) / 255 computed in float exactly as numpy does (convertTo's
  // fused scale and shift differs in the last bit).
  const int shape[] = {1, 1, height, width};
  cv::Mat blob(4, shape, CV_32F);
  float* out = blob.ptr<float>();
  for (int y = 0; y < height; ++y) {
    const uchar* row = canvas.ptr<uchar>(y);
    for (int x = 0; x < width; ++x) *out++ = (255.0f - static_cast<float>(row[x])) / 255.0f;
  }
  return blob;
}

namespace {

class Crnn final : public CrnnRecognizer {
 public:
  Crnn(const std::filesystem::path& model_dir, const RecognizerSettings& settings,
       bool require_calibration)
      : card_(load_model_card(model_dir)), decoder_(settings.decoder) {
    if (require_calibration && !card_.calibrated)
      throw ModelError(tr("modèle de lecture non calibré : ", "recognizer model not calibrated: ") +
                       (model_dir / kCardFile).string() +
                       tr(" (lancer scripts/calibrate_recognizer.py)",
                          " (run scripts/calibrate_recognizer.py)"));
    const auto file = model_dir / kModelFile;
    net_ = load_onnx_model(file, kName);
    threshold_ = card_.calibrated ? settings.accept_threshold.value_or(card_.accept_threshold)
                                  : card_.accept_threshold;
    // One dry run: a model whose output does not fit the card fails here, at load.
    const cv::Mat probe(card_.input_height, card_.input_width, CV_8UC1, cv::Scalar(255));
    cv::Mat lp;
    try {
      lp = forward(card_.views, {probe}).front();
    } catch (const cv::Exception& e) {
      throw broken_model(file, kName, e.what());
    }
    if (lp.cols != static_cast<int>(card_.alphabet.size()) + 1)
      throw ModelError(file.string() + ": " + std::to_string(lp.cols) +
                       tr(" classes, mais sa fiche en annonce ", " classes, its card ") +
                       std::to_string(card_.alphabet.size() + 1));
  }

  double accept_threshold() const override { return threshold_; }

  cv::Mat log_probs(const cv::Mat& code_cell, const CellView& view) override {
    return forward({view}, {code_cell}).front();
  }

  DecodeResult decode(const cv::Mat& code_cell) override {
    return decode_views(forward(card_.views, {code_cell}));
  }

  PostalReading read(const cv::Mat& code_cell) override {
    if (code_cell.empty()) return nothing_cut();
    return reading_of(decode(code_cell));
  }

  std::vector<PostalReading> read_all(const std::vector<cv::Mat>& code_cells) override {
    std::vector<cv::Mat> cut;
    for (const cv::Mat& cell : code_cells)
      if (!cell.empty()) cut.push_back(cell);
    const std::vector<cv::Mat> lps =
        cut.empty() ? std::vector<cv::Mat>{} : forward(card_.views, cut);
    const size_t n_views = card_.views.size();
    std::vector<PostalReading> out;
    out.reserve(code_cells.size());
    size_t next = 0;
    for (const cv::Mat& cell : code_cells) {
      if (cell.empty()) {
        out.push_back(nothing_cut());
        continue;
      }
      const auto first = lps.begin() + static_cast<std::ptrdiff_t>(next * n_views);
      out.push_back(
          reading_of(decode_views({first, first + static_cast<std::ptrdiff_t>(n_views)})));
      ++next;
    }
    return out;
  }

 private:
  // A cell with nothing cut: no evidence either way.
  static PostalReading nothing_cut() {
    PostalReading r;
    r.blank = false;
    r.confidence = 0;
    return r;
  }

  // The views' log-probabilities of one cell, decoded and averaged.
  DecodeResult decode_views(const std::vector<cv::Mat>& lps) const {
    std::vector<DecodeResult> views;
    for (const cv::Mat& lp : lps)
      views.push_back(decode_postal_code(lp, card_.alphabet, card_.blank, decoder_, kViewCodes));
    return average_views(views, kBestCodes);
  }

  PostalReading reading_of(const DecodeResult& d) const {
    PostalReading r;
    const double best = d.best.empty() ? 0.0 : d.best.front().probability;
    if (d.blank_probability >= card_.blank_decision && d.blank_probability >= best) {
      r.blank = true;
      r.confidence = card_.blank_calibration(d.blank_probability);
    } else {
      r.blank = false;
      if (!d.best.empty()) r.code = d.best.front().code;
      r.confidence = card_.code_calibration(best);
    }
    for (size_t i = r.code ? 1 : 0; i < d.best.size(); ++i)
      r.alternatives.emplace_back(d.best[i].code, d.best[i].probability);
    return r;
  }

  // Each cell under each view, one batch through the network (a sample's
  // numbers do not depend on the batch it is in): T x C log-softmax
  // matrices, the views of the first cell first.
  std::vector<cv::Mat> forward(const std::vector<CellView>& views,
                               const std::vector<cv::Mat>& cells) {
    const int n = static_cast<int>(views.size() * cells.size());
    const int shape[] = {n, 1, card_.input_height, card_.input_width};
    cv::Mat batch(4, shape, CV_32F);
    const size_t plane = static_cast<size_t>(card_.input_height) * card_.input_width;
    int i = 0;
    for (const cv::Mat& cell : cells) {
      for (const CellView& view : views) {
        const cv::Mat one = preprocess_cell(cell, card_.input_height, card_.input_width, view);
        std::copy_n(one.ptr<float>(), plane, batch.ptr<float>() + i++ * plane);
      }
    }
    net_.setInput(batch);
    const cv::Mat out = net_.forward();  // n x C x 1 x T logits
    CV_Assert(out.dims == 4 && out.size[0] == n && out.size[2] == 1);
    const int C = out.size[1], T = out.size[3];
    std::vector<cv::Mat> result;
    for (int i = 0; i < n; ++i) {
      const cv::Mat logits(C, T, CV_32F, const_cast<float*>(out.ptr<float>(i)));
      cv::Mat lp;
      cv::transpose(logits, lp);     // T x C
      for (int t = 0; t < T; ++t) {  // log-softmax over the classes
        float* row = lp.ptr<float>(t);
        const float m = *std::max_element(row, row + C);
        double sum = 0;
        for (int k = 0; k < C; ++k) sum += std::exp(row[k] - m);
        const float log_z = m + static_cast<float>(std::log(sum));
        for (int k = 0; k < C; ++k) row[k] -= log_z;
      }
      result.push_back(lp);
    }
    return result;
  }

  ModelCard card_;
  DecoderSettings decoder_;
  cv::dnn::Net net_;
  double threshold_ = 1;
};

}  // namespace

std::unique_ptr<CrnnRecognizer> make_crnn_recognizer(const std::filesystem::path& model_dir,
                                                     const RecognizerSettings& settings) {
  settings.validate();
  return std::make_unique<Crnn>(model_dir, settings, /*require_calibration=*/true);
}

std::unique_ptr<CrnnRecognizer> make_uncalibrated_crnn_recognizer(
    const std::filesystem::path& model_dir, const RecognizerSettings& settings) {
  settings.validate();
  return std::make_unique<Crnn>(model_dir, settings, /*require_calibration=*/false);
}

}  // namespace petiscan
