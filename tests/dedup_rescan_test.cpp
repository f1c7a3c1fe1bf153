// Re-scan detection on sheets drawn in code: the same sheet scanned again
// (rescaled, blurred, noisy, darker, turned 180 degrees, skewed, photographed
// in perspective) is recognised; a look-alike sheet (same codes in the same
// rows, other signatures) and a family sheet are not.
#include <gtest/gtest.h>

#include <chrono>
#include <iostream>
#include <opencv2/imgproc.hpp>
#include <random>

#include "dedup/rescan.h"
#include "geometry/geometry.h"
#include "geometry/settings.h"
#include "report_fixture.h"
#include "support/draw_sheet.h"
#include "support/test_support.h"

namespace petiscan {
namespace {

using test::TempDir;

constexpr double kDpi = 150;

test::SheetSpec spec(int seed, std::vector<std::optional<std::string>> codes, int signed_rows) {
  test::SheetSpec s;
  s.dpi = kDpi;
  s.seed = seed;
  for (int i = 0; i < 9; ++i) {
    s.rows[i].is_signed = i < signed_rows;
    if (i < static_cast<int>(codes.size())) s.rows[i].code = codes[i];
  }
  return s;
}

const std::vector<std::optional<std::string>> kCodes = {
    "H2E 2E9", "H2E 2E9", "G1V 0A6", "J4Z 2B2", "K1A 0B1", std::nullopt, "H7N 1A1"};

Quad quad(double x0, double y0, double x1, double y1) {
  Quad q;
  q.pts = {cv::Point2f(float(x0), float(y0)), cv::Point2f(float(x1), float(y0)),
           cv::Point2f(float(x1), float(y1)), cv::Point2f(float(x0), float(y1))};
  return q;
}

// The geometry of a drawn sheet, from draw_sheet()'s layout (exact).
SheetGeometry drawn_geometry(const test::SheetSpec& s) {
  const double dpi = s.dpi, w = 8.5 * dpi;
  const double left = 0.9 * dpi, right = w - 0.9 * dpi;
  const double split = left + (right - left) * s.column_split;
  const double top = 2.6 * dpi + 0.4 * dpi, row_h = 0.62 * dpi;
  SheetGeometry g;
  g.kind = PageKind::Signatures;
  g.table_found = true;
  for (int r = 0; r < 9; ++r) {
    const double y0 = top + r * row_h, y1 = y0 + row_h;
    g.rows[r].row = quad(left, y0, right, y1);
    g.rows[r].signature_cell = quad(left, y0, split, y1);
    g.rows[r].code_cell = quad(split, y0, right, y1);
    g.rows[r].is_signed = s.rows[r].is_signed;
  }
  return g;
}

// Moves every quad of `g` by the 3x3 transform `h` (what a re-scan does).
SheetGeometry transformed(SheetGeometry g, const cv::Matx33d& h) {
  auto move = [&](Quad& q) {
    for (auto& p : q.pts) {
      const cv::Vec3d v = h * cv::Vec3d(p.x, p.y, 1);
      p = cv::Point2f(float(v[0] / v[2]), float(v[1] / v[2]));
    }
  };
  for (auto& r : g.rows) {
    move(r.row);
    move(r.signature_cell);
    move(r.code_cell);
  }
  return g;
}

struct Scan {
  cv::Mat image;
  SheetGeometry geometry;
};

enum class Rescan { Scanner, Turned, Skewed, Phone };

// Another scan of the same paper: other resolution, blur, noise, exposure,
// and a placement on the glass (or a phone's perspective).
Scan rescan(const cv::Mat& paper, const SheetGeometry& g, Rescan how, int seed,
            double noise_sigma = 6) {
  std::mt19937 rng(static_cast<unsigned>(seed));
  cv::Matx33d h = cv::Matx33d::eye();
  const double scale = 200.0 / kDpi;  // rescanned at 200 DPI
  h = cv::Matx33d(scale, 0, 0, 0, scale, 0, 0, 0, 1);
  cv::Size size(int(paper.cols * scale), int(paper.rows * scale));
  if (how == Rescan::Turned) {
    h = cv::Matx33d(-1, 0, size.width - 1.0, 0, -1, size.height - 1.0, 0, 0, 1) * h;
  } else if (how == Rescan::Skewed) {
    const cv::Mat r =
        cv::getRotationMatrix2D(cv::Point2f(size.width / 2.f, size.height / 2.f), 2.5, 1);
    h = cv::Matx33d(r.at<double>(0, 0), r.at<double>(0, 1), r.at<double>(0, 2), r.at<double>(1, 0),
                    r.at<double>(1, 1), r.at<double>(1, 2), 0, 0, 1) *
        h;
  } else if (how == Rescan::Phone) {
    const float w = float(size.width), ht = float(size.height);
    const std::array<cv::Point2f, 4> from = {cv::Point2f(0, 0), cv::Point2f(w, 0),
                                             cv::Point2f(w, ht), cv::Point2f(0, ht)};
    const std::array<cv::Point2f, 4> to = {cv::Point2f(w * 0.05f, ht * 0.03f),
                                           cv::Point2f(w * 0.94f, 0), cv::Point2f(w, ht),
                                           cv::Point2f(0, ht * 0.98f)};
    const cv::Mat p = cv::getPerspectiveTransform(from.data(), to.data());
    h = cv::Matx33d(p.ptr<double>()) * h;
  }
  cv::Mat out;
  cv::warpPerspective(paper, out, cv::Mat(h), size, cv::INTER_LINEAR, cv::BORDER_CONSTANT,
                      cv::Scalar(255));
  cv::GaussianBlur(out, out, cv::Size(0, 0), 0.9);
  cv::Mat noise(out.size(), CV_16S);
  cv::randn(noise, 0, noise_sigma);
  cv::Mat tmp;
  out.convertTo(tmp, CV_16S, 0.85, 10);  // a darker, flatter exposure
  tmp += noise;
  tmp.convertTo(out, CV_8U);
  return {out, transformed(g, h)};
}

Scan scan_of(const test::SheetSpec& s) { return {test::draw_sheet(s), drawn_geometry(s)}; }

std::string fp(const Scan& s) { return sheet_fingerprint(s.image, s.geometry); }

TEST(DedupFingerprint, SameSheetRescannedMatches) {
  const auto s = spec(7, kCodes, 6);
  const Scan first = scan_of(s);
  const std::string a = fp(first);
  ASSERT_FALSE(a.empty());
  EXPECT_EQ(a.substr(0, 13), "f4:111111000:");
  for (Rescan how : {Rescan::Scanner, Rescan::Turned, Rescan::Skewed, Rescan::Phone}) {
    const Scan again = rescan(first.image, first.geometry, how, 3);
    const auto score = compare_fingerprints(a, fp(again));
    EXPECT_TRUE(same_sheet(score))
        << "re-scan kind " << int(how) << ": similarity " << score.similarity << ", one-sided "
        << score.parts_one_sided << "/" << score.parts_compared;
    EXPECT_GT(score.similarity, 0.8) << int(how);
  }
}

TEST(DedupFingerprint, ANoisyPhotoOfAHalfEmptySheetMatchesItsScan) {
  // A phone's sensor noise over the seven empty rows must not read as writing
  // on the photograph only (one-sided cells): that hid such re-scans.
  const auto s = spec(17, {"G2C 5E8", "J5S 0W4"}, 2);
  const Scan first = scan_of(s);
  const Scan photo = rescan(first.image, first.geometry, Rescan::Phone, 11, 24);
  const auto score = compare_fingerprints(fp(first), fp(photo));
  EXPECT_EQ(score.parts_one_sided, 0) << "of " << score.parts_compared;
  EXPECT_TRUE(same_sheet(score)) << score.similarity;
}

// A 1-bit scan in the scanner's halftone mode: an ordered 8x8 Bayer dither
// of the page's brightness over its paper's (as scripts/gen_sheets.py does),
// which leaves a grain of dots wherever noise darkens the paper a little.
cv::Mat halftone(const cv::Mat& gray) {
  static constexpr int kBayer[8][8] = {
      {0, 32, 8, 40, 2, 34, 10, 42},  {48, 16, 56, 24, 50, 18, 58, 26},
      {12, 44, 4, 36, 14, 46, 6, 38}, {60, 28, 52, 20, 62, 30, 54, 22},
      {3, 35, 11, 43, 1, 33, 9, 41},  {51, 19, 59, 27, 49, 17, 57, 25},
      {15, 47, 7, 39, 13, 45, 5, 37}, {63, 31, 55, 23, 61, 29, 53, 21}};
  // The paper: the brightness 90 % of the page is darker than, or as dark.
  std::vector<uchar> v(gray.begin<uchar>(), gray.end<uchar>());
  std::nth_element(v.begin(), v.begin() + v.size() * 9 / 10, v.end());
  const double paper = std::max<uchar>(1, v[v.size() * 9 / 10]);
  cv::Mat out(gray.size(), CV_8U);
  for (int y = 0; y < gray.rows; ++y) {
    for (int x = 0; x < gray.cols; ++x) {
      const double level = std::min(1.0, gray.at<uchar>(y, x) / paper);
      out.at<uchar>(y, x) = level > (kBayer[y % 8][x % 8] + 0.5) / 64 ? 255 : 0;
    }
  }
  return out;
}

TEST(DedupFingerprint, AHalftoneRescanMatchesItsScan) {
  // The halftone's grain in every cell must not dilute the likeness of the
  // signatures (a 1-bit re-scan in halftone mode scored 0.82, near the bound).
  auto s = spec(18, kCodes, 6);
  s.rows[6].is_signed = false;  // a code without a signature
  const Scan first = scan_of(s);
  Scan again = rescan(first.image, first.geometry, Rescan::Turned, 12, 10);
  again.image = halftone(again.image);
  const auto score = compare_fingerprints(fp(first), fp(again));
  EXPECT_TRUE(same_sheet(score)) << score.similarity;
  EXPECT_GT(score.similarity, 0.9);
  EXPECT_EQ(score.parts_one_sided, 0) << "of " << score.parts_compared;
}

TEST(DedupFingerprint, ASmallSignatureIsCompared) {
  // A signature written small, in a corner of its cell, is the one thing
  // telling this sheet from another sheet of one signature.
  const auto s = spec(19, {"H9X 6H5"}, 1);
  Scan first = scan_of(s);
  const auto& cell = first.geometry.rows[0].signature_cell.pts;
  const cv::Rect box(cv::Point(int(cell[0].x) + 4, int(cell[0].y) + 4),
                     cv::Point(int(cell[2].x) - 4, int(cell[2].y) - 4));
  cv::Mat small;
  cv::resize(first.image(box), small, cv::Size(), 0.35, 0.35, cv::INTER_AREA);
  first.image(box).setTo(255);
  small.copyTo(
      first.image(cv::Rect(box.x + box.width / 3, box.y + box.height / 3, small.cols, small.rows)));
  const Scan again = rescan(first.image, first.geometry, Rescan::Skewed, 13);
  const auto score = compare_fingerprints(fp(first), fp(again));
  EXPECT_TRUE(same_sheet(score)) << score.similarity << ", " << score.parts_compared
                                 << " cells compared";
}

TEST(DedupFingerprint, LookAlikeSheetsDoNotMatch) {
  // Same codes in the same rows, same rows signed: only the signatures differ.
  const std::string a = fp(scan_of(spec(7, kCodes, 6)));
  for (int seed : {8, 9, 10, 11}) {
    const auto score = compare_fingerprints(a, fp(scan_of(spec(seed, kCodes, 6))));
    EXPECT_FALSE(same_sheet(score)) << "seed " << seed << ": similarity " << score.similarity;
    EXPECT_LT(score.similarity, 0.6) << seed;
  }
  // A family sheet: the same households' codes, fewer rows signed.
  const auto family = compare_fingerprints(a, fp(scan_of(spec(12, kCodes, 4))));
  EXPECT_FALSE(same_sheet(family)) << family.similarity;
  // Two empty sheets have no handwriting to compare: never a match here
  // (find_rescan decides them by their printing and place in the batch).
  const std::string empty = fp(scan_of(spec(13, {}, 0)));
  EXPECT_FALSE(same_sheet(compare_fingerprints(empty, fp(scan_of(spec(14, {}, 0))))));
  // Without a table there is no fingerprint.
  SheetGeometry none;
  none.kind = PageKind::Signatures;
  EXPECT_EQ(sheet_fingerprint(scan_of(spec(7, kCodes, 6)).image, none), "");
}

std::vector<RowRecord> rows_of(const test::SheetSpec& s) {
  std::vector<RowRecord> rows;
  for (int i = 0; i < 9; ++i) {
    RowRecord r;
    r.row_no = i + 1;
    r.is_signed = s.rows[i].is_signed;
    r.postal_code = s.rows[i].code;
    r.status = RowStatus::Accepted;
    rows.push_back(r);
  }
  return rows;
}

// A project database holding sheets saved with their fingerprints, as the
// scanner's writer leaves them.
class SheetDb {
 public:
  SheetDb() : store_(dir_ / "p.db"), hp_(store_) { hp_.batch("b"); }
  db::Connection& db() { return store_.connection(); }
  std::int64_t save(const std::string& name, const std::string& fingerprint,
                    const std::vector<RowRecord>& rows, std::optional<std::int64_t> dup) {
    PageRecord p;
    p.file_id = hp_.file(name);
    p.page_no = 1;
    p.content_hash = name;
    p.kind = PageKind::Signatures;
    p.duplicate_of = dup;
    const auto id = store_.save_page(p, rows);
    db().prepare("UPDATE pages SET fingerprint = ? WHERE id = ?")
        .bind(1, fingerprint)
        .bind(2, id)
        .run();
    return id;
  }

