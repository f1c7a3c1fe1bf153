#include "table/table.h"

#include <algorithm>
#include <bitset>
#include <cmath>
#include <opencv2/imgproc.hpp>
#include <optional>
#include <vector>

#include "core/components.h"
#include "core/errors.h"

namespace petiscan {

void TableSettings::validate() const {
  auto frac = [](double v, const char* name) {
    if (v <= 0 || v >= 1) throw UsageError(std::string("table.") + name + ": (0, 1)");
  };
  frac(horizontal_kernel, "horizontal_kernel");
  frac(vertical_kernel, "vertical_kernel");
  frac(gap_bridge, "gap_bridge");
  frac(min_rule_width, "min_rule_width");
  frac(min_rule_coverage, "min_rule_coverage");
  if (max_rule_thickness_in <= 0 || max_rule_thickness_in > 0.2) {
    throw UsageError("table.max_rule_thickness_in: (0, 0.2]");
  }
  frac(end_tolerance, "end_tolerance");
  if (min_rules < 3) throw UsageError("table.min_rules: at least 3");
}

namespace {

int odd(double v) { return std::max(3, static_cast<int>(v) | 1); }

// One horizontal rule: one or several collinear pieces (a broken rule).
struct Segment {
  std::vector<int> parts;  // connected components of its pieces
  int x0, x1;              // extent
  double y;                // centre line
  int covered;             // pixels of width actually inked
};

}  // namespace

namespace {

// Horizontal long lines of `ink`: thickened across by `across` pixels each
// side (a rule slanted by a phone's perspective still runs along a row),
// letters' short strokes removed, gaps bridged, short runs removed, and runs
// less than `min_cover` inked.
// The 1-D morphology of long lines, on the runs of ink along each row (linear
// time, where OpenCV's rectangle kernels cost their length per pixel): runs
// shorter than `stroke` are removed (letters' strokes), gaps shorter than
// `bridge` between the remaining runs are filled (a closing), then runs
// shorter than `keep` are removed (an opening), and runs of which less than
// `min_cover` is ink (a dotted rule's dashes must be near one another).
// Applied in that order, as an opening, a closing and an opening with line
// kernels would be.
// Each row of `ink` is first thickened across (the OR of the rows up to
// `across` away: the dilation by a vertical line of 2 * across + 1 pixels,
// rows past the image's edges left out, as cv::dilate does), a row at a time
// instead of a dilated copy of the page. The runs kept are painted 255 into
// `out` (zeroed, and painted by earlier calls: their union), along its rows,
// or down its columns when `out` is `ink`'s transpose (the vertical lines
// found on a transposed page, painted where they lie on the page itself,
// instead of a transposed mask turned back).
void long_lines(const cv::Mat& ink, int stroke, int bridge, int keep, int across, double min_cover,
                cv::Mat& out, bool transposed) {
  struct Run {
    int x0, x1, inked;  // [x0, x1), pixels of ink in it
  };
  std::vector<Run> runs;
  // The sizes in locals: a byte pointer may alias the cv::Mat's fields, which
  // would keep the OR below from being vectorised.
  const int w = ink.cols, h = ink.rows;
  std::vector<uchar> thick(static_cast<size_t>(w));
  uchar* row = thick.data();
  for (int y = 0; y < h; ++y) {
    const int first = std::max(0, y - across), last = std::min(h - 1, y + across);
    std::copy_n(ink.ptr<uchar>(first), w, row);
    for (int d = first + 1; d <= last; ++d) {
      const uchar* other = ink.ptr<uchar>(d);
      for (int x = 0; x < w; ++x) row[x] |= other[x];
    }
    runs.clear();
    for (int x = next_ink(row, 0, w); x < w;) {
      const int end = next_paper(row, x, w);
      if (end - x >= stroke) {
        if (!runs.empty() && x - runs.back().x1 < bridge) {
          runs.back().x1 = end;
          runs.back().inked += end - x;
        } else {
          runs.push_back({x, end, end - x});
        }
      }
      x = next_ink(row, end, w);
    }
    for (const auto& r : runs) {
      if (r.x1 - r.x0 < keep || r.inked < min_cover * (r.x1 - r.x0)) continue;
      if (transposed) {
        for (int x = r.x0; x < r.x1; ++x) out.at<uchar>(x, y) = 255;
      } else {
        std::fill(out.ptr<uchar>(y) + r.x0, out.ptr<uchar>(y) + r.x1, uchar(255));
      }
    }
  }
}

// Dashes of a dotted rule, lying along rows: pieces of ink at most
// kDashThicknessIn thick (across the rule), shorter than two letters'
// strokes along it (a 1-bit scan's dash of a faint rule may be 0.1 in long,
// train seed 301 env0174), with no other ink within kClearIn above or below.
// Text's flat pieces (dots, accents, the bars of letters a dark 1-bit scan
// broke) sit next to its letters.
cv::Mat flat_dashes(const cv::Mat& ink, double dpi, int stroke) {
  // A rule is 1-6 px thick at 300 DPI; binarising thickens it by a pixel or two.
  constexpr double kDashThicknessIn = 0.04;
  const int thickness = std::max(2, static_cast<int>(std::lround(kDashThicknessIn * dpi)));
  const Components parts = find_components(ink);
  const cv::Mat out = parts.paint([&](int i) {
    const Component& c = parts.items[static_cast<size_t>(i)];
    return c.height() <= thickness && c.width() >= 2 && c.width() < 2 * stroke ? 255 : 0;
  });
  constexpr double kClearIn = 0.02;
  const int clear = std::max(1, static_cast<int>(std::lround(kClearIn * dpi)));
  cv::Mat other;
  cv::dilate(ink & ~out, other, cv::getStructuringElement(cv::MORPH_RECT, {1, 2 * clear + 1}));
  return out & ~other;
}

// Horizontal long lines of `ink` as `style` asks (see long_lines()), painted
// into `out`: a zeroed mask of `ink`'s size, or of its transpose's when
// `transposed`.
void rules_along_rows(const cv::Mat& ink, double dpi, int stroke, int bridge, int keep,
                      RuleStyle style, cv::Mat& out, bool transposed) {
  // A thin rule slanted by 2.5 degrees (a photo's keystone, left after the
  // page is deskewed on its rules) runs 2 px off its row every 46 px: faint
  // rules are thickened by kFaintAcross each side to keep it one run.
  constexpr int kFaintAcross = 2;
  long_lines(ink, stroke, bridge, keep, style == RuleStyle::Faint ? kFaintAcross : 1, 0, out,
             transposed);
  if (style == RuleStyle::Faint) {
    // A dotted rule's gaps are about as long as its dashes; where two dotted
    // rules cross, their dashes make a blob (not flat) and the gap is longer;
    // what a 1-bit scan leaves of a faint rule may be dashes of 0.1 in every
    // 0.35 in (train seed 301 env0174): kDashGapIn.
    constexpr double kDashGapIn = 0.3;
    // Dashes cover a quarter to a half of a dotted rule's length; the dots of
    // a dithered or noisy scan, joined across such gaps, less.
    constexpr double kMinDashCover = 0.25;
    long_lines(flat_dashes(ink, dpi, stroke), 1, odd(kDashGapIn * dpi), keep, kFaintAcross,
               kMinDashCover, out, transposed);
  }
}

}  // namespace

LineMasks find_line_masks(const cv::Mat& ink, double dpi, const TableSettings& s, RuleStyle style) {
  LineMasks m;
  const int w = ink.cols, h = ink.rows;
  // kStroke: runs shorter than 0.1 in are letters' strokes, not pieces of a
  // rule (a dash of a dashed rule is longer); removed before gaps are bridged
  // so that the bridging joins a rule's pieces but not a line of text.
  constexpr double kStrokeIn = 0.1;
  const int stroke = std::max(5, static_cast<int>(kStrokeIn * dpi));
  m.horizontal = cv::Mat::zeros(ink.size(), CV_8U);
  rules_along_rows(ink, dpi, stroke, odd(w * s.gap_bridge), odd(w * s.horizontal_kernel), style,
                   m.horizontal, false);
  // The vertical lines, along the rows of the transposed page (where runs are
  // found a word at a time), painted back down the columns of the page's mask.
  cv::Mat turned;
  cv::transpose(ink, turned);
  m.vertical = cv::Mat::zeros(ink.size(), CV_8U);
  rules_along_rows(turned, dpi, stroke, odd(h * s.gap_bridge), odd(h * s.vertical_kernel), style,
                   m.vertical, true);
  return m;
}

namespace {

// Rows are printed at least this far apart: 11 mm at 90 % is 0.39 in; lines
// of 12-point text are about 0.2 in apart.
constexpr double kMinRowPitchIn = 0.3;
// The header row is 0.35 to 1.15 data rows tall (a data row's height and
// perspective's 15 %). A table has at most kMaxRules: a header rule and the
// 10 rules of its 9 rows.
constexpr double kHeaderMin = 0.35, kHeaderMax = 1.15;
constexpr size_t kMaxRules = 11;

// The column split is printed 50-75 % across the table (25-50 % upside down).
constexpr double kPrintedSplitMin = 0.25, kPrintedSplitMax = 0.75;
// Angles between a side of the frame and the normal of its top rule: past
// kMaxSideLeanDeg the side is not where the table's edge is (perspective
// leans it by 4 degrees at most), past kNotASideDeg it is not a table's side.
constexpr double kMaxSideLeanDeg = 5, kNotASideDeg = 15;

// The even spacings that rules at heights `ys` (sorted) fall on: for each
// pair of rules at least `min_pitch` apart, the steps of that spacing from
// the upper one (within kOnPitch of a step, over at most the 11 rules of a
// table, some of them lost) that hold a rule, and the rules off it between
// the first and the last step held (strays).
struct EvenSpacing {
  static constexpr int kMaxSteps = 10;
  double y0 = 0, pitch = 0;
  std::bitset<kMaxSteps + 1> on;  // each step once (a rule may come in two pieces)
  long strays = 0;
  static constexpr double kOnPitch = 0.06;
  bool holds(double y) const {
    const double steps = (y - y0) / pitch;
    return steps >= -0.5 && steps <= kMaxSteps + 0.5 &&
           std::abs(steps - std::round(steps)) <= kOnPitch;
  }
};

std::vector<EvenSpacing> even_spacings(const std::vector<double>& ys, double min_pitch) {
  std::vector<EvenSpacing> found;
  for (size_t a = 0; a < ys.size(); ++a) {
    for (size_t b = a + 1; b < ys.size(); ++b) {
      EvenSpacing sp;
      sp.y0 = ys[a];
      sp.pitch = ys[b] - ys[a];
      if (sp.pitch < min_pitch) continue;
      std::vector<double> off;
      for (const double y : ys) {
        const double steps = (y - sp.y0) / sp.pitch;
        if (steps < -0.5 || steps > EvenSpacing::kMaxSteps + 0.5) continue;
        if (sp.holds(y))
          sp.on.set(static_cast<size_t>(std::lround(steps)));
        else
          off.push_back(steps);
      }
      int first = 0, last = EvenSpacing::kMaxSteps;
      while (!sp.on[first]) ++first;
      while (!sp.on[last]) --last;
      sp.strays =
          std::count_if(off.begin(), off.end(), [&](double st) { return st > first && st < last; });
      found.push_back(sp);
    }
  }
  return found;
}

// Whether at least `min_rules` of the rules at heights `ys` (sorted) fall on
// one even spacing, with few others between them (at most one for
// kRulesPerStray on it). A table's rules do. A justified letter's lines share
// their ends too and may pass for rules on a blurred scan, but they are a
// text line apart or, when some are lost, as many off any spacing as on it
// (train seed 112: 5 on, 9 off).
constexpr long kRulesPerStray = 3;
bool evenly_ruled(const std::vector<double>& ys, double min_pitch, int min_rules) {
  const auto spacings = even_spacings(ys, min_pitch);
  return std::any_of(spacings.begin(), spacings.end(), [&](const EvenSpacing& sp) {
    const auto on = static_cast<long>(sp.on.count());
    return on >= min_rules && sp.strays * kRulesPerStray <= on;
  });
}

}  // namespace

bool ruled_by_profile(const cv::Mat& ink, double dpi, const TableSettings& s, double sheet_width) {
  // Ink per pixel row, two rows at a time (a rule resampled or turned may
  // straddle two).
  cv::Mat per_row;
  cv::reduce(ink, per_row, 1, cv::REDUCE_SUM, CV_32S);
  const int h = ink.rows, w = ink.cols;
  std::vector<double> row(static_cast<size_t>(h));
  for (int y = 0; y < h; ++y) {
    row[static_cast<size_t>(y)] =
        (per_row.at<int>(y) + (y + 1 < h ? per_row.at<int>(y + 1) : 0)) / 255.0;
  }
  // The rows just past a rule's thickness, kNearIn to twice that away on
  // either side, are compared with it: a rule (0.02 in at most) is clear of
  // them, a line of text (its x-height band 0.08 in tall) is not, and its
  // edge rows have the band on one side. kMinExcess: the rule's own ink over
  // the fuller side, as a share of the page's width.
  constexpr double kNearIn = 0.02, kMinExcess = 0.05;
  const int near = std::max(2, static_cast<int>(std::lround(kNearIn * dpi)));
  const int far = 2 * near;
  auto side = [&](int y, int step) {
    double sum = 0;
    for (int d = near; d <= far; ++d) sum += row[static_cast<size_t>(y + step * d)];
    return sum / (far - near + 1);
  };
  // Each run of rows in excess (closer than `near`) is one rule, at its peak.
  // More than kMaxSpikes such rows is a page of text or noise, not a table's
  // 11 rules (and the search below grows as their fourth power).
  constexpr size_t kMaxSpikes = 60;
  std::vector<Segment> rules;
  double peak = 0;
  int last = -h;
  for (int y = far; y + far < h; ++y) {
    const double excess = row[static_cast<size_t>(y)] - std::max(side(y, -1), side(y, +1));
    if (excess < kMinExcess * w) continue;
    if (y - last >= near) {
      rules.push_back({{}, 0, 0, static_cast<double>(y), 0});
      peak = 0;
    }
    if (excess > peak) peak = excess, rules.back().y = y;
    last = y;
  }
  if (rules.size() > kMaxSpikes) return false;
  // Each rule's ends: where its two rows' ink starts and stops, kEndShare of
  // it trimmed at each end (a signature overflowing the table, a speck).
  constexpr double kEndShare = 0.03;
  for (Segment& r : rules) {
    std::vector<int> xs;
    for (int y = static_cast<int>(r.y); y <= std::min(h - 1, static_cast<int>(r.y) + 1); ++y) {
      const uchar* p = ink.ptr<uchar>(y);
      for (int x = 0; x < w; ++x) {
        if (p[x]) xs.push_back(x);
      }
    }
    if (xs.empty()) continue;  // not reached: a spike's rows have ink
    r.x0 = xs[static_cast<size_t>(kEndShare * (xs.size() - 1))];
    r.x1 = xs[static_cast<size_t>((1 - kEndShare) * (xs.size() - 1))];
  }
  // The table's rules share their ends (lines of handwriting, spaced like
  // rows, do not): each family of rules sharing them is tried.
  const double tol = s.end_tolerance * w;
  for (const Segment& ref : rules) {
    if (ref.x1 - ref.x0 <
        s.min_rule_width * (sheet_width > 0 ? std::min<double>(sheet_width, w) : w))
      continue;
    std::vector<double> ys;
    for (const Segment& r : rules) {
      if (std::abs(r.x0 - ref.x0) <= tol && std::abs(r.x1 - ref.x1) <= tol) ys.push_back(r.y);
    }
    if (evenly_ruled(ys, kMinRowPitchIn * dpi, s.min_rules)) return true;
  }
  return false;
}

namespace {

// Degrees between the side from `top_left` to `bottom` and the normal of the
// top rule from `top_left` to `top_right`.
double side_lean_deg(cv::Point2f top_left, cv::Point2f top_right, cv::Point2f bottom) {
  const cv::Point2f along = top_right - top_left, down = bottom - top_left;
  const double cross = along.x * down.y - along.y * down.x;
  const double dot = along.x * down.x + along.y * down.y;
  return std::abs(std::atan2(dot, cross)) * 180.0 / CV_PI;
}

cv::Point2f unit(cv::Point2f v) { return v * (1.0f / std::max(1e-6f, std::hypot(v.x, v.y))); }

// Where the line through `p` along `dp` crosses the line through `q` along `dq`
// (not parallel: one runs along a rule, the other down a side).
cv::Point2f crossing(cv::Point2f p, cv::Point2f dp, cv::Point2f q, cv::Point2f dq) {
  const float t = ((q - p).x * dq.y - (q - p).y * dq.x) / (dp.x * dq.y - dp.y * dq.x);
  return p + dp * t;
}

// The corners of the frame drawn by the table's rules `best` (sorted top to
// bottom): TL, TR, BR, BL. Sets `reason` and returns nothing when its sides
// cannot be a table's.
std::optional<std::array<cv::Point2f, 4>> outer_corners(const std::vector<Segment>& best,
                                                        const Components& parts, int w,
                                                        std::string& reason) {
  // Each of the outer rules as a fitted line, evaluated at the table's ends.
  // A broken rule's end piece, shorter than the long-line filter keeps, is
  // lost, so an outer rule may end short (train seed 100 env0014 lost a third
  // of a row's width that way): the table's side is fitted through the ends
  // of all its rules (a straight line: perspective keeps it straight), the
  // ends cut short dropped, and an outer rule reaching less far is extended.
  auto side_at = [&](bool left, double y) {
    std::vector<cv::Point2d> pts;
    for (const auto& sg : best) pts.emplace_back(sg.y, left ? sg.x0 : sg.x1 + 1.0);
    // kShortEndPx: an end this far inside the fitted side is cut short.
    const double short_end = std::max(2.0, 0.005 * w);
    double a = 0, b = 0;
    for (int iter = 0; iter < 4; ++iter) {
      double sy = 0, sx = 0, syy = 0, sxy = 0;
      for (const auto& p : pts) sy += p.x, sx += p.y, syy += p.x * p.x, sxy += p.x * p.y;
      const double m = static_cast<double>(pts.size());
      b = (m * sxy - sy * sx) / std::max(1e-9, m * syy - sy * sy);
      a = (sx - b * sy) / m;
      // Drop the end farthest inside, if it is cut short and 4 ends remain.
      size_t worst = 0;
      double worst_in = 0;
      for (size_t i = 0; i < pts.size(); ++i) {
        const double in = (left ? 1 : -1) * (pts[i].y - (a + b * pts[i].x));
        if (in > worst_in) worst_in = in, worst = i;
      }
      if (worst_in <= short_end || pts.size() <= 4) break;
      pts.erase(pts.begin() + static_cast<long>(worst));
    }
    return a + b * y;
  };
  auto ends = [&](const Segment& sg) {
    std::vector<cv::Point> pts;
    for (int part : sg.parts) {
      // Every other pixel across, counted from the piece's left edge.
      const Component& c = parts.items[static_cast<size_t>(part)];
      for (int i = c.first_run; i >= 0; i = parts.runs[static_cast<size_t>(i)].next) {
        const InkRun& r = parts.runs[static_cast<size_t>(i)];
        for (int x = r.x0 + ((r.x0 - c.left) & 1); x < r.x1; x += 2) pts.emplace_back(x, r.y);
      }
    }
    cv::Vec4f line;
    cv::fitLine(pts, line, cv::DIST_L2, 0, 0.01, 0.01);
    auto y_at = [&](double x) { return line[3] + (x - line[2]) * line[1] / line[0]; };
    const float x_left = static_cast<float>(std::min<double>(sg.x0, side_at(true, sg.y)));
    const float x_right = static_cast<float>(std::max<double>(sg.x1 + 1, side_at(false, sg.y)));
    return std::pair{cv::Point2f(x_left, static_cast<float>(y_at(x_left))),
                     cv::Point2f(x_right, static_cast<float>(y_at(x_right)))};
  };
  auto [tl, tr] = ends(best.front());
  auto [bl, br] = ends(best.back());
  // The sides stand square on the rules: a phone's keystone (8 %) leans them
  // by 4 degrees at most. A side leaning past kNotASideDeg was fitted through
  // the ends of text lines, not rules (a letter's paragraphs under the faint
  // look, train seed 131 env0125 p1: 28 degrees): no table. One leaning past
  // kMaxSideLeanDeg was fitted through rules cut short (train seed 132
  // env0082 p2, 8.5 degrees, cutting off the codes' ends): it is redrawn
  // parallel to the other side, through the outermost end of the rules.
  const double lean_left = side_lean_deg(tl, tr, bl),
               lean_right = side_lean_deg(tl, tr, br - tr + tl);
  if (std::max(lean_left, lean_right) > kNotASideDeg) {
    reason = "leaning_sides";
    return std::nullopt;
  }
  if ((lean_left > kMaxSideLeanDeg) != (lean_right > kMaxSideLeanDeg)) {
    const bool left = lean_left > kMaxSideLeanDeg;
    const cv::Point2f down = left ? br - tr : bl - tl;
    const cv::Point2f across = unit(tr - tl);
    cv::Point2f outer = left ? tl : tr;
    for (const Segment& sg : best) {
      const cv::Point2f end(static_cast<float>(left ? sg.x0 : sg.x1 + 1), static_cast<float>(sg.y));
      if ((left ? -1 : 1) * (end - outer).dot(across) > 0) outer = end;
    }
    cv::Point2f& top = left ? tl : tr;
    cv::Point2f& bottom = left ? bl : br;
    const cv::Point2f top_other = left ? tr : tl, bottom_other = left ? br : bl;
    top = crossing(top_other, top - top_other, outer, down);
    bottom = crossing(bottom_other, bottom - bottom_other, outer, down);
  }
  return std::array<cv::Point2f, 4>{tl, tr, br, bl};
}

// No column split seen: a faint print's thin split lost while its longer
// rules survived (train seed 130 env0144_p3: 10 rules, no split). The rules
// alone make the frame when they say "table" loudly: at least kNoSplitRules
// of them on one even spacing with few strays (kNoSplitRulesWithHeader when
// the header's rule is seen too), and the header's rule 0.35 to 1.15 rows
// above the first, or below the last on an upside-down sheet, when it is off
// that spacing. The split is then
// looked for in the writing once the table is straightened (split_seen
// false; split_fraction 0.5 gives no vote on the half turn).
constexpr int kNoSplitRules = 9, kNoSplitRulesWithHeader = 7;
TableFrame frame_without_split(const std::vector<Segment>& family, const Components& parts, int w,
                               double dpi) {
  TableFrame frame;
  frame.reason = "no_column_split";
  frame.rules = static_cast<int>(family.size());
  std::vector<double> ys;
  for (const Segment& sg : family) ys.push_back(sg.y);
  const auto spacings = even_spacings(ys, kMinRowPitchIn * dpi);
  // The header's rule, 0.35-1.15 rows above the rules at `first`..`last`
  // (`pitch` apart), or else below them (an upside-down sheet); null if none.
  auto header_rule = [&](double first, double last, double pitch) -> const Segment* {
    const Segment* header = nullptr;
    for (const bool above : {true, false}) {
      for (const Segment& sg : family) {
        const double off = (above ? first - sg.y : sg.y - last) / pitch;
        if (off >= kHeaderMin && off <= kHeaderMax && (!header || sg.covered > header->covered))
          header = &sg;
      }
      if (header) break;
    }
    return header;
  };
  auto held_header = [&](const EvenSpacing& sp) {
    double first = 1e9, last = -1e9;
    for (const Segment& sg : family) {
      if (sp.holds(sg.y)) first = std::min(first, sg.y), last = std::max(last, sg.y);
    }
    return header_rule(first, last, sp.pitch);
  };
  const EvenSpacing* pick = nullptr;
  for (const EvenSpacing& sp : spacings) {
    const auto on = static_cast<long>(sp.on.count());
    if (sp.strays * kRulesPerStray > on) continue;
    // Fewer rules (a signature's heavy ink broke three of them, train seed
    // 300 env0132_p3) with the header's rule off their spacing.
    if (on < kNoSplitRules && (on < kNoSplitRulesWithHeader || !held_header(sp))) continue;
    if (!pick || sp.on.count() > pick->on.count()) pick = &sp;
  }
  if (!pick) return frame;
  // One rule a step (a rule may come in two pieces: the longer one).
  std::vector<Segment> rules;
  for (const Segment& sg : family) {
    if (!pick->holds(sg.y)) continue;
    if (!rules.empty() && std::lround((sg.y - rules.back().y) / pick->pitch) == 0) {
      if (sg.covered > rules.back().covered) rules.back() = sg;
    } else {
      rules.push_back(sg);
    }
  }
  if (const Segment* header = header_rule(rules.front().y, rules.back().y, pick->pitch);
      header && rules.size() < kMaxRules) {
    if (header->y < rules.front().y)
      rules.insert(rules.begin(), *header);
    else
      rules.push_back(*header);
  }
  std::string reason;
  const auto outer = outer_corners(rules, parts, w, reason);
  if (!outer) {
    frame.reason = reason;
    return frame;
  }
  frame.corners = *outer;
  frame.rules = static_cast<int>(rules.size());
  frame.ruled = true;
  frame.top_gap_rows = (rules[1].y - rules[0].y) / pick->pitch;
  frame.bottom_gap_rows = (rules[rules.size() - 1].y - rules[rules.size() - 2].y) / pick->pitch;
  frame.split_fraction = 0.5;
  frame.split_seen = false;
  frame.reason.clear();
  frame.found = true;
  frame.confidence = std::min(1.0, frame.rules / 10.0);
  return frame;
}

// The frame of one family of rules sharing their ends (`best`), with the
// column split; `parts` are the horizontal mask's components.
TableFrame frame_of_family(std::vector<Segment> best, const LineMasks& masks,
                           const Components& parts, double dpi, const TableSettings& s) {
  TableFrame frame;
  const cv::Mat& hm = masks.horizontal;
  const int w = hm.cols;
  frame.rules = static_cast<int>(best.size());
  if (frame.rules < s.min_rules) {
    frame.reason = "no_rules";
    return frame;
  }
  std::stable_sort(best.begin(), best.end(),
                   [](const Segment& a, const Segment& b) { return a.y < b.y; });
  std::vector<double> gaps;
  for (size_t i = 1; i < best.size(); ++i) gaps.push_back(best[i].y - best[i - 1].y);
  std::nth_element(gaps.begin(), gaps.begin() + gaps.size() / 2, gaps.end());
  const double row_gap = gaps[gaps.size() / 2];
  std::vector<double> ys;
  for (const Segment& sg : best) ys.push_back(sg.y);
  frame.ruled = evenly_ruled(ys, kMinRowPitchIn * dpi, s.min_rules);

  // The column split: the strongest vertical line well inside the family's ends.
  const int y0 = std::clamp(static_cast<int>(best.front().y) - 5, 0, hm.rows - 1);
  const int y1 = std::clamp(static_cast<int>(best.back().y) + 5, y0 + 1, hm.rows);
  cv::Mat cols;
  cv::reduce(masks.vertical.rowRange(y0, y1), cols, 0, cv::REDUCE_SUM, CV_64F);
  double left = 0, right = 0;
  for (const auto& sg : best) left += sg.x0, right += sg.x1;
  left /= best.size();
  right /= best.size();
  // kSplitSearch: the split is printed between 50 % and 75 % across the table
  // (25-50 % when the sheet is upside down); search 20-80 %.
  constexpr double kSplitSearchMin = 0.2, kSplitSearchMax = 0.8;
  double best_v = 0;
  int best_x = -1;
  for (int x = static_cast<int>(left + kSplitSearchMin * (right - left));
       x <= static_cast<int>(left + kSplitSearchMax * (right - left)) && x < cols.cols; ++x) {
    if (x >= 0 && cols.at<double>(x) > best_v) best_v = cols.at<double>(x), best_x = x;
  }
  // The split runs down the rows: at least half the rules' span, or half the
  // span of the rules along its run (checked below: the family may hold text
  // lines above and below the table that share its ends, eval seed 1002
  // env0059, a phone photo).
  constexpr double kMinSplitShare = 0.5;
  if (best_x < 0) return frame_without_split(best, parts, w, dpi);
  const bool split_spans_family = best_v / 255.0 >= kMinSplitShare * (y1 - y0);
  // Rules outside the split's run (a long text line above, a signature line
  // below) are not the table's.
  // The run is followed past the outermost rules found (by up to two rows),
  // to see a row whose outer rule is lost.
  const int scan0 = std::max(0, static_cast<int>(y0 - 2 * row_gap));
  const int scan1 = std::min(hm.rows, static_cast<int>(y1 + 2 * row_gap));
  int run_top = y1, run_bottom = y0;
  std::vector<bool> split_on(static_cast<size_t>(std::max(0, scan1 - scan0)), false);
  for (int y = scan0; y < scan1; ++y) {
    const uchar* row = masks.vertical.ptr<uchar>(y);
    bool on = false;
    for (int x = std::max(0, best_x - 2); x <= std::min(hm.cols - 1, best_x + 2); ++x)
      on |= row[x] != 0;
    split_on[static_cast<size_t>(y - scan0)] = on;
    if (on) run_top = std::min(run_top, y), run_bottom = std::max(run_bottom, y);
  }
  // Where the split's run ends going up (step -1) or down (+1) from y, across
  // gaps shorter than kSplitGapRows: a piece of the split's line further away
  // is something else at the same x (stacked letters of a blurred text block
  // above the table made the frame two rows too tall, train seed 111 env0093).
  constexpr double kSplitGapRows = 0.5;
  auto split_end = [&](double from, int step) {
    int last = static_cast<int>(std::lround(from));
    for (int y = last; y >= scan0 && y < scan1; y += step) {
      if (std::abs(y - last) > kSplitGapRows * row_gap) break;
      if (split_on[static_cast<size_t>(y - scan0)]) last = y;
    }
    return last;
  };
  const double slack = 0.4 * row_gap;
  std::vector<Segment> inside;
  size_t first = best.size(), last = 0;
  for (size_t i = 0; i < best.size(); ++i) {
    if (best[i].y >= run_top - slack && best[i].y <= run_bottom + slack) {
      first = std::min(first, i), last = std::max(last, i);
    }
  }
  // kSpacingTolerance: rows are printed evenly; 15 % covers perspective.
  constexpr double kSpacingTolerance = 0.15;
  auto gap_rows = [&](size_t i) { return (best[i + 1].y - best[i].y) / row_gap; };
  // A stroke in the split's run is no rule: off the row spacing from the
  // rules on both sides, and far less inked than the table's rules (train
  // seed 305 env0048.pdf#4, a phone photo: a signature's underline 0.6 row
  // under the eighth rule, half as inked, made the frame's bottom edge and
  // left the bottom rule out). A header's rule is as inked as the others: it
  // stays. Dropped, not only left out: the rule past it is then looked at, and
  // it no longer counts towards kMaxRules (train seed 117 env0036.pdf#1: a
  // stroke between two rules a row apart, another under the last one, and
  // the bottom rule a row under that).
  auto off_spacing = [&](double rows) {
    return std::abs(rows - std::round(rows)) > kSpacingTolerance || rows < 1 - kSpacingTolerance;
  };
  if (first < last) {
    int most = 0;  // the best-inked rule's inked width (a stroke dropped is never it)
    for (size_t k = first; k <= last; ++k) most = std::max(most, best[k].covered);
    constexpr double kRuleInk = 0.75;
    for (size_t i = first; i <= last && first < last;) {
      const bool off_before = i == first || off_spacing(gap_rows(i - 1));
      const bool off_after = i == last || off_spacing(gap_rows(i));
      if (off_before && off_after && best[i].covered < kRuleInk * most) {
        best.erase(best.begin() + static_cast<long>(i));
        --last;
      } else {
        ++i;
      }
    }
  }
  // The split itself may be broken (a faint print, a fold) short of the outer
  // rules: a rule just past its run is still the table's when it keeps the
  // row spacing (below: a data row; above: the header, 0.35-1.15 rows).
  while (first < best.size() && last + 1 < best.size() && last - first + 1 < kMaxRules &&
         std::abs(gap_rows(last) - 1) <= kSpacingTolerance) {
    ++last;
  }
  // At the top, one header rule at most, and only when the top gap seen is a
  // data row's (the header is not there yet).
  if (first > 0 && first < last && last - first + 1 < kMaxRules &&
      std::abs(gap_rows(first) - 1) <= kSpacingTolerance && gap_rows(first - 1) >= kHeaderMin &&
      gap_rows(first - 1) <= kHeaderMax) {
    --first;
  }
  // The frame's sides drawn from one rule to the next make both the table's,
  // however broken the split or the rules between (train seed 301 env0032, a
  // 1-bit scan of dashed rules: the split's run ended at the fifth row, the
  // solid bottom rule four rows below was left out).
  auto sides_join = [&](size_t a, size_t b) {
    const Segment &upper = best[a], &lower = best[b];
    const int ya = static_cast<int>(std::lround(upper.y)) + 2;
    const int yb = static_cast<int>(std::lround(lower.y)) - 2;
    if (yb <= ya) return false;
    // A dashed rule may end a dash short of the side: kSideSlack of the width.
    constexpr double kSideSlack = 0.015;
    const int slack = std::max(3, static_cast<int>(kSideSlack * w));
    int joined = 0;
    for (int y = ya; y <= yb; ++y) {
      const double t = (y - upper.y) / std::max(1.0, lower.y - upper.y);
      const uchar* row = masks.vertical.ptr<uchar>(y);
      auto inked = [&](double x) {
        const int c = static_cast<int>(std::lround(x));
        for (int xx = std::max(0, c - slack); xx <= std::min(w - 1, c + slack); ++xx)
          if (row[xx]) return true;
        return false;
      };
      joined += inked(upper.x0 + t * (lower.x0 - upper.x0)) &&
                inked(upper.x1 - 1 + t * (lower.x1 - upper.x1));
    }
    constexpr double kSideCover = 0.9;
    return joined >= kSideCover * (yb - ya + 1);
  };
  if (first < best.size()) {
    while (last + 1 < best.size() && last - first + 1 < kMaxRules && sides_join(last, last + 1))
      ++last;
    while (first > 0 && last - first + 1 < kMaxRules && sides_join(first - 1, first)) --first;
  }
  for (size_t i = first; i <= last && i < best.size(); ++i) inside.push_back(best[i]);
  if (inside.size() < static_cast<size_t>(s.min_rules)) {
    if (!split_spans_family) return frame_without_split(best, parts, w, dpi);
    frame.reason = "no_rules";
    return frame;
  }
  if (!split_spans_family) {
    const int a = std::clamp(static_cast<int>(inside.front().y), scan0, scan1 - 1);
    const int b = std::clamp(static_cast<int>(inside.back().y), a, scan1 - 1);
    const auto on =
        std::count(split_on.begin() + (a - scan0), split_on.begin() + (b - scan0) + 1, true);
    // Those rules must then be a table's, evenly spaced a row apart: a
    // letter's paragraphs with a few letters stacked at one x are not
    // (training seed 117 env0117, a noisy letter).
    std::vector<double> ys_inside;
    for (const Segment& sg : inside) ys_inside.push_back(sg.y);
    if (on < kMinSplitShare * (b - a + 1) ||
        !evenly_ruled(ys_inside, kMinRowPitchIn * dpi, s.min_rules))
      return frame_without_split(best, parts, w, dpi);
  }
  best = inside;
  frame.rules = static_cast<int>(best.size());

  std::string reason;
  const auto outer = outer_corners(best, parts, w, reason);
  if (!outer) {
    frame.reason = reason;
    return frame;
  }
  auto [tl, tr, br, bl] = *outer;
  // An outer rule lost (broken, faint, cut by a fold): the column split still
  // runs past the last rule found. Extend the frame along its sides to where
  // the split ends, when that is at least half a row further.
  const double gap = row_gap;
  const double top_y = (tl.y + tr.y) / 2, bottom_y = (bl.y + br.y) / 2;
  const cv::Point2f left_dir = (bl - tl) * (1.0f / std::max(1.0f, bl.y - tl.y));
  const cv::Point2f right_dir = (br - tr) * (1.0f / std::max(1.0f, br.y - tr.y));
  const int split_bottom = split_end(bottom_y, +1), split_top = split_end(top_y, -1);
  if (split_bottom - bottom_y > 0.5 * gap) {
    const float extra = static_cast<float>(std::round((split_bottom - bottom_y) / gap) * gap);
    bl += left_dir * extra;
    br += right_dir * extra;
  }
  if (top_y - split_top > 0.5 * gap) {
    const float extra = static_cast<float>(std::round((top_y - split_top) / gap) * gap);
    tl -= left_dir * extra;
    tr -= right_dir * extra;
  }
  frame.corners = {tl, tr, br, bl};
  frame.top_gap_rows = (best[1].y - best[0].y) / row_gap;
  frame.bottom_gap_rows = (best[best.size() - 1].y - best[best.size() - 2].y) / row_gap;
  frame.split_fraction = (best_x - left) / std::max(1.0, right - left);
  frame.found = true;
  frame.confidence = std::min(1.0, frame.rules / 10.0);
  return frame;
}

// The thickest a piece of a rule may be on the average, in pixels: rules
// are printed up to max_rule_thickness_in, and the line masks dilate them.
double max_rule_pixels(const TableSettings& s, double dpi) {
  return s.max_rule_thickness_in * dpi + 3;
}

// The long horizontal rules of the page: the horizontal mask's thin pieces
// (`parts`), collinear ones joined, at least min_rule_width of the sheet's
// width and min_rule_coverage inked.
std::vector<Segment> long_segments(const Components& parts, int w, double dpi,
                                   const TableSettings& s, double sheet_width) {
  // Thin pieces only (rules, not words), sorted by height on the page.
  const double max_thickness = max_rule_pixels(s, dpi);
  std::vector<Segment> pieces;
  for (size_t i = 0; i < parts.items.size(); ++i) {
    const Component& c = parts.items[i];
    if (static_cast<double>(c.area) / c.width() > max_thickness) continue;
    pieces.push_back({{static_cast<int>(i)}, c.left, c.right, c.centroid_y(), c.width()});
  }
  std::stable_sort(pieces.begin(), pieces.end(),
                   [](const Segment& a, const Segment& b) { return a.y < b.y; });
  // Collinear pieces (same height within a rule's slant over the gap) make one rule.
  const double same_line = std::max(3.0, 0.02 * dpi);
  std::vector<Segment> merged;
  for (const auto& p : pieces) {
    bool joined = false;
    for (auto& m : merged) {
      if (std::abs(m.y - p.y) <= same_line && (p.x0 > m.x1 || p.x1 < m.x0)) {
        m.y = (m.y * m.covered + p.y * p.covered) / (m.covered + p.covered);
        m.x0 = std::min(m.x0, p.x0);
        m.x1 = std::max(m.x1, p.x1);
        m.covered += p.covered;
        m.parts.push_back(p.parts.front());
        joined = true;
        break;
      }
    }
    if (!joined) merged.push_back(p);
  }
  const double min_width =
      s.min_rule_width * (sheet_width > 0 ? std::min<double>(sheet_width, w) : w);
  std::vector<Segment> segs;
  for (const auto& m : merged) {
    const int span = m.x1 - m.x0 + 1;
    if (span >= min_width && m.covered >= s.min_rule_coverage * span) segs.push_back(m);
  }
  return segs;
}

// The table's outline alone, when no family of rules makes its frame: two
// long sides of one height, joined by a rule at their bottom or their top
// (train seed 300 env0101#3 and 301 env0059_p2: 1-bit scans of a faint print
// whose thicker outer rules alone survived). The outline must be a table's
// size: 9 rows of kMinRowPitchIn and a header at least, at most kMaxOutlineShare
// of the sheet's height (the edges of a photographed sheet are not a
// table). A justified letter's margins may line up into sides, but the text
// lines between them are closer than rows are printed: no outline then.
TableFrame outline_frame(const LineMasks& masks, const std::vector<Segment>& segs, double dpi,
                         const TableSettings& s, double sheet_width) {
  TableFrame frame;
  frame.reason = "no_rules";
  const cv::Mat& vm = masks.vertical;
  const int w = vm.cols, h = vm.rows;
  const double sheet_w = sheet_width > 0 ? std::min<double>(sheet_width, w) : w;
  constexpr double kPageAspect = 11 / 8.5, kMaxOutlineShare = 0.75;
  const double sheet_h = sheet_width > 0 ? std::min<double>(kPageAspect * sheet_width, h) : h;
  const double min_span = (9 + kHeaderMin) * kMinRowPitchIn * dpi;
  const double max_span = kMaxOutlineShare * sheet_h;
  // The sides: thin vertical pieces, one side the pieces at one x.
  struct Side {
    double x = 0;  // centre across, weighted by length
    int top = 0, bottom = 0;
    double covered = 0;
  };
  const double max_thickness = max_rule_pixels(s, dpi);
  const double same_x = std::max(3.0, 0.03 * dpi);
  // A side's pieces are at most kSideGapIn apart (a broken print's gaps; a
  // line of the text under the table at the side's x is no part of it).
  constexpr double kSideGapIn = 0.5;
  std::vector<Component> pieces;
  for (const Component& c : find_components(vm).items) {
    if (static_cast<double>(c.area) / c.height() <= max_thickness) pieces.push_back(c);
  }
  std::stable_sort(pieces.begin(), pieces.end(),
                   [](const Component& a, const Component& b) { return a.top < b.top; });
  std::vector<Side> sides;
  for (const Component& c : pieces) {
    const double x = (c.left + c.right) / 2.0;
    auto at = std::find_if(sides.begin(), sides.end(), [&](const Side& sd) {
      return std::abs(sd.x - x) <= same_x && c.top - sd.bottom <= kSideGapIn * dpi;
    });
    if (at == sides.end()) {
      sides.push_back({x, c.top, c.bottom, static_cast<double>(c.height())});
    } else {
      at->x = (at->x * at->covered + x * c.height()) / (at->covered + c.height());
      at->top = std::min(at->top, c.top);
      at->bottom = std::max(at->bottom, c.bottom);
      at->covered += c.height();
    }
  }
  constexpr double kSideCover = 0.8;
  std::erase_if(sides, [&](const Side& sd) {
    const double span = sd.bottom - sd.top + 1;
    return span < min_span || span > max_span || sd.covered < kSideCover * span;
  });
  // A page of many long lines down is no table's outline (a noisy or
  // dithered scan's streaks: 102 of them on a bench page, whose pairs took 5 s).
  constexpr size_t kMaxSides = 20;
  if (sides.size() > kMaxSides) return frame;
  // Share of the width between the sides that a rule at `y` covers.
  const int band = std::max(3, static_cast<int>(0.05 * dpi));
  auto rule_cover = [&](int y, int x0, int x1) {
    cv::Mat cols;
    const int y0 = std::clamp(y - band, 0, h - 1), y1 = std::clamp(y + band + 1, y0 + 1, h);
    cv::reduce(masks.horizontal(cv::Range(y0, y1), cv::Range(x0, x1)), cols, 0, cv::REDUCE_MAX);
    return cv::countNonZero(cols) / std::max(1.0, static_cast<double>(x1 - x0));
  };
  constexpr double kClosingCover = 0.6;
  double best_area = 0;
  for (const Side& l : sides) {
    for (const Side& r : sides) {
      const double width = r.x - l.x;
      if (width < s.min_rule_width * sheet_w || width > 0.98 * sheet_w) continue;
      // One long line down between the sides at most: the column split (a
      // table turned a quarter has a line down at each of its rules).
      const auto between = std::count_if(sides.begin(), sides.end(), [&](const Side& sd) {
        return sd.x > l.x + same_x && sd.x < r.x - same_x;
      });
      if (between > 1) continue;
      // Both sides run most of the outline's height (checked again below on
      // its ends as found; its ends lie within `band` of the sides' ends).
      const double most = std::max(l.bottom, r.bottom) - std::min(l.top, r.top) - 2 * band;
      if (std::min(l.covered, r.covered) < kSideCover * most) continue;
      const int x0 = std::clamp(static_cast<int>(l.x), 0, w - 1);
      const int x1 = std::clamp(static_cast<int>(r.x) + 1, x0 + 1, w);
      // Each end at the rule that best joins the sides near their ends (one
      // side may be broken short of it, or run on into a line of text under
      // the table: train seed 300 env0101#3).
      auto closing_rule = [&](int a, int b) {
        std::pair<int, double> best{(a + b) / 2, 0.0};
        for (int y = std::max(0, a - band); y <= std::min(h - 1, b + band); y += 2) {
          const double cover = rule_cover(y, x0, x1);
          if (cover > best.second) best = {y, cover};
        }
        return best;
      };
      const auto [top, top_cover] = closing_rule(std::min(l.top, r.top), std::max(l.top, r.top));
      const auto [bottom, bottom_cover] =
          closing_rule(std::min(l.bottom, r.bottom), std::max(l.bottom, r.bottom));
      const bool top_rule = top_cover >= kClosingCover, bottom_rule = bottom_cover >= kClosingCover;
      if (!top_rule && !bottom_rule) continue;
      // Both sides run most of the outline's height.
      if (std::min(l.covered, r.covered) < kSideCover * (bottom - top + 1)) continue;
      // Long lines between the ends closer than rows are printed: text.
      std::vector<double> inside;
      for (const Segment& sg : segs) {
        const double overlap = std::min<double>(sg.x1, x1) - std::max<double>(sg.x0, x0);
        if (sg.y > top + band && sg.y < bottom - band && overlap > 0.5 * width)
          inside.push_back(sg.y);
      }
      std::sort(inside.begin(), inside.end());
      bool text = inside.size() >= kMaxRules;
      for (size_t i = 1; i < inside.size(); ++i)
        text |= inside[i] - inside[i - 1] < kMinRowPitchIn * dpi;
      if (text || width * (bottom - top) <= best_area) continue;
      best_area = width * (bottom - top);
      frame.corners = {cv::Point2f(static_cast<float>(l.x), static_cast<float>(top)),
                       cv::Point2f(static_cast<float>(r.x), static_cast<float>(top)),
                       cv::Point2f(static_cast<float>(r.x), static_cast<float>(bottom)),
                       cv::Point2f(static_cast<float>(l.x), static_cast<float>(bottom))};
      frame.rules = static_cast<int>(inside.size()) + top_rule + bottom_rule;
    }
  }
  if (best_area <= 0) return frame;
  // The split, the header's height and the rows are not seen: no vote on the
  // half turn from them, and rows read with less confidence than from rules.
  frame.found = true;
  frame.outline_only = true;
  frame.ruled = true;
  frame.reason.clear();
  frame.split_fraction = 0.5;
  frame.split_seen = false;
  frame.top_gap_rows = frame.bottom_gap_rows = 1;
  frame.confidence = kUnruledConfidence;
  return frame;
}

}  // namespace

TableFrame find_table_frame(const LineMasks& masks, double dpi, const TableSettings& s,
                            double sheet_width) {
  TableFrame frame;
  const int w = masks.horizontal.cols;
  const Components parts = find_components(masks.horizontal);
  const std::vector<Segment> segs = long_segments(parts, w, dpi, s, sheet_width);
  frame.long_rules = static_cast<int>(segs.size());
  if (segs.size() < static_cast<size_t>(s.min_rules)) {
    frame.reason = "no_rules";
    return frame;
  }
  // The table's rules share their two ends. The largest family of rules
  // sharing them is tried first, then the next ones (up to kMaxFamilies): a
  // justified letter's text lines above and below the table may share their
  // ends more often than a faint table's broken rules (eval seed 1004
  // env0297: 6 text lines, 5 whole rules).
  constexpr size_t kMaxFamilies = 4;
  const double tol = s.end_tolerance * w;
  std::vector<std::vector<Segment>> families;
  for (const auto& ref : segs) {
    std::vector<Segment> fam;
    for (const auto& sg : segs) {
      if (std::abs(sg.x0 - ref.x0) <= tol && std::abs(sg.x1 - ref.x1) <= tol) fam.push_back(sg);
    }
    const bool seen = std::any_of(families.begin(), families.end(), [&](const auto& f) {
      return f.size() == fam.size() &&
             std::equal(f.begin(), f.end(), fam.begin(),
                        [](const Segment& a, const Segment& b) { return a.y == b.y; });
    });
    if (!seen) families.push_back(std::move(fam));
  }
  std::stable_sort(families.begin(), families.end(),
                   [](const auto& a, const auto& b) { return a.size() > b.size(); });
  // What the largest family gives is the answer unless another one finds the
  // frame. A smaller family must look all the more like a table: its split
  // where it is printed (a letter's paragraphs made a third family with a
  // "split" at 21 %, eval seed 1001 env0102).
  TableFrame largest;
  for (size_t i = 0; i < std::min(kMaxFamilies, families.size()); ++i) {
    TableFrame f = frame_of_family(families[i], masks, parts, dpi, s);
    f.long_rules = frame.long_rules;
    if (f.found && (i == 0 || (f.split_seen && f.split_fraction >= kPrintedSplitMin &&
                               f.split_fraction <= kPrintedSplitMax)))
      return f;
    if (i == 0) largest = f;
  }
  return largest;
}

TableFrame find_outline_frame(const LineMasks& masks, double dpi, const TableSettings& s,
                              double sheet_width) {
  const Components parts = find_components(masks.horizontal);
  const std::vector<Segment> segs =
      long_segments(parts, masks.horizontal.cols, dpi, s, sheet_width);
  TableFrame frame = outline_frame(masks, segs, dpi, s, sheet_width);
  frame.long_rules = static_cast<int>(segs.size());
  return frame;
}

}  // namespace petiscan
