// The committed postal-code model, run by the C++ engine: preprocessing equal
// to the Python training code, reading held-out (eval-split) cells, and a
// clear ModelError when the model is missing or broken.
// Data: tests/data/recognize/, written by scripts/recognizer_testdata.py.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <opencv2/imgcodecs.hpp>

#include "core/errors.h"
#include "recognize/crnn_recognizer.h"
#include "support/test_support.h"

namespace petiscan {
namespace {

namespace fs = std::filesystem;
const fs::path kData = fs::path(PETISCAN_TEST_DATA) / "recognize";
const fs::path kModels = PETISCAN_MODEL_DIR;

// The committed model reads at least this share of the filled eval-split test
// cells exactly. Its measured rate on 2,000 such cells is 62.7 % with its three
// views (models/MODEL_CARD.md; issue 4's target, 95 %, is not reached); it
// reads 19 of these 30 (one view, session 11: 58.8 %, 17 of 30; before: 49.8 %,
// 14 of 30). The bound sits below the measured rate for the small sample and
// rises with the model.
constexpr double kMinExactRate = 0.5;
// Among the readings the model accepts automatically, at most this many may be
// wrong on the test cells (the calibrated rate is 0.5 %; one slip allowed).
constexpr int kMaxAcceptedWrong = 1;

cv::Mat read_gray(const fs::path& p) {
  cv::Mat m = cv::imread(p.string(), cv::IMREAD_GRAYSCALE);
  EXPECT_FALSE(m.empty()) << p;
  return m;
}

TEST(RecognizeModel, PreprocessingMatchesPythonBitForBit) {
  const ModelCard card = load_model_card(kModels);
  for (const char* name : {"typical", "wide", "narrow", "odd"}) {
    const cv::Mat cell = read_gray(kData / "golden" / (std::string(name) + ".png"));
    const cv::Mat blob = preprocess_cell(cell, card.input_height, card.input_width);
    ASSERT_EQ(blob.total(), static_cast<size_t>(card.input_height * card.input_width));
    std::ifstream in(kData / "golden" / (std::string(name) + ".f32"), std::ios::binary);
    std::vector<float> want(blob.total());
    in.read(reinterpret_cast<char*>(want.data()), want.size() * sizeof(float));
    ASSERT_TRUE(in) << name;
    const float* got = blob.ptr<float>();
    float worst = 0;
    for (size_t i = 0; i < want.size(); ++i) worst = std::max(worst, std::abs(got[i] - want[i]));
    EXPECT_EQ(worst, 0.0f) << name;
  }
}

TEST(RecognizeModel, AViewCropsAndStretchesBeforeTheUsualResize) {
  const cv::Mat cell = read_gray(kData / "golden" / "typical.png");
  // The identity view is the plain preprocessing, bit for bit.
  const cv::Mat plain = preprocess_cell(cell, 32, 192);
  EXPECT_EQ(cv::norm(preprocess_cell(cell, 32, 192, CellView{0, 1}), plain, cv::NORM_INF), 0);
  // Width: an all-ink 50 x 100 cell is 64 columns wide as cut; cropped to its
  // 40 middle rows and stretched by 1.15, floor(100 * 1.15 * 32 / 40 + 0.5) = 92.
  const cv::Mat ink(50, 100, CV_8UC1, cv::Scalar(0));
  auto ink_columns = [](const cv::Mat& blob) {
    const cv::Mat plane = blob.reshape(1, 32);
    int n = 0;
    for (int x = 0; x < plane.cols; ++x) n += cv::countNonZero(plane.col(x) > 0) > 0;
    return n;
  };
  EXPECT_EQ(ink_columns(preprocess_cell(ink, 32, 192)), 64);
  EXPECT_EQ(ink_columns(preprocess_cell(ink, 32, 192, CellView{0.1, 1.15})), 92);
  // Crop: rule remnants in the top and bottom 5 rows are left out by crop 0.1.
  cv::Mat ruled(50, 100, CV_8UC1, cv::Scalar(255));
  ruled.rowRange(0, 5).setTo(0);
  ruled.rowRange(45, 50).setTo(0);
  EXPECT_GT(ink_columns(preprocess_cell(ruled, 32, 192)), 0);
  EXPECT_EQ(ink_columns(preprocess_cell(ruled, 32, 192, CellView{0.1, 1})), 0);
  // Too few rows to crop: the cell is used whole.
  const cv::Mat flat(5, 40, CV_8UC1, cv::Scalar(0));
  EXPECT_EQ(cv::norm(preprocess_cell(flat, 32, 192, CellView{0.25, 1}),
                     preprocess_cell(flat, 32, 192), cv::NORM_INF),
            0);
}

TEST(RecognizeModel, CardViewsAreReadAndChecked) {
  std::ifstream in(kModels / "postal_crnn.json");
  auto card = nlohmann::json::parse(in);
  auto with_views = [&](const nlohmann::json& views) {
    test::TempDir dir;
    fs::copy_file(kModels / "postal_crnn.onnx", dir / "postal_crnn.onnx");
    auto c = card;
    if (views.is_null())
      c.erase("views");
    else
      c["views"] = views;
    std::ofstream(dir / "postal_crnn.json") << c.dump();
    return load_model_card(dir.path());
  };
  EXPECT_EQ(with_views(nullptr).views.size(), 1u);  // no views: the cell as cut
  const ModelCard three = with_views(nlohmann::json::parse(
      R"([{"crop": 0, "stretch": 1}, {"crop": 0.05, "stretch": 1.1}, {"crop": 0.1, "stretch": 1.15}])"));
  ASSERT_EQ(three.views.size(), 3u);
  EXPECT_DOUBLE_EQ(three.views[2].stretch, 1.15);
  for (const char* bad : {R"([])", R"([{"crop": 0.4, "stretch": 1}])",
                          R"([{"crop": 0, "stretch": 3}])", R"([{"crop": 0}])"}) {
    EXPECT_THROW(with_views(nlohmann::json::parse(bad)), ModelError) << bad;
  }
}

TEST(RecognizeModel, ReadsHeldOutCells) {
  auto rec = make_crnn_recognizer(kModels, RecognizerSettings{});
  std::ifstream in(kData / "cells" / "truth.json");
  const auto truth = nlohmann::json::parse(in).at("codes");
  int filled = 0, exact = 0, empty = 0, empty_right = 0, accepted_wrong = 0;
  for (const auto& [name, code] : truth.items()) {
    const PostalReading r = rec->read(read_gray(kData / "cells" / name));
    EXPECT_GE(r.confidence, 0.0);
    EXPECT_LE(r.confidence, 1.0);
    const bool right = code.is_null() ? (r.blank && !r.code)
                                      : (!r.blank && r.code && *r.code == code.get<std::string>());
    if (code.is_null()) {
      ++empty;
      empty_right += right;
    } else {
      ++filled;
      exact += right;
    }
    if (r.confidence >= rec->accept_threshold() && !right) ++accepted_wrong;
    if (r.code) {  // canonical form, always
      ASSERT_EQ(r.code->size(), 7u);
      EXPECT_EQ((*r.code)[3], ' ');
    }
  }
  ASSERT_GT(filled, 20);
  ASSERT_GT(empty, 0);
  EXPECT_GE(exact, kMinExactRate * filled) << exact << " of " << filled << " codes exact";
  EXPECT_EQ(empty_right, empty) << "empty cells read as empty";
  EXPECT_LE(accepted_wrong, kMaxAcceptedWrong);
}

TEST(RecognizeModel, MissingModelIsAModelError) {
  test::TempDir dir;
  EXPECT_THROW(make_crnn_recognizer(dir.path(), RecognizerSettings{}), ModelError);
  // A card without its network.
  fs::copy_file(kModels / "postal_crnn.json", dir / "postal_crnn.json");
  try {
    make_crnn_recognizer(dir.path(), RecognizerSettings{});
    FAIL() << "no ModelError";
  } catch (const ModelError& e) {
    EXPECT_NE(std::string(e.what()).find("postal_crnn.onnx"), std::string::npos) << e.what();
  }
}

TEST(RecognizeModel, BrokenModelIsAModelError) {
  test::TempDir dir;
  fs::copy_file(kModels / "postal_crnn.json", dir / "postal_crnn.json");
  std::ofstream(dir / "postal_crnn.onnx") << "not a network";
  EXPECT_THROW(make_crnn_recognizer(dir.path(), RecognizerSettings{}), ModelError);
  // A card that is not JSON.
  test::TempDir dir2;
  fs::copy_file(kModels / "postal_crnn.onnx", dir2 / "postal_crnn.onnx");
  std::ofstream(dir2 / "postal_crnn.json") << "{\"alphabet\": ";
  EXPECT_THROW(make_crnn_recognizer(dir2.path(), RecognizerSettings{}), ModelError);
}

TEST(RecognizeModel, UncalibratedModelIsRefusedByThePipeline) {
  test::TempDir dir;
  fs::copy_file(kModels / "postal_crnn.onnx", dir / "postal_crnn.onnx");
  std::ifstream in(kModels / "postal_crnn.json");
  auto card = nlohmann::json::parse(in);
  card.erase("calibration");
  card.erase("accept_threshold");
  std::ofstream(dir / "postal_crnn.json") << card.dump();
  EXPECT_THROW(make_crnn_recognizer(dir.path(), RecognizerSettings{}), ModelError);
  // The calibration tool can still run it; nothing is accepted.
  auto raw = make_uncalibrated_crnn_recognizer(dir.path(), RecognizerSettings{});
  EXPECT_GT(raw->accept_threshold(), 1.0);
}

TEST(RecognizeModel, EmptyCutIsNoEvidence) {
  auto rec = make_crnn_recognizer(kModels, RecognizerSettings{});
  const PostalReading r = rec->read(cv::Mat());
  EXPECT_FALSE(r.code);
  EXPECT_EQ(r.confidence, 0.0);
}

}  // namespace
}  // namespace petiscan
