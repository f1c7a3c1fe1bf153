// The geometry stages, chained: binarise, deskew, quarter turn, table frame,
// half turn, rectification, rows, signed. Decisions are logged in words at
// debug level (-v); --debug-dir gets an image at each step.
#include "geometry/geometry.h"

#include <fmt/ranges.h>
#include <spdlog/spdlog.h>

#include <cmath>
#include <opencv2/imgproc.hpp>

#include "classify/page_kind_net.h"
#include "core/components.h"
#include "core/errors.h"
#include "geometry/settings.h"

namespace petiscan {

void GeometrySettings::validate() const {
  if (work_dpi < 72 || work_dpi > 400) throw UsageError("geometry.work_dpi: 72 to 400");
  if (binarize_window_in <= 0 || binarize_window_in > 2)
    throw UsageError("geometry.binarize_window_in: (0, 2]");
  if (binarize_offset <= 0 || binarize_offset > 100)
    throw UsageError("geometry.binarize_offset: (0, 100]");
  deskew.validate();
  orient.validate();
  table.validate();
  rectify.validate();
  rows.validate();
  signature.validate();
  classify.validate();
}

nlohmann::json GeometrySettings::to_json() const {
  return {
      {"work_dpi", work_dpi},
      {"binarize_window_in", binarize_window_in},
      {"binarize_offset", binarize_offset},
      {"deskew",
       {{"coarse_step_deg", deskew.coarse_step_deg},
        {"fine_range_deg", deskew.fine_range_deg},
        {"fine_step_deg", deskew.fine_step_deg},
        {"max_points", deskew.max_points},
        {"good_confidence", deskew.good_confidence}}},
      {"orient",
       {{"quarter_turn_ratio", orient.quarter_turn_ratio},
        {"good_confidence", orient.good_confidence}}},
      {"table",
       {{"horizontal_kernel", table.horizontal_kernel},
        {"vertical_kernel", table.vertical_kernel},
        {"gap_bridge", table.gap_bridge},
        {"min_rule_width", table.min_rule_width},
        {"min_rule_coverage", table.min_rule_coverage},
        {"max_rule_thickness_in", table.max_rule_thickness_in},
        {"end_tolerance", table.end_tolerance},
        {"min_rules", table.min_rules}}},
      {"rectify",
       {{"canonical_width", rectify.canonical_width}, {"cell_margin", rectify.cell_margin}}},
      {"rows",
       {{"min_row_fraction", rows.min_row_fraction},
        {"max_row_fraction", rows.max_row_fraction},
        {"match_tolerance", rows.match_tolerance},
        {"min_matched", rows.min_matched},
        {"rule_coverage", rows.rule_coverage}}},
      {"signed",
       {{"edge_band", signature.edge_band},
        {"side_band", signature.side_band},
        {"min_ink", signature.min_ink},
        {"min_spread", signature.min_spread},
        {"speck_area", signature.speck_area},
        {"min_largest", signature.min_largest},
        {"good_confidence", signature.good_confidence},
        {"min_relative_contrast", signature.min_relative_contrast},
        {"stain_max_contrast", signature.stain_max_contrast},
        {"stain_max_ink", signature.stain_max_ink}}},
      {"classify", {{"blank_max_ink", classify.blank_max_ink}}},
  };
}

namespace {

// Blank-page ink: the paper's level is the lightest gray within this many
// inches (wider than a pen stroke), and ink is at least kStrongContrast gray
// levels darker than it (bleed-through seen on the generated set: 20-50 levels
// below the paper; print and pen: over 100).
constexpr double kPaperWindowIn = 0.08;
constexpr double kStrongContrast = 70;

int odd_size(double v) { return std::max(3, static_cast<int>(v) | 1); }

cv::Mat binarize(const cv::Mat& gray, double dpi, const GeometrySettings& s) {
  // No median filter: it would erase the 1-pixel rules of a 300-DPI scan seen at 150 DPI.
  cv::Mat smooth, ink;
  cv::GaussianBlur(gray, smooth, {3, 3}, 0);
  const int window = std::max(3, static_cast<int>(s.binarize_window_in * dpi) | 1);
  cv::adaptiveThreshold(smooth, ink, 255, cv::ADAPTIVE_THRESH_MEAN_C, cv::THRESH_BINARY_INV, window,
                        s.binarize_offset);
  return ink;
}

// The sheet of paper on the image: the largest bright region (Otsu's
// threshold, on a quarter-size copy), its holes (print, stains) filled, pulled
// in by kSheetMarginIn. The whole image when no such region covers at least
// kMinSheetShare of it (a page scanned to its edges, a very dark scan).
cv::Mat sheet_mask(const cv::Mat& gray, double dpi) {
  constexpr double kSheetMarginIn = 0.06, kMinSheetShare = 0.5;
  cv::Mat small, bright;
  cv::resize(gray, small, cv::Size(), 0.25, 0.25, cv::INTER_AREA);
  cv::threshold(small, bright, 0, 255, cv::THRESH_BINARY | cv::THRESH_OTSU);
  std::vector<std::vector<cv::Point>> contours;
  cv::findContours(bright, contours, cv::RETR_EXTERNAL, cv::CHAIN_APPROX_SIMPLE);
  double best_area = 0;
  int best = -1;
  for (int i = 0; i < static_cast<int>(contours.size()); ++i) {
    const double a = cv::contourArea(contours[i]);
    if (a > best_area) best_area = a, best = i;
  }
  cv::Mat full(gray.size(), CV_8U, cv::Scalar(255));
  if (best < 0 || best_area < kMinSheetShare * small.rows * small.cols) return full;
  cv::Mat sheet = cv::Mat::zeros(small.size(), CV_8U);
  cv::drawContours(sheet, contours, best, cv::Scalar(255), cv::FILLED);
  cv::resize(sheet, full, gray.size(), 0, 0, cv::INTER_NEAREST);
  const int margin = odd_size(2 * kSheetMarginIn * dpi);
  cv::erode(full, full, cv::getStructuringElement(cv::MORPH_RECT, {margin, margin}));
  return full;
}

cv::Matx33d affine3(const cv::Mat& m23) {
  cv::Matx33d m = cv::Matx33d::eye();
  for (int r = 0; r < 2; ++r) {
    for (int c = 0; c < 3; ++c) m(r, c) = m23.at<double>(r, c);
  }
  return m;
}

// Turns the work images a quarter clockwise and records it in `to_work`.
void quarter_turn(std::vector<cv::Mat*> images, cv::Matx33d& to_work) {
  const int h = images.front()->rows;
  for (cv::Mat* m : images) cv::rotate(*m, *m, cv::ROTATE_90_CLOCKWISE);
  const cv::Matx33d q(0, -1, h - 1.0, 1, 0, 0, 0, 0, 1);
  to_work = q * to_work;
}

// Undoes quarter_turn().
void quarter_turn_back(std::vector<cv::Mat*> images, cv::Matx33d& to_work) {
  const int w = images.front()->cols;
  for (cv::Mat* m : images) cv::rotate(*m, *m, cv::ROTATE_90_COUNTERCLOCKWISE);
  const cv::Matx33d q(0, 1, 0, -1, 0, w - 1.0, 0, 0, 1);
  to_work = q * to_work;
}

// Pieces of a line mask longer than `min_length` pixels along the line
// (`horizontal`: along rows).
cv::Mat long_pieces(const cv::Mat& mask, bool horizontal, double min_length) {
  const Components parts = find_components(mask);
  return parts.paint([&](int i) {
    const Component& c = parts.items[static_cast<size_t>(i)];
    return (horizontal ? c.width() : c.height()) >= min_length ? 255 : 0;
  });
}

// The long-line pieces to remove from the cells: the table's rules, printed
// within kRuleBand of a row height of the 10 row boundaries, the column
// split and the frame's sides, and lines crossing the cells (a fold: over
// kFoldWidth of the table's width, or kFoldRows row heights down). A small
// signature written as a flat stroke looks like a piece of rule to the
// long-line filter, but it sits inside its row and is short: it stays ink
// (train seeds 100/101: 3 small signatures were lost that way).
cv::Mat table_rules(const LineMasks& lines, const RowLayout& layout) {
  constexpr double kRuleBand = 0.15, kFoldWidth = 0.3, kFoldRows = 1.5;
  const double row_h = (layout.boundaries[9] - layout.boundaries[0]) / 9;
  const int band = std::max(3, static_cast<int>(kRuleBand * row_h));
  const int w = lines.horizontal.cols, h = lines.horizontal.rows;
  cv::Mat near_rows = cv::Mat::zeros(lines.horizontal.size(), CV_8U);
  for (double b : layout.boundaries) {
    const int y = static_cast<int>(std::lround(b));
    near_rows.rowRange(std::clamp(y - band, 0, h), std::clamp(y + band + 1, 0, h)).setTo(255);
  }
  cv::Mat near_cols = cv::Mat::zeros(lines.vertical.size(), CV_8U);
  for (int x : {0, static_cast<int>(std::lround(layout.split_x)), w - 1}) {
    near_cols.colRange(std::clamp(x - band, 0, w), std::clamp(x + band + 1, 0, w)).setTo(255);
  }
  return (lines.horizontal & near_rows) | (lines.vertical & near_cols) |
         long_pieces(lines.horizontal, true, kFoldWidth * w) |
         long_pieces(lines.vertical, false, kFoldRows * row_h);
}

cv::Mat draw_debug(const cv::Mat& gray) {
  cv::Mat out;
  cv::cvtColor(gray, out, cv::COLOR_GRAY2BGR);
  return out;
}

// The turn of the page by `angle_deg` (counter-clockwise, image y down) onto
// a canvas large enough to keep its corners: the affine matrix and the canvas.
cv::Mat page_rotation(cv::Size page, double angle_deg, cv::Size& canvas) {
  const cv::Point2f centre(page.width / 2.0f, page.height / 2.0f);
  cv::Mat rot = cv::getRotationMatrix2D(centre, -angle_deg, 1.0);
  const double a = angle_deg * CV_PI / 180.0;
  canvas.width = static_cast<int>(
      std::ceil(page.width * std::abs(std::cos(a)) + page.height * std::abs(std::sin(a))));
  canvas.height = static_cast<int>(
      std::ceil(page.width * std::abs(std::sin(a)) + page.height * std::abs(std::cos(a))));
  rot.at<double>(0, 2) += (canvas.width - page.width) / 2.0;
  rot.at<double>(1, 2) += (canvas.height - page.height) / 2.0;
  return rot;
}

// The ink turned by `angle_deg` (see page_rotation()) into `ink_out`;
// recorded in `to_work`.
void rotate_page(const cv::Mat& ink, double angle_deg, cv::Mat& ink_out, cv::Matx33d& to_work) {
  cv::Size canvas;
  const cv::Mat rot = page_rotation(ink.size(), angle_deg, canvas);
  cv::warpAffine(ink, ink_out, rot, canvas, cv::INTER_NEAREST, cv::BORDER_CONSTANT, cv::Scalar(0));
  to_work = affine3(rot) * to_work;
}

// The gray page turned as its ink was: by `angle_deg` (see page_rotation()),
// then a quarter clockwise when `quarter`. Made only once a table is found,
// for its cells: turning the gray (interpolated) costs more than turning the
// ink, and a page without a table never needs it. The same operations as
// turning it with the ink, so the same pixels (a quarter turn undone by the
// faint look is no turn: cv::rotate only moves pixels).
cv::Mat turned_gray(const cv::Mat& gray, double angle_deg, bool quarter) {
  cv::Mat out = gray;
  if (angle_deg != 0.0) {
    cv::Size canvas;
    const cv::Mat rot = page_rotation(gray.size(), angle_deg, canvas);
    cv::warpAffine(gray, out, rot, canvas, cv::INTER_LINEAR, cv::BORDER_CONSTANT, cv::Scalar(255));
  }
  if (!quarter) return out;
  cv::Mat turned;  // not in place: `out` may still be the caller's pixels
  cv::rotate(out, turned, cv::ROTATE_90_CLOCKWISE);
  return turned;
}

// The solid rules of the page deskewed by `angle_deg`: the quarter turn
// they show, the ink turned by it, and the table's frame they make. The gray
// page is turned alike only when needed (turned_gray()).
struct SolidLook {
  cv::Mat ink;  // the work ink, deskewed and turned
  double angle_deg;
  cv::Matx33d to_work;
  LineMasks masks;
  QuarterTurnEstimate qt;
  TableFrame frame;
};

SolidLook look_for_rules(const cv::Mat& ink, const cv::Matx33d& to_work, double angle_deg,
                         double dpi, double sheet_width, const GeometrySettings& s) {
  // The caller's ink is not written: turned copies are made.
  SolidLook out{{}, angle_deg, to_work, {}, {}, {}};
  if (angle_deg != 0.0) {
    rotate_page(ink, angle_deg, out.ink, out.to_work);
  } else {
    out.ink = ink;
  }
  out.masks = find_line_masks(out.ink, dpi, s.table);
  out.qt = estimate_quarter_turn(out.masks.horizontal, out.masks.vertical, out.ink, s.orient);
  spdlog::debug("orientation: {} (confidence {:.2f})",
                out.qt.turn ? "lines run vertically, turned a quarter" : "lines run horizontally",
                out.qt.confidence);
  if (out.qt.turn) {
    // Still the caller's pixels, which cv::rotate may write in place.
    if (angle_deg == 0.0) out.ink = ink.clone();
    quarter_turn({&out.ink}, out.to_work);
    out.masks = find_line_masks(out.ink, dpi, s.table);
  }
  out.frame = find_table_frame(out.masks, dpi, s.table, sheet_width);
  return out;
}

// Step 5's second look, when solid rules gave no table: the rules as faint
// ones (RuleStyle::Faint). A 1-bit scan may have broken a faint or thin
// print's rules into dashes shorter than a letter's stroke, a photo's
// perspective slanted them; faint rules may also show a quarter turn the
// solid ones did not (then tried on a turned copy of `ink`).
struct FaintLook {
  TableFrame frame;
  LineMasks masks;
  QuarterTurnEstimate qt;
  cv::Mat ink;  // the work ink, turned if qt says so
  cv::Matx33d to_work;
};

FaintLook look_for_faint_rules(const cv::Mat& ink, const cv::Matx33d& to_work,
                               const QuarterTurnEstimate& qt, double dpi, double sheet_width,
                               const GeometrySettings& s) {
  FaintLook out{{}, find_line_masks(ink, dpi, s.table, RuleStyle::Faint), qt, ink, to_work};
  // The quarter turn again, from the faint rules: when the solid look made
  // none, or made one it was not sure of (then undone if the faint rules run
  // across the turned page).
  if (!qt.turn || qt.confidence < s.orient.good_confidence) {
    const QuarterTurnEstimate again =
        estimate_quarter_turn(out.masks.horizontal, out.masks.vertical, ink, s.orient);
    if (again.turn) {
      out.ink = ink.clone();
      if (qt.turn) {
        quarter_turn_back({&out.ink}, out.to_work);
        out.qt = {false, again.confidence};
      } else {
        quarter_turn({&out.ink}, out.to_work);
        out.qt = again;
      }
      out.masks = find_line_masks(out.ink, dpi, s.table, RuleStyle::Faint);
    }
  }
  out.frame = find_table_frame(out.masks, dpi, s.table, sheet_width);
  // More rules along the split than a table has (a header rule, the 10 of its
  // rows, a long underline) is text stacked in columns: the identical lines of
  // a 1-bit letter's thin print broke into flat pieces.
  constexpr int kMaxFaintRules = 12;
  if (out.frame.found && out.frame.rules > kMaxFaintRules) {
    out.frame.found = false;
    out.frame.reason = "too_many_rules";
  }
  return out;
}

}  // namespace

SheetGeometry analyze_page(const PageImage& page, const GeometrySettings& s, DebugWriter& debug) {
  SheetGeometry g;
  // 1. Work image at a fixed resolution; `to_work` maps original -> work pixels.
  // A resolution that makes the page's long side shorter than kMinLongSideIn
  // or longer than kMaxLongSideIn is not the sheet's (a TIFF page scanned at
  // 600 DPI with 200 in its tags, train seed 101): the page's size tells it,
  // as for a file that gives none (US Letter's 11 in; A4 is 6 % longer).
  constexpr double kMinLongSideIn = 8.5, kMaxLongSideIn = 15, kLongSideIn = 11;
  const double long_side = std::max(page.gray.cols, page.gray.rows);
  double page_dpi = page.dpi;
  if (page_dpi <= 0 || long_side / page_dpi < kMinLongSideIn ||
      long_side / page_dpi > kMaxLongSideIn) {
    page_dpi = long_side / kLongSideIn;
    spdlog::debug("resolution: {:.0f} DPI would make a page {:.1f} in long; taken as {:.0f} DPI",
                  page.dpi, long_side / std::max(1.0, page.dpi), page_dpi);
  }
  const double scale = std::min(1.0, s.work_dpi / std::max(1.0, page_dpi));
  const double dpi = page_dpi * scale;
  cv::Mat gray;
  if (scale < 1.0)
    cv::resize(page.gray, gray, cv::Size(), scale, scale, cv::INTER_AREA);
  else
    gray = page.gray.clone();
  cv::Matx33d to_work(scale, 0, 0, 0, scale, 0, 0, 0, 1);
  cv::Mat ink = binarize(gray, dpi, s);
  debug.write("binarize", "ink", ink);

  // 2. Blank or not, from ink without specks.
  // Only ink well darker than the paper around it counts: bleed-through from
  // the back of the sheet and a dark scan's grain are faint, print and pen are not.
  cv::Mat paper, strong, solid;
  cv::dilate(gray, paper,
             cv::getStructuringElement(cv::MORPH_RECT, cv::Size(odd_size(kPaperWindowIn * dpi),
                                                                odd_size(kPaperWindowIn * dpi))));
  cv::compare(gray, paper - kStrongContrast, strong, cv::CMP_LT);
  cv::erode(ink & strong, solid, cv::getStructuringElement(cv::MORPH_RECT, {2, 2}));
  // The scanner's lid or the desk around the sheet is not the sheet: the dark
  // edge around the paper is no ink (train seeds 100/101: 4 blank pages,
  // skewed scans and phone photos, were 'other' from that edge alone).
  // Ink is counted over the sheet's area (a phone photo's sheet fills half the image).
  const cv::Mat sheet = sheet_mask(gray, dpi);
  solid &= sheet;
  const int sheet_area = cv::countNonZero(sheet);
  // Its width, upright, from its area (Letter's 8.5 by 11 in; A4 is 3 % narrower):
  // the table's rules are measured against it, not against a phone photo's
  // whole width (eval seed 1004 env0154: a sheet over half the photo's width,
  // its table's rules all shorter than the share of the photo asked).
  constexpr double kPageAspect = 8.5 / 11;
  const double sheet_width = std::sqrt(sheet_area * kPageAspect);
  double ink_share = static_cast<double>(cv::countNonZero(solid)) / std::max(1, sheet_area);

  // 3. Deskew (modulo a quarter turn), on a canvas large enough to keep the corners.
  const SkewEstimate skew = estimate_skew(ink, s.deskew);
  const double angle = skew.confidence >= s.deskew.good_confidence ? skew.angle_deg : 0.0;
  spdlog::debug("deskew: {:.2f}° (confidence {:.2f} {} {:.2f}){}", skew.angle_deg, skew.confidence,
                skew.confidence >= s.deskew.good_confidence ? "≥" : "<", s.deskew.good_confidence,
                angle == 0.0 && skew.angle_deg != 0.0 ? ", not applied" : "");
  g.skew_confidence = skew.confidence;

  // 4. Quarter turn, from the long rules (or the text lines), and 5. the
  // table's frame.
  SolidLook look = look_for_rules(ink, to_work, angle, dpi, sheet_width, s);
  // A skew the estimate was unsure of is still tried when no table lies on
  // the page as it is: rules 5 degrees off the rows are no long lines (train
  // seed 132 env0145_p2, a phone photo on a dark desk, was taken for a letter).
  // The frame found on the page so turned is the check.
  // So is it when the frame found holds fewer rules than a table's
  // (kWholeTableRules: its 9 rows and the header's top), a part of the table
  // whose rules run straight enough at that skew (train seed 301
  // env0180_p3, a dithered scan 2.6 degrees off: 6 rules of 11).
  constexpr double kRetrySkewDeg = 0.5;
  constexpr int kWholeTableRules = 10;
  if ((!look.frame.found || look.frame.rules < kWholeTableRules) && angle == 0.0 &&
      std::abs(skew.angle_deg) >= kRetrySkewDeg) {
    SolidLook turned = look_for_rules(ink, to_work, skew.angle_deg, dpi, sheet_width, s);
    const bool better =
        turned.frame.found && (!look.frame.found || turned.frame.rules > look.frame.rules);
    spdlog::debug("deskew: {:.2f}° tried after all: the table {}", skew.angle_deg,
                  better             ? "is found, the angle is kept"
                  : look.frame.found ? "is found no better, the angle is not kept"
                                     : "is not found either");
    if (better) look = std::move(turned);
  }
  ink = look.ink;
  to_work = look.to_work;
  LineMasks masks = std::move(look.masks);
  QuarterTurnEstimate qt = look.qt;
  TableFrame frame = look.frame;
  debug.write("table", "lines", masks.horizontal | masks.vertical);

  // 5. From the frame's column split, the half turn.
  RuleStyle rule_style = RuleStyle::Solid;
  // Ruled like a sheet (the table's rules seen), even if its frame is not found.
  bool ruled = frame.ruled;
  // A blank page (ink under the classifier's bound) has no faint table either.
  if (!frame.found && ink_share >= s.classify.blank_max_ink) {
    FaintLook faint = look_for_faint_rules(ink, to_work, qt, dpi, sheet_width, s);
    spdlog::debug("table: not found ({}); as faint rules{}: {} ({} rules{})", frame.reason,
                  faint.qt.turn == qt.turn ? ""
                  : qt.turn                ? ", the quarter turn undone"
                                           : ", turned a quarter",
                  faint.frame.found ? "found" : "not found", faint.frame.rules,
                  faint.frame.reason.empty() ? "" : ", " + faint.frame.reason);
    debug.write("table", "faint-lines", faint.masks.horizontal | faint.masks.vertical);
    // Neither look found rules making a frame: the table's outline alone
    // (a 1-bit scan of a faint print may keep its thicker outer rules only),
    // as faint rules, then as solid ones.
    if (!faint.frame.found) {
      faint.frame = find_outline_frame(faint.masks, dpi, s.table, sheet_width);
      if (faint.frame.found) {
        spdlog::debug("table: its outline alone, as faint rules");
      } else if (TableFrame outline = find_outline_frame(masks, dpi, s.table, sheet_width);
                 outline.found) {
        spdlog::debug("table: its outline alone, as solid rules");
        frame = outline;
      }
    }
    if (faint.frame.found) {
      frame = faint.frame;
      masks = std::move(faint.masks);
      rule_style = RuleStyle::Faint;
      ink = faint.ink;
      to_work = faint.to_work;
      qt = faint.qt;
    } else if (!ruled && !frame.found) {
      // Rules a 1-bit scan left as scattered dots show only in the ink per
      // row; per column too when the quarter turn is in doubt (the text
      // lines, which tell it without rules, are few or faint). Not otherwise:
      // a justified letter's aligned letters make even spikes across.
      ruled = ruled_by_profile(ink, dpi, s.table, sheet_width);
      if (!ruled && qt.confidence < s.orient.good_confidence) {
        cv::Mat across;
        cv::transpose(ink, across);
        ruled = ruled_by_profile(across, dpi, s.table);
      }
      spdlog::debug("table: {}", ruled ? "rows of scattered dots evenly spaced: a sheet's rules"
                                       : "no rules in the ink's profile either");
    }
    // No rule of the table left at all: its header's words and the code
    // lines under them place it, the page upright or upside down as its
    // printed text stands (rows of writing taken the wrong way up can pass
    // for a header over lines of codes). kTextUnsure: a vote this close to 0
    // does not say.
    constexpr double kTextUnsure = 0.05;
    cv::Mat writing_alone;
    if (!frame.found) {
      writing_alone = writing_ink(ink, dpi);
      debug.write("table", "writing-ink", writing_alone);
    }
    for (const bool upside_down : {false, true}) {
      if (frame.found) break;
      TableFrame writing = find_writing_frame(writing_alone, dpi, upside_down);
      if (writing.found) {
        // The printed text around the table: the letter's end, the copy list.
        const auto [lo, hi] = std::minmax({writing.corners[0].y, writing.corners[3].y});
        const TextUpEstimate up =
            estimate_text_up(ink, dpi, static_cast<int>(lo), static_cast<int>(std::ceil(hi)));
        if ((upside_down ? up.vote : -up.vote) > kTextUnsure) {
          spdlog::debug(
              "table: from the writing alone, {}: found, but the printed text stands "
              "the other way up ({:+.2f})",
              upside_down ? "upside down" : "upright", up.vote);
          continue;
        }
        frame = writing;
      }
      spdlog::debug("table: from the writing alone, {}: {}",
                    upside_down ? "upside down" : "upright",
                    writing.found ? "the header's words over lines of codes on rows"
                                  : "not found (" + writing.reason + ")");
    }
  }
  int rotation = qt.turn ? 90 : 0;
  g.rotation_confidence = qt.confidence;
  std::array<cv::Point2f, 4> corners = frame.corners;
  if (frame.found) {
    const double top = std::min(corners[0].y, corners[1].y);
    const double bottom = std::max(corners[2].y, corners[3].y);
    const double above = cv::countNonZero(solid.rowRange(
        0, std::clamp(static_cast<int>(top * solid.rows / ink.rows), 0, solid.rows)));
    const double below = cv::countNonZero(solid.rowRange(
        std::clamp(static_cast<int>(bottom * solid.rows / ink.rows), 0, solid.rows), solid.rows));
    // The printed text's up costs a pass over the page: measured only when
    // the table's own cues leave a doubt, and on pages seen at kTextUpDpi or
    // more (below, the x-height band is 4 pixels or less and the cue is noise:
    // a 55-DPI sheet of train seed 101 voted upside down).
    constexpr double kTextUpDpi = 90;
    TextUpEstimate text_up;
    HalfTurnEstimate ht =
        estimate_half_turn(frame.split_fraction, frame.top_gap_rows, frame.bottom_gap_rows,
                           qt.turn ? 0 : above, qt.turn ? 0 : below, text_up);
    if (ht.confidence < 1 && dpi >= kTextUpDpi) {
      text_up =
          estimate_text_up(ink, dpi, static_cast<int>(top), static_cast<int>(std::ceil(bottom)));
      ht = estimate_half_turn(frame.split_fraction, frame.top_gap_rows, frame.bottom_gap_rows,
                              qt.turn ? 0 : above, qt.turn ? 0 : below, text_up);
      spdlog::debug("orientation: printed text {} ({:+.2f} over {} line pieces)",
                    text_up.vote >= 0 ? "upright" : "upside down", text_up.vote, text_up.lines);
    }
    spdlog::debug(
        "orientation: column split at {:.0f} % across, end gaps {:.2f} and {:.2f} rows: {} "
        "(confidence {:.2f} {} {:.2f})",
        frame.split_fraction * 100, frame.top_gap_rows, frame.bottom_gap_rows,
        ht.turn ? "upside down, turned" : "upright", ht.confidence,
        ht.confidence >= s.orient.good_confidence ? "≥" : "<", s.orient.good_confidence);
    if (ht.turn) {
      rotation += 180;
      corners = {corners[2], corners[3], corners[0], corners[1]};
    }
    // A frame of long parallel rules with a column split is only found when
    // the rules run horizontally: it confirms the quarter turn, so the half
    // turn alone carries the doubt.
    g.rotation_confidence = ht.confidence;
  }
  g.rotation_deg = rotation % 360;
  // The gray page turned as the work ink was, now that its table's cells are cut from it.
  if (frame.found) gray = turned_gray(gray, look.angle_deg, qt.turn);

  if (debug.enabled() && frame.found) {
    cv::Mat canvas = draw_debug(gray);
    for (int i = 0; i < 4; ++i)
      cv::line(canvas, corners[i], corners[(i + 1) % 4], cv::Scalar(0, 0, 255), 2);
    debug.write("table", "frame", canvas);
  }

  // 6. Rectify the table and find its 9 rows.
  RowLayout layout;
  cv::Mat canon_gray, canon_ink, cell_ink;
  cv::Matx33d c2o = cv::Matx33d::eye();
  const cv::Matx33d to_original = to_work.inv();
  if (frame.found) {
    std::array<cv::Point2f, 4> orig;
    for (int i = 0; i < 4; ++i) orig[i] = apply(to_original, corners[i]);
    LineMasks cm;
    // The frame's rectified image, its ink, its lines and its rows.
    auto rectify_rows = [&] {
      const double width = (cv::norm(orig[1] - orig[0]) + cv::norm(orig[2] - orig[3])) / 2;
      const double height = (cv::norm(orig[3] - orig[0]) + cv::norm(orig[2] - orig[1])) / 2;
      const cv::Size canon(s.rectify.canonical_width,
                           std::max(50, static_cast<int>(s.rectify.canonical_width * height /
                                                         std::max(1.0, width))));
      c2o = canonical_to_image(orig, canon);
      canon_gray = warp_to_canonical(gray, to_work * c2o, canon);
      const double canon_dpi = dpi * canon.width / std::max(1.0, width * scale);
      canon_ink = binarize(canon_gray, canon_dpi, s);
      cm = find_line_masks(canon_ink, canon_dpi, s.table, rule_style);
      debug.write("rows", "table-ink", canon_ink);
      debug.write("rows", "table-lines", cm.horizontal | cm.vertical);
      spdlog::debug("rows: the straightened table is {}x{} px, {:.0f} DPI", canon.width,
                    canon.height, canon_dpi);
      const double split = frame.split_fraction;
      layout = find_rows(
          canon_ink, cm,
          frame.split_seen ? std::optional(rotation >= 180 ? 1.0 - split : split) : std::nullopt,
          s.rows);
    };
    rectify_rows();
    // The header's height in rows, as the frame's rules show it at the
    // straightened table's top: a header (0.35-0.85 of a row, not a whole
    // one) says the frame's top is the table's.
    const double top_gap = rotation >= 180 ? frame.bottom_gap_rows : frame.top_gap_rows;
    constexpr double kHeaderMinRows = 0.35, kHeaderMaxRows = 0.85;
    const bool header_on_top = top_gap >= kHeaderMinRows && top_gap <= kHeaderMaxRows;
    if (!layout.found && layout.missing_above > 0 && header_on_top) {
      // Then the rows missing are at its bottom (its last rules faint or
      // broken: train seed 302 env0006, the frame ended two rows short, end
      // gaps 0.65 and 2.00 rows): extended down to the header and 9 rows.
      const double bottom = (top_gap + 9) * layout.row_height;
      spdlog::debug("rows: the frame lacks {:.0f} px of rows at its bottom; extended",
                    bottom - canon_gray.rows);
      orig[2] =
          apply(c2o, {static_cast<float>(s.rectify.canonical_width), static_cast<float>(bottom)});
      orig[3] = apply(c2o, {0, static_cast<float>(bottom)});
      rectify_rows();
    } else if (!layout.found && layout.missing_above > 0) {
      // The frame lost its top (rule and split faint or broken): extended up
      // by the rows missing and kHeaderRows for the header, then read again.
      constexpr double kHeaderRows = 1.0;
      const double top = -(layout.missing_above + kHeaderRows * layout.row_height);
      spdlog::debug("rows: the frame lacks {:.0f} px of rows at its top; extended", -top);
      const cv::Point2f tl = apply(c2o, {0, static_cast<float>(top)});
      const cv::Point2f tr =
          apply(c2o, {static_cast<float>(s.rectify.canonical_width), static_cast<float>(top)});
      orig[0] = tl;
      orig[1] = tr;
      rectify_rows();
    }
    if (!layout.found && (frame.outline_only || frame.from_writing)) {
      // No rules between the outline's ends: the rows under the header's words.
      layout = rows_under_header(canon_ink, cm, std::nullopt, s.rows);
      spdlog::debug("rows: the table's {}; rows under the header's words {}",
                    frame.outline_only ? "outline alone" : "writing alone",
                    layout.found ? "placed" : "not found");
      // A frame from the writing whose header's words run into row 1's
      // writing (train seed 301 env0144#1): its rows as the code lines placed them.
      if (!layout.found && frame.from_writing) {
        layout = rows_below_header(canon_ink, top_gap);
        spdlog::debug("rows: placed as the code lines' rows, the header {:.2f} rows tall", top_gap);
      }
      // An outline without a header's words under its top is no table seen.
      if (!layout.found) frame.found = false;
    }
    cv::Mat rules;
    cv::dilate(table_rules(cm, layout), rules, cv::getStructuringElement(cv::MORPH_RECT, {3, 3}));
    cell_ink = canon_ink & ~rules;
    // The skew: the table's top edge, seen on the upright page.
    cv::Point2f v = orig[1] - orig[0];
    for (int r = 0; r < g.rotation_deg; r += 90) v = cv::Point2f(-v.y, v.x);
    g.skew_deg = std::atan2(-v.y, v.x) * 180.0 / CV_PI;
  }
  if (layout.found) {
    spdlog::debug("rows: boundaries at {:.0f} of a {}-px-high table, split at {:.0f} of {}",
                  fmt::join(layout.boundaries, ", "), canon_gray.rows, layout.split_x,
                  canon_gray.cols);
  }
  g.table_found = frame.found && layout.found;
  g.table_confidence = g.table_found ? std::min(frame.confidence, layout.confidence) : 0;
  if (!g.table_found) {
    g.reason = "table_not_found";
  } else if (g.rotation_confidence < s.orient.good_confidence) {
    // Read, but which way up stays in doubt: the rows go to a person.
    g.reason = "uncertain_orientation";
    spdlog::debug("orientation: confidence {:.2f} < {:.2f}, the sheet goes to review",
                  g.rotation_confidence, s.orient.good_confidence);
  }
  spdlog::debug("table: {} ({} rules, {} of 10 row boundaries seen{})",
                g.table_found ? "found" : "not found", frame.rules, layout.matched,
                frame.reason.empty() ? "" : ", " + frame.reason);

  // 7. Kind.
  // Without a table, the ink decides between blank and other: a blob longer
  // than kMaxInkExtent of the page is no writing but the edge of the desk or
  // of the scanner's lid (a phone photo of a blank page, train seed 100).
  constexpr double kMaxInkExtent = 0.25;
  if (!frame.found && ink_share >= s.classify.blank_max_ink) {
    double writing = 0;
    for (const Component& c : find_components(solid).items) {
      if (c.width() < kMaxInkExtent * solid.cols && c.height() < kMaxInkExtent * solid.rows)
        writing += static_cast<double>(c.area);
    }
    ink_share = writing / std::max(1, sheet_area);
  }
  const KindEstimate kind =
      classify_page(ink_share, g.table_found, ruled, g.table_confidence, s.classify);
  g.kind = kind.kind;
  g.kind_confidence = kind.confidence;
  spdlog::debug("kind: {} (confidence {:.2f}, ink {:.2f} %)", to_string(g.kind), kind.confidence,
                ink_share * 100);
  if (g.kind == PageKind::Other || s.classify.thumbnail_every_page) {
    g.kind_thumbnail = kind_thumbnail(ink, masks.horizontal | masks.vertical);
    debug.write("classify", "kind-thumbnail", g.kind_thumbnail);
  }
  if (g.kind != PageKind::Signatures) g.reason.clear();
  if (!g.table_found) return g;
  g.canonical_to_original = c2o;

  // 8. Each row: boxes in original coordinates, signed or not, ink in the code cell.
  cv::Mat canvas = debug.enabled() ? draw_debug(canon_gray) : cv::Mat();
  const double cw = canon_gray.cols;
  std::vector<CellInk> signature_ink(kRowsPerSheet);
  std::vector<SignedEstimate> estimates(kRowsPerSheet);
  std::vector<cv::Rect> signature_rects(kRowsPerSheet), code_rects(kRowsPerSheet);
  for (int r = 0; r < kRowsPerSheet; ++r) {
    RowGeometry& row = g.rows[r];
    const double y0 = layout.boundaries[r], y1 = layout.boundaries[r + 1];
    const double hgt = y1 - y0, m = s.rectify.cell_margin * hgt;
    row.row = map_rect(c2o, {0, y0, cw, hgt});
    row.signature_cell = map_rect(c2o, {-m, y0 - m, layout.split_x + 2 * m, hgt + 2 * m});
    row.code_cell =
        map_rect(c2o, {layout.split_x - m, y0 - m, cw - layout.split_x + 2 * m, hgt + 2 * m});
    const cv::Rect sig_rect =
        cv::Rect(cv::Point(0, static_cast<int>(y0)),
                 cv::Point(static_cast<int>(layout.split_x), static_cast<int>(y1))) &
        cv::Rect(0, 0, cell_ink.cols, cell_ink.rows);
    const cv::Rect code_rect =
        cv::Rect(cv::Point(static_cast<int>(layout.split_x), static_cast<int>(y0)),
                 cv::Point(cell_ink.cols, static_cast<int>(y1))) &
        cv::Rect(0, 0, cell_ink.cols, cell_ink.rows);
    const CellInk sig = measure_cell(cell_ink(sig_rect), s.signature, canon_gray(sig_rect));
    const SignedEstimate est = decide_signed(sig, s.signature);
    signature_ink[r] = sig;
    estimates[r] = est;
    signature_rects[r] = sig_rect;
    row.signature_view = signature_view(canon_gray, cell_ink, sig_rect);
    code_rects[r] = code_rect;
    row.code_ink = measure_cell(cell_ink(code_rect), s.signature).ink;
    spdlog::debug(
        "row {}: {} (ink {:.2f} %, spread {:.0f} %, confidence {:.3f}, largest piece {:.2f} %, "
        "contrast {:.0f})",
        r + 1, est.is_signed ? "signed" : "not signed", sig.ink * 100, sig.spread * 100,
        est.confidence, sig.largest * 100, sig.contrast);
  }
  const std::vector<SignedEstimate> first_decisions = estimates;
  fainter_than_the_sheet(signature_ink, estimates, s.signature);
  for (int r = 0; r < kRowsPerSheet; ++r) {
    RowGeometry& row = g.rows[r];
    row.is_signed = estimates[r].is_signed;
    row.signed_confidence = estimates[r].confidence;
    if (first_decisions[r].is_signed && !row.is_signed) {
      spdlog::debug(
          "row {}: not signed after all: its ink (contrast {:.0f}) is far fainter than "
          "the sheet's other signatures, a stain or a fold (to review)",
          r + 1, signature_ink[r].contrast);
    }
    if (!canvas.empty()) {
      cv::rectangle(canvas, signature_rects[r],
                    row.is_signed ? cv::Scalar(0, 160, 0) : cv::Scalar(0, 0, 220), 2);
      cv::rectangle(canvas, code_rects[r], cv::Scalar(200, 120, 0), 1);
    }
  }
  debug.write("rows", "decisions", canvas);
  return g;
}

cv::Mat cut_cell(const cv::Mat& original, const Quad& quad, int out_height) {
  return cut_quad(original, quad, out_height);
}

}  // namespace petiscan
