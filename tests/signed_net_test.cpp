// The signed net: what it sees of a row (signature_view), its loading errors,
// and the committed model on the golden pages and on sheets drawn in code.
#include "signed/signed_net.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "core/errors.h"
#include "geometry/geometry.h"
#include "geometry/settings.h"
#include "signed/signed.h"
#include "support/draw_sheet.h"
#include "support/test_support.h"

namespace petiscan {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;

const fs::path kModels = PETISCAN_MODEL_DIR;
const fs::path kGolden = fs::path(PETISCAN_TEST_DATA) / "golden";

TEST(SignatureView, ShowsTheCellWithContextAsDarknessAndInk) {
  // A straightened table: gray paper at 200, a rule at y = 100, a dark stroke
  // in the cell below it (rows 100-160) and a faint stain just above the rule,
  // in the view's context (18 px above the cell).
  cv::Mat gray(400, 1000, CV_8UC1, cv::Scalar(200)), ink = cv::Mat::zeros(400, 1000, CV_8UC1);
  cv::line(gray, {0, 100}, {999, 100}, cv::Scalar(20), 2);
  cv::line(gray, {100, 130}, {500, 130}, cv::Scalar(0), 4);
  cv::line(ink, {100, 130}, {500, 130}, cv::Scalar(255), 4);
  cv::circle(gray, {300, 90}, 6, cv::Scalar(170), cv::FILLED);
  const cv::Rect cell(0, 100, 600, 60);
  const cv::Mat v = signature_view(gray, ink, cell);
  ASSERT_EQ(v.type(), CV_8UC1);
  ASSERT_EQ(v.size(), cv::Size(kSignatureViewWidth, 2 * kSignatureViewHeight));
  // The cell spans view rows 18*32/96 = 6 to 26; the stroke at 30 of 60 below its top: row 16.
  const int stroke_y = static_cast<int>((18 + 30) * kSignatureViewHeight / 96.0);
  const int stroke_x = 300 * kSignatureViewWidth / 600;
  EXPECT_GT(v.at<uchar>(stroke_y, stroke_x), 200) << "a black stroke on paper is dark";
  EXPECT_GT(v.at<uchar>(kSignatureViewHeight + stroke_y, stroke_x), 100) << "and ink";
  EXPECT_EQ(v.at<uchar>(2, 10), 0) << "paper is no darkness";
  // The stain (30 levels under the 200 paper) is faint: 15 % darkness at most.
  const int stain_y = static_cast<int>((90 - 82) * kSignatureViewHeight / 96.0);
  EXPECT_GT(v.at<uchar>(stain_y, 300 * kSignatureViewWidth / 600), 10) << "the stain shows";
  EXPECT_LT(v.at<uchar>(stain_y, 300 * kSignatureViewWidth / 600), 45) << "but faint";
  // A cell at the table's top edge: the context above it is paper.
  const cv::Mat top = signature_view(gray, ink, cv::Rect(0, 0, 600, 60));
  EXPECT_EQ(top.at<uchar>(0, 100), 0);
  EXPECT_EQ(top.at<uchar>(kSignatureViewHeight, 100), 0);
}

TEST(SignedNet, AMissingOrBrokenModelIsAModelErrorNamingTheFile) {
  test::TempDir dir;
  EXPECT_THROW(SignedNet{dir.path()}, ModelError);
  const std::string card =
      R"({"input": {"height": 32, "width": 256, "channels": 2, "context": 0.3}})";
  test::write_file(dir.path() / "signed.json", card);
  try {
    SignedNet net(dir.path());
    FAIL() << "loaded a model that is not there";
  } catch (const ModelError& e) {
    EXPECT_NE(std::string(e.what()).find("signed.onnx"), std::string::npos) << e.what();
  }
  test::write_file(dir.path() / "signed.onnx", "not a network");
  EXPECT_THROW(SignedNet{dir.path()}, ModelError);
  fs::copy_file(kModels / "signed.onnx", dir.path() / "signed.onnx",
                fs::copy_options::overwrite_existing);
  EXPECT_NO_THROW(SignedNet{dir.path()});
  // A card for another view than this program cuts.
  test::write_file(dir.path() / "signed.json",
                   R"({"input": {"height": 32, "width": 128, "channels": 2, "context": 0.3}})");
  EXPECT_THROW(SignedNet{dir.path()}, ModelError);
  // A model that does not give two classes a row (the recognizer's).
  fs::copy_file(kModels / "postal_crnn.onnx", dir.path() / "signed.onnx",
                fs::copy_options::overwrite_existing);
  test::write_file(dir.path() / "signed.json", card);
  EXPECT_THROW(SignedNet{dir.path()}, ModelError);
}

SheetGeometry analyse(const cv::Mat& img, double dpi, SignedNet& net) {
  GeometrySettings settings;
  DebugWriter none;
  SheetGeometry g = analyze_page(PageImage{img, dpi, false}, settings, none);
  decide_signed_by_net(g, net);
  return g;
}

TEST(SignedNet, DecidesEveryRowOfTheGoldenSheets) {
  SignedNet net(kModels);
  int sheets = 0;
  for (const auto& d : fs::directory_iterator(kGolden)) {
    if (!d.is_directory()) continue;
    const json want = json::parse(std::ifstream(d.path() / "expected.json"));
    if (want["kind"] != "signatures") continue;
    const cv::Mat img = cv::imread((d.path() / "page.png").string(), cv::IMREAD_GRAYSCALE);
    const SheetGeometry g = analyse(img, want["dpi"].get<double>(), net);
    if (!g.table_found) continue;  // the golden test says which must be found
    ++sheets;
    for (int r = 0; r < kRowsPerSheet; ++r) {
      EXPECT_EQ(g.rows[r].is_signed, want["signed"][r].get<bool>())
          << d.path().filename() << " row " << r + 1 << " (confidence "
          << g.rows[r].signed_confidence << ")";
      EXPECT_GE(g.rows[r].signed_confidence, 0.5);
    }
  }
  EXPECT_GE(sheets, 12);
}

TEST(SignedNet, ReadsSheetsDrawnInCode) {
  SignedNet net(kModels);
  for (int seed = 1; seed <= 4; ++seed) {
    test::SheetSpec spec;
    spec.seed = seed;
    spec.dpi = 150 + 50 * seed;
    spec.column_split = 0.5 + 0.06 * seed;
    for (int r = 0; r < kRowsPerSheet; ++r) spec.rows[r].is_signed = (r * 7 + seed) % 3 != 0;
    const SheetGeometry g = analyse(test::draw_sheet(spec), spec.dpi, net);
    ASSERT_TRUE(g.table_found) << "seed " << seed;
    for (int r = 0; r < kRowsPerSheet; ++r) {
      EXPECT_EQ(g.rows[r].is_signed, spec.rows[r].is_signed) << "seed " << seed << " row " << r + 1;
      EXPECT_GE(g.rows[r].signed_confidence, 0.9) << "seed " << seed << " row " << r + 1;
    }
  }
}

TEST(SignedNet, LeavesAPageWithoutTableAlone) {
  SignedNet net(kModels);
  SheetGeometry g;
  g.kind = PageKind::Signatures;
  g.table_found = false;
  EXPECT_EQ(decide_signed_by_net(g, net), 0);
  for (const RowGeometry& row : g.rows) EXPECT_FALSE(row.is_signed);
}

}  // namespace
}  // namespace petiscan
