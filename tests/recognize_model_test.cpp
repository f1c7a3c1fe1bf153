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
// cells exactly. Its measured rate on 2,000 such cells is 58.8 %
// (models/MODEL_CARD.md; issue 4's target, 95 %, is not reached); it reads
// 17 of these 30 (the model before session 11: 49.8 %, 14 of 30). The bound
// sits below the measured rate for the small sample and rises with the model.
constexpr double kMinExactRate = 0.45;
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
