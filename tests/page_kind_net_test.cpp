// The page-kind net's second look: its thumbnail, its rule, and the committed
// model on real generated pages (the golden cases).
#include "classify/page_kind_net.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "core/errors.h"
#include "geometry/geometry.h"
#include "geometry/settings.h"
#include "support/draw_sheet.h"
#include "support/test_support.h"

namespace petiscan {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;

const fs::path kModels = PETISCAN_MODEL_DIR;
const fs::path kGolden = fs::path(PETISCAN_TEST_DATA) / "golden";

TEST(KindThumbnail, LeavesTheRulesOutAndKeepsTheWriting) {
  cv::Mat ink = cv::Mat::zeros(1280, 1280, CV_8UC1), rules = ink.clone();
  for (int y = 100; y < 1280; y += 100) cv::line(rules, {0, y}, {1279, y}, cv::Scalar(255), 3);
  ink |= rules;
  cv::circle(ink, {640, 650}, 30, cv::Scalar(255), cv::FILLED);  // a blot of writing
  const cv::Mat t = kind_thumbnail(ink, rules);
  ASSERT_EQ(t.size(), cv::Size(kKindThumbnailSize, kKindThumbnailSize));
  ASSERT_EQ(t.type(), CV_8UC1);
  EXPECT_EQ(t.at<uchar>(20, 30), 0) << "a rule's pixels are gone";
  EXPECT_EQ(t.at<uchar>(65, 64), 255) << "the writing stays";
  EXPECT_EQ(cv::countNonZero(ink & rules), cv::countNonZero(rules))
      << "the page's ink is untouched";
  // Without rules given, every pixel of ink is kept.
  EXPECT_GT(kind_thumbnail(ink, {}).at<uchar>(20, 30), 0);
}

TEST(PageKindNet, AMissingOrBrokenModelIsAModelErrorNamingTheFile) {
  test::TempDir dir;
  EXPECT_THROW(PageKindNet{dir.path()}, ModelError);
  test::write_file(dir.path() / "page_kind.json", R"({"threshold": 0.9, "input": {"size": 128}})");
  try {
    PageKindNet net(dir.path());
    FAIL() << "loaded a model that is not there";
  } catch (const ModelError& e) {
    EXPECT_NE(std::string(e.what()).find("page_kind.onnx"), std::string::npos) << e.what();
  }
  test::write_file(dir.path() / "page_kind.onnx", "not a network");
  EXPECT_THROW(PageKindNet{dir.path()}, ModelError);
  fs::copy_file(kModels / "page_kind.onnx", dir.path() / "page_kind.onnx",
                fs::copy_options::overwrite_existing);
  test::write_file(dir.path() / "page_kind.json", R"({"threshold": 1.5, "input": {"size": 128}})");
  EXPECT_THROW(PageKindNet{dir.path()}, ModelError);
  test::write_file(dir.path() / "page_kind.json", R"({"threshold": 0.9, "input": {"size": 64}})");
  EXPECT_THROW(PageKindNet{dir.path()}, ModelError);
}

// The page as the scanner sees it: geometry, then the net's second look.
SheetGeometry analyse_golden(const fs::path& dir, PageKindNet& net) {
  const json want = json::parse(std::ifstream(dir / "expected.json"));
  const cv::Mat img = cv::imread((dir / "page.png").string(), cv::IMREAD_GRAYSCALE);
  EXPECT_FALSE(img.empty()) << dir;
  GeometrySettings settings;
  settings.classify.thumbnail_every_page = true;
  DebugWriter none;
  SheetGeometry g = analyze_page(PageImage{img, want["dpi"].get<double>(), false}, settings, none);
  second_look(g, net);
  return g;
}

// Every golden page, sheet or not, gets its kind right with the second look,
// including a 1-bit sheet whose thin rules vanished (the geometry alone calls
// it `other`): it is kept as a sheet and its rows go to review.
TEST(PageKindNet, EveryGoldenPageGetsItsKind) {
  PageKindNet net(kModels);
  int cases = 0;
  for (const auto& d : fs::directory_iterator(kGolden)) {
    if (!d.is_directory()) continue;
    const json want = json::parse(std::ifstream(d.path() / "expected.json"));
    const SheetGeometry g = analyse_golden(d.path(), net);
    EXPECT_EQ(to_string(g.kind), want["kind"].get<std::string>()) << d.path().filename();
    if (g.kind == PageKind::Signatures && !g.table_found) {
      EXPECT_EQ(g.reason, "table_not_found") << d.path().filename();
    }
    ++cases;
  }
  EXPECT_GE(cases, 15);
}

// The net's verdict on the thumbnails themselves: the letter far below the
// threshold, sheets whose rules are taken out above it.
TEST(PageKindNet, TellsASheetFromTheLetterWithoutItsRules) {
  PageKindNet net(kModels);
  for (const char* name : {"letter"}) {
    const SheetGeometry g = analyse_golden(kGolden / name, net);
    ASSERT_FALSE(g.kind_thumbnail.empty());
    EXPECT_LT(net.signature_probability(g.kind_thumbnail), net.threshold()) << name;
  }
  for (const char* name : {"crosses_line", "fold", "stain", "into_code", "turned_90"}) {
    const SheetGeometry g = analyse_golden(kGolden / name, net);
    ASSERT_FALSE(g.kind_thumbnail.empty());
    EXPECT_GE(net.signature_probability(g.kind_thumbnail), net.threshold()) << name;
  }
}

// Printed text alone, over part of a page or most of it, is no signature sheet
// (pages drawn in code, unlike any the network was trained on).
TEST(PageKindNet, APrintedLetterDrawnInCodeIsNoSheet) {
  PageKindNet net(kModels);
  for (double dpi : {150.0, 200.0, 300.0}) {
    for (bool varied : {false, true}) {
      GeometrySettings settings;
      settings.classify.thumbnail_every_page = true;
      DebugWriter none;
      const SheetGeometry g =
          analyze_page(PageImage{test::draw_letter_page(dpi, varied), dpi, false}, settings, none);
      const double p = net.signature_probability(g.kind_thumbnail);
      EXPECT_LT(p, net.threshold()) << dpi << " DPI" << (varied ? ", varied" : "") << ": " << p;
    }
  }
}

TEST(PageKindNet, TheSecondLookOnlyTouchesPagesCalledOther) {
  PageKindNet net(kModels);
  const SheetGeometry sheet = analyse_golden(kGolden / "fold", net);
  ASSERT_EQ(sheet.kind, PageKind::Signatures);
  SheetGeometry g;
  g.kind_thumbnail = sheet.kind_thumbnail;
  for (PageKind kind : {PageKind::Blank, PageKind::Signatures}) {
    g.kind = kind;
    EXPECT_FALSE(second_look(g, net));
    EXPECT_EQ(g.kind, kind);
    EXPECT_FALSE(g.kind_net_probability) << "the net did not look";
  }
  g.kind = PageKind::Other;
  EXPECT_TRUE(second_look(g, net));
  ASSERT_TRUE(g.kind_net_probability);
  EXPECT_GE(*g.kind_net_probability, net.threshold());
  EXPECT_EQ(g.kind_confidence, *g.kind_net_probability);
  EXPECT_EQ(g.kind, PageKind::Signatures);
  EXPECT_FALSE(g.table_found);
  EXPECT_EQ(g.reason, "table_not_found");
  // No thumbnail, no second look.
  SheetGeometry bare;
  EXPECT_FALSE(second_look(bare, net));
  EXPECT_EQ(bare.kind, PageKind::Other);
}

}  // namespace
}  // namespace petiscan