 private:
  TempDir dir_;
  Store store_;
  test::HandProject hp_;
};

TEST(DedupFindRescan, FindsTheFirstScanInTheDatabase) {
  SheetDb sheets;
  auto& db = sheets.db();
  const auto s = spec(21, kCodes, 6);
  const Scan paper = scan_of(s);
  // Other sheets first: look-alikes and unrelated ones.
  for (int seed : {22, 23}) {
    const auto other = spec(seed, kCodes, 6);
    sheets.save("lookalike" + std::to_string(seed), fp(scan_of(other)), rows_of(other),
                std::nullopt);
  }
  const auto first = sheets.save("first", fp(paper), rows_of(s), std::nullopt);

  const Scan turned = rescan(paper.image, paper.geometry, Rescan::Turned, 5);
  const auto found = find_rescan(db, fp(turned), rows_of(s));
  ASSERT_TRUE(found);
  EXPECT_EQ(*found, first);
  const auto second = sheets.save("second", fp(turned), rows_of(s), found);
  // A third scan points at the first, never at another re-scan.
  const Scan photo = rescan(paper.image, paper.geometry, Rescan::Phone, 6);
  EXPECT_EQ(find_rescan(db, fp(photo), rows_of(s)), first);
  (void)second;

  // The signed decision differing on two rows still finds it.
  auto g = photo.geometry;
  g.rows[6].is_signed = true;
  g.rows[7].is_signed = true;
  EXPECT_EQ(find_rescan(db, sheet_fingerprint(photo.image, g), rows_of(s)), first);

  // Codes read differently on three rows (a hand the recognizer misreads):
  // handwriting this alike on 6 signatures still decides.
  auto misread = rows_of(s);
  misread[0].postal_code = "A1A 1A1";
  misread[2].postal_code = "B2B 2B2";
  misread[3].postal_code = "C3C 3C3";
  EXPECT_EQ(find_rescan(db, fp(turned), misread), first);
  // One misread is tolerated.
  auto one = rows_of(s);
  one[0].postal_code = "H2E 2E8";
  EXPECT_EQ(find_rescan(db, fp(turned), one), first);

  // A look-alike never matches, even with the first sheet in the database.
  const auto other = spec(24, kCodes, 6);
  EXPECT_FALSE(find_rescan(db, fp(scan_of(other)), rows_of(other)));
  // A rejected re-scan is a candidate again (it is a sheet of its own).
  db.prepare("UPDATE pages SET duplicate_status = 'rejected' WHERE id = ?").bind(1, second).run();
  EXPECT_TRUE(find_rescan(db, fp(photo), rows_of(s)));
  EXPECT_FALSE(find_rescan(db, "", rows_of(s)));
}

TEST(DedupFindRescan, SheetsFingerprintedByAnOlderBuildAreCounted) {
  // Never compared with this build's, so a scan warns of them.
  SheetDb sheets;
  const auto s = spec(25, kCodes, 6);
  const std::string current = fp(scan_of(s));
  sheets.save("current", current, rows_of(s), std::nullopt);
  EXPECT_EQ(sheets_with_older_fingerprints(sheets.db()), 0);
  std::string older = current;
  older.replace(0, 2, "f3");
  sheets.save("older", older, rows_of(s), std::nullopt);
  EXPECT_EQ(sheets_with_older_fingerprints(sheets.db()), 1);
  EXPECT_FALSE(find_rescan(sheets.db(), older, rows_of(s)));
}

// A sheet's rows with their boxes in its scan, as the scanner saves them.
std::vector<RowRecord> rows_with_boxes(const test::SheetSpec& s, const SheetGeometry& g) {
  auto rows = rows_of(s);
  for (int i = 0; i < 9; ++i) {
    rows[i].boxes = {{"row", quad_json(g.rows[i].row)},
                     {"signature", quad_json(g.rows[i].signature_cell)},
                     {"code", quad_json(g.rows[i].code_cell)}};
  }
  return rows;
}

TEST(DedupAlignPages, FindsTheHomographyOfARescan) {
  const Scan first = scan_of(spec(26, kCodes, 6));
  const Scan photo = rescan(first.image, first.geometry, Rescan::Phone, 14);
  const auto h = align_pages(first.image, photo.image);
  ASSERT_TRUE(h);
  // Every cell corner lands where the re-scan put it, within 2 pixels.
  for (int r = 0; r < 9; ++r) {
    for (int k = 0; k < 4; ++k) {
      const cv::Point2f p = first.geometry.rows[r].signature_cell.pts[k];
      const cv::Vec3d v = (*h) * cv::Vec3d(p.x, p.y, 1);
      const cv::Point2f want = photo.geometry.rows[r].signature_cell.pts[k];
      EXPECT_LT(cv::norm(cv::Point2f(float(v[0] / v[2]), float(v[1] / v[2])) - want), 2.0)
          << "row " << r + 1 << " corner " << k;
    }
  }
  // Noise has nothing in common with a page.
  cv::Mat noise(first.image.size(), CV_8U);
  cv::randu(noise, 0, 256);
  EXPECT_FALSE(align_pages(first.image, noise));
}

TEST(DedupFindRescan, ARescanIsFoundWhenOneOfTheTwoScansHasNoTable) {
  // The table of one scan was not found (its rules lost): the other scan's
  // cells, carried onto it through the features both show, are compared.
  SheetDb sheets;
  auto& db = sheets.db();
  const auto s = spec(27, kCodes, 6);
  const Scan paper = scan_of(s);
  const auto first =
      sheets.save("first", fp(paper), rows_with_boxes(s, paper.geometry), std::nullopt);
  const Scan turned = rescan(paper.image, paper.geometry, Rescan::Turned, 15);
  SheetGeometry no_table;
  no_table.kind = PageKind::Signatures;
  std::vector<std::int64_t> loaded;
  const PageLoader load = [&](std::int64_t id) {
    loaded.push_back(id);
    return id == first ? paper.image : cv::Mat();
  };
  EXPECT_EQ(find_rescan_across_tables(
                db, no_table, "", [&] { return turned.image; }, load),
            first);
  EXPECT_EQ(loaded, std::vector<std::int64_t>{first});
  // A look-alike sheet (the same codes, other signatures) is not it.
  const auto other = spec(28, kCodes, 6);
  const Scan lookalike = rescan(scan_of(other).image, paper.geometry, Rescan::Scanner, 16);
  EXPECT_FALSE(find_rescan_across_tables(
      db, no_table, "", [&] { return lookalike.image; }, load));

  // The other way round: the first scan had no table, the re-scan has one.
  SheetDb others;
  const auto tableless = others.save("tableless", "", {}, std::nullopt);
  const PageLoader load_first = [&](std::int64_t id) {
    return id == tableless ? turned.image : cv::Mat();
  };
  EXPECT_EQ(find_rescan_across_tables(
                others.db(), paper.geometry, fp(paper), [&] { return paper.image; }, load_first),
            tableless);
  const Scan other_paper = scan_of(other);
  EXPECT_FALSE(find_rescan_across_tables(
      others.db(), other_paper.geometry, fp(other_paper), [&] { return other_paper.image; },
      load_first));
  // A sheet with a table is never compared so with another one with a table.
  EXPECT_FALSE(find_rescan_across_tables(
      db, paper.geometry, fp(paper), [&] { return paper.image; }, load));
}

TEST(DedupFindRescan, SheetsOfOneSignatureAreToldApartByTheirCode) {
  // Two sheets with one signature each look alike at the fingerprint's scale
  // more easily than full ones: their one code decides, with the recognizer's
  // likely runner-up readings taken into account.
  SheetDb sheets;
  auto& db = sheets.db();
  const auto s = spec(41, {"H5C 9G5"}, 1);
  const Scan paper = scan_of(s);
  auto first_rows = rows_of(s);
  first_rows[0].alternatives = {{{"code", "H5C 9G6"}, {"p", 0.2}}};
  const auto first = sheets.save("first.png", fp(paper), first_rows, std::nullopt);
  const Scan again = rescan(paper.image, paper.geometry, Rescan::Scanner, 7);

  EXPECT_EQ(find_rescan(db, fp(again), rows_of(s)), first);
  auto other = rows_of(s);
  other[0].postal_code = "J0H 5P5";  // another household: another sheet
  EXPECT_FALSE(find_rescan(db, fp(again), other));
  // Read differently on the second scan, but the runner-up readings agree.
  other[0].alternatives = {{{"code", "H5C 9C5"}, {"p", 0.3}}};
  EXPECT_EQ(find_rescan(db, fp(again), other), first);
  // An unlikely runner-up does not count.
  other[0].alternatives = {{{"code", "H5C 9C5"}, {"p", 0.01}}};
  EXPECT_FALSE(find_rescan(db, fp(again), other));
}

TEST(DedupFingerprint, CarriesThePrintedTablesProportions) {
  // The column split and the row pitch, as shares of the table's width, the
  // same on a re-scan whatever its resolution or turn.
  auto narrow = spec(51, {}, 0);
  narrow.column_split = 0.55;
  const Scan first = scan_of(spec(51, {}, 0));
  const std::string a = fp(first);
  // A split at 0.62 of the width, then a pitch of 0.62 in over a 6.7-in-wide
  // table: 0.09254.
  EXPECT_EQ(a.substr(0, 23), "f4:000000000:6200009254");
  for (Rescan how : {Rescan::Scanner, Rescan::Turned, Rescan::Skewed}) {
    const auto score = compare_fingerprints(a, fp(rescan(first.image, first.geometry, how, 4)));
    EXPECT_LT(score.split_difference, 0.001) << int(how);
    EXPECT_LT(score.pitch_difference, 0.0005) << int(how);
    EXPECT_TRUE(score.nothing_written) << int(how);
    EXPECT_FALSE(same_sheet(score)) << "no handwriting to compare";
  }
  const auto other = compare_fingerprints(a, fp(scan_of(narrow)));
  EXPECT_NEAR(other.split_difference, 0.07, 0.002);
  EXPECT_LT(other.pitch_difference, 0.0005);
  // Writing in a single cell (a code, no signature) is not an empty sheet.
  EXPECT_FALSE(compare_fingerprints(a, fp(scan_of(spec(51, {"H2E 2E9"}, 0)))).nothing_written);
}

TEST(DedupFindRescan, AnEmptySheetIsTheRescanOfTheSamePrintingJustBefore) {
  // No handwriting: the printing and the place in the batch decide.
  SheetDb sheets;
  auto& db = sheets.db();
  const Scan paper = scan_of(spec(52, {}, 0));
  const std::vector<RowRecord> none = rows_of(spec(52, {}, 0));
  const auto first = sheets.save("empty.png", fp(paper), none, std::nullopt);
  const std::string again = fp(rescan(paper.image, paper.geometry, Rescan::Turned, 8));
  EXPECT_EQ(find_rescan(db, again, none), first);
  // Another printing (column split 0.55 instead of 0.62) is another sheet.
  auto narrow = spec(53, {}, 0);
  narrow.column_split = 0.55;
  EXPECT_FALSE(find_rescan(db, fp(scan_of(narrow)), none));
  // A sheet with one code and no signature is not an empty sheet.
  const auto coded = spec(54, {"H2E 2E9"}, 0);
  EXPECT_FALSE(find_rescan(db, fp(scan_of(coded)), rows_of(coded)));
  // Eight pages later, the same printing is another empty sheet: re-scans
  // come with their envelope.
  for (int i = 0; i < 8; ++i) {
    const auto full = spec(60 + i, kCodes, 6);
    sheets.save("full" + std::to_string(i), fp(scan_of(full)), rows_of(full), std::nullopt);
  }
  EXPECT_FALSE(find_rescan(db, again, none));
}

TEST(DedupFingerprint, ThroughTheGeometryStages) {
  // End to end: the geometry stages find the table on both scans.
  const auto s = spec(31, kCodes, 5);
  const cv::Mat paper = test::draw_sheet(s);
  const Scan turned = rescan(paper, drawn_geometry(s), Rescan::Turned, 9);
  GeometrySettings settings;
  DebugWriter debug;
  PageImage a{paper, kDpi, false}, b{turned.image, 200, false};
  const auto ga = analyze_page(a, settings, debug), gb = analyze_page(b, settings, debug);
  ASSERT_TRUE(ga.table_found) << ga.reason;
  ASSERT_TRUE(gb.table_found) << gb.reason;
  const auto score =
      compare_fingerprints(sheet_fingerprint(a.gray, ga), sheet_fingerprint(b.gray, gb));
  EXPECT_TRUE(same_sheet(score)) << score.similarity;
  const auto other = spec(32, kCodes, 5);
  PageImage c{test::draw_sheet(other), kDpi, false};
  const auto gc = analyze_page(c, settings, debug);
  ASSERT_TRUE(gc.table_found) << gc.reason;
  EXPECT_FALSE(same_sheet(
      compare_fingerprints(sheet_fingerprint(a.gray, ga), sheet_fingerprint(c.gray, gc))));
}

TEST(DedupFindRescan, NoMatchAmongThousandsOfUnrelatedFullSheets) {
  // 3,000 full sheets (the same signed pattern: every one a candidate), with
  // random handwriting grids and random codes, in one project.
  TempDir dir;
  Store store(dir / "p.db");
  test::HandProject hp(store);
  hp.batch("b");
  auto& db = store.connection();
  const std::string real = fp(scan_of(spec(41, kCodes, 9)));
  const size_t grid_at = real.find(':', real.find(':', 3) + 1) + 1;
  std::mt19937 rng(5);
  {
    db::Transaction tx(db);
    const auto file = hp.file("big.tif");
    auto page = db.prepare(
        "INSERT INTO pages(file_id, page_no, content_hash, kind, status, fingerprint) "
        "VALUES (?, ?, ?, 'signatures', 'done', ?)");
    auto row = db.prepare(
        "INSERT INTO rows(page_id, row_no, signed, postal_code, confidence, status, "
        "machine_signed) VALUES (?, ?, 1, ?, 0.99, 'accepted', 1)");
    for (int i = 0; i < 3000; ++i) {
      std::string f = real;
      for (size_t k = grid_at; k < f.size(); ++k) f[k] = "0123456789abcdef"[rng() % 16];
      std::string hash = "h";
      hash += std::to_string(i);
      page.bind(1, file).bind(2, i + 1).bind(3, hash).bind(4, f).run();
      page.reset();
      const auto id = db.last_insert_id();
      for (int r = 1; r <= 9; ++r) {
        // "H?A ?B1", its digits drawn. Strings here are built by appending
        // and in place: GCC 12 warns, wrongly, of overlapping copies in
        // "literal" + std::to_string() (-Wrestrict).
        std::string code = "H0A 0B1";
        code[1] = static_cast<char>('0' + rng() % 10);
        code[4] = static_cast<char>('0' + rng() % 10);
        row.bind(1, id).bind(2, r).bind(3, code).run();
        row.reset();
      }
    }
    tx.commit();
  }
  auto time_ms = [&](const std::vector<RowRecord>& rows) {
    const auto t0 = std::chrono::steady_clock::now();
    EXPECT_FALSE(find_rescan(db, real, rows));
    return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  };
  const auto with_codes = rows_of(spec(41, kCodes, 9));
  std::vector<RowRecord> no_codes = with_codes;
  for (auto& r : no_codes) r.postal_code.reset();
  const double ms_codes = time_ms(with_codes), ms_none = time_ms(no_codes);
  std::cout << "find_rescan among 3,000 candidates: " << ms_codes << " ms with codes, " << ms_none
            << " ms without codes\n";
  // The time is printed, not asserted: speed is measured by scripts/bench, never
  // by a timed unit test (measured alone: ~80 ms and ~800 ms; ASan is 8x slower).
}

}  // namespace
}  // namespace petiscan
