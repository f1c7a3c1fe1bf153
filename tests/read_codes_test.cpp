// Reading the rows' postal codes: a code cell in which the geometry saw no ink
// is read as blank paper without running the recognizer; every other cell is
// cut from the original scan and read.
#include "driver/read_codes.h"

#include <gtest/gtest.h>

#include <opencv2/imgproc.hpp>
#include <vector>

#include "geometry/geometry.h"
#include "geometry/settings.h"
#include "recognize/crnn_recognizer.h"
#include "support/draw_sheet.h"

namespace petiscan {
namespace {

// Remembers every cell it is shown; reads a cell of paper as blank, any other
// as H2E 2E9.
class RecordingRecognizer final : public PostalRecognizer {
 public:
  PostalReading read(const cv::Mat& cell) override {
    shown.push_back(cell.clone());
    PostalReading r;
    double darkest = 255;
    cv::minMaxLoc(cell, &darkest);
    r.blank = darkest == 255;
    if (!r.blank) r.code = "H2E 2E9";
    r.confidence = 0.99;
    return r;
  }
  std::vector<cv::Mat> shown;
};

Quad rect_quad(float x0, float y0, float x1, float y1) {
  return Quad{{cv::Point2f(x0, y0), cv::Point2f(x1, y0), cv::Point2f(x1, y1), cv::Point2f(x0, y1)}};
}

TEST(ReadCodes, AnInklessCellIsReadAsPaperWithoutTheRecognizer) {
  // A scan with writing in the cell of the first row only.
  cv::Mat scan(300, 600, CV_8UC1, cv::Scalar(255));
  cv::putText(scan, "H2E 2E9", {320, 70}, cv::FONT_HERSHEY_SIMPLEX, 1.2, cv::Scalar(0), 3);
  RowGeometry written, empty1, empty2;
  written.code_cell = rect_quad(300, 20, 590, 100);
  written.code_ink = 0.08;
  empty1.code_cell = rect_quad(300, 110, 590, 190);
  empty2.code_cell = rect_quad(300, 200, 590, 280);

  RecordingRecognizer rec;
  CodeCellReader reader(rec);
  const PostalReading first = reader.read(scan, empty1);
  EXPECT_TRUE(first.blank);
  ASSERT_EQ(rec.shown.size(), 1u);  // the recognizer read paper once ...
  double darkest = 0;
  cv::minMaxLoc(rec.shown[0], &darkest);
  EXPECT_EQ(darkest, 255) << "shown paper";
  const PostalReading second = reader.read(scan, empty2);
  EXPECT_EQ(rec.shown.size(), 1u);  // ... and not again
  EXPECT_TRUE(second.blank);
  EXPECT_EQ(second.confidence, first.confidence);

  const PostalReading code = reader.read(scan, written);
  ASSERT_EQ(rec.shown.size(), 2u);
  EXPECT_EQ(code.code, "H2E 2E9");
  // The cell as cut from the scan: its size, with the writing in it.
  EXPECT_NEAR(rec.shown[1].cols, 290, 2);
  EXPECT_NEAR(rec.shown[1].rows, 80, 2);
  cv::minMaxLoc(rec.shown[1], &darkest);
  EXPECT_LT(darkest, 128);
}

TEST(ReadCodes, TheModelReadsPaperAsABlankItAccepts) {
  // What an inkless cell gets must be what an empty row needs: blank, sure
  // enough to be accepted without review, as the model reads the empty cells
  // the pipeline cuts (RecognizeModel.ReadsHeldOutCells).
  auto model = make_crnn_recognizer(PETISCAN_MODEL_DIR, RecognizerSettings{});
  CodeCellReader reader(*model);
  RowGeometry empty;
  empty.code_cell = rect_quad(0, 0, 100, 20);
  const PostalReading r = reader.read(cv::Mat(20, 100, CV_8UC1, cv::Scalar(255)), empty);
  EXPECT_TRUE(r.blank);
  EXPECT_FALSE(r.code);
  EXPECT_GE(r.confidence, model->accept_threshold());
}

TEST(ReadCodes, TheGeometrySeesInkInWrittenCellsOnly) {
  // The gate is the geometry's code_ink: on a drawn sheet, every cell with a
  // code has ink, every empty one none.
  test::SheetSpec spec;
  spec.rows[0] = {true, "H2E 2E9"};
  spec.rows[3] = {false, "G1V 4M7"};
  spec.rows[4] = {true, std::nullopt};
  const cv::Mat page = test::draw_sheet(spec);
  GeometrySettings settings;
  DebugWriter none;
  const SheetGeometry g = analyze_page(PageImage{page, spec.dpi, false}, settings, none);
  ASSERT_TRUE(g.table_found) << g.reason;
  for (int r = 0; r < kRowsPerSheet; ++r) {
    if (spec.rows[r].code)
      EXPECT_GT(g.rows[r].code_ink, 0) << "row " << r + 1;
    else
      EXPECT_EQ(g.rows[r].code_ink, 0) << "row " << r + 1;
  }
}

TEST(ReadCodes, ASheetsCellsReadTogetherAreReadAsOneByOne) {
  // read_sheet() puts a sheet's inked cells through the network in one
  // batch: every row gets the reading read() gives it alone, to the bit.
  test::SheetSpec spec;
  spec.rows[0] = {true, "H2E 2E9"};
  spec.rows[2] = {true, "G1V 4M7"};
  spec.rows[3] = {false, "J8P 3K1"};
  spec.rows[6] = {true, "H3Z 2Y7"};
  const cv::Mat page = test::draw_sheet(spec);
  GeometrySettings settings;
  DebugWriter none;
  const SheetGeometry g = analyze_page(PageImage{page, spec.dpi, false}, settings, none);
  ASSERT_TRUE(g.table_found) << g.reason;
  auto model = make_crnn_recognizer(PETISCAN_MODEL_DIR, RecognizerSettings{});
  CodeCellReader together(*model), alone(*model);
  const auto sheet = together.read_sheet(page, g.rows);
  int read = 0;
  for (int r = 0; r < kRowsPerSheet; ++r) {
    const PostalReading one = alone.read(page, g.rows[r]);
    EXPECT_EQ(sheet[r].blank, one.blank) << "row " << r + 1;
    EXPECT_EQ(sheet[r].code, one.code) << "row " << r + 1;
    EXPECT_EQ(sheet[r].confidence, one.confidence) << "row " << r + 1;
    EXPECT_EQ(sheet[r].alternatives, one.alternatives) << "row " << r + 1;
    read += sheet[r].code.has_value();
  }
  EXPECT_GE(read, 3);  // the written cells were read, not left blank
}

}  // namespace
}  // namespace petiscan
