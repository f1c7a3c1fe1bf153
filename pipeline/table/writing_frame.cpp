// The table's frame from the writing alone: a 1-bit scan of a light print
// can lose every rule of the table (train seeds 301 env0088#2, 304c
// env0040#1) and keep its header's words, the signatures and the codes.
#include <algorithm>
#include <cmath>
#include <opencv2/imgproc.hpp>
#include <vector>

#include "core/components.h"
#include "table/table.h"

namespace petiscan {

namespace {

// A row of a sheet is 9.5 to 20 mm tall: room to sign and write a code by
// hand (a template printed at 90 % of 11 mm rows is 9.9 mm). Half or twice a
// row's pitch falls outside, so a row's pitch is never taken for another.
constexpr double kMinRowIn = 9.5 / 25.4, kMaxRowIn = 20.0 / 25.4;
// The header row (kPlacedHeaderMinRows to kPlacedHeaderMaxRows tall) holds
// its words in its middle.

struct Band {
  int top = 0, bottom = 0;  // pixel rows, inclusive
  double center = 0;        // ink-weighted
  long ink = 0;
};

// Runs of the rows [from, to) of `profile` (ink pixels a row) holding at least
// `inked` pixels, joined over gaps of up to `join` rows.
std::vector<Band> bands_of(const std::vector<int>& profile, int from, int to, int inked, int join) {
  std::vector<Band> bands;
  double weighted = 0;
  for (int y = std::max(0, from); y < std::min<int>(to, static_cast<int>(profile.size())); ++y) {
    if (profile[y] < inked) continue;
    if (bands.empty() || y - bands.back().bottom > join + 1) {
      if (!bands.empty()) bands.back().center = weighted / std::max(1L, bands.back().ink);
      bands.push_back({y, y, 0, 0});
      weighted = 0;
    }
    bands.back().bottom = y;
    bands.back().ink += profile[y];
    weighted += static_cast<double>(profile[y]) * y;
  }
  if (!bands.empty()) bands.back().center = weighted / std::max(1L, bands.back().ink);
  return bands;
}

struct Phrase {
  int left = 0, right = 0;  // pixel columns, inclusive
};

// The runs of inked columns of `band`'s rows, joined over gaps of up to `join`.
std::vector<Phrase> phrases_of(const cv::Mat& ink, const Band& band, int join) {
  cv::Mat cols;
  cv::reduce(ink.rowRange(band.top, band.bottom + 1), cols, 0, cv::REDUCE_MAX);
  std::vector<Phrase> phrases;
  for (int x = 0; x < cols.cols; ++x) {
    if (!cols.at<uchar>(x)) continue;
    if (phrases.empty() || x - phrases.back().right > join + 1) phrases.push_back({x, x});
    phrases.back().right = x;
  }
  return phrases;
}

// The first pixel row of `band` holding ink between `p`'s ends.
int ink_top(const cv::Mat& ink, const Band& band, const Phrase& p) {
  for (int y = band.top; y <= band.bottom; ++y) {
    if (cv::countNonZero(ink(cv::Range(y, y + 1), cv::Range(p.left, p.right + 1)))) return y;
  }
  return band.bottom;
}

// Whether the nearest line of `lines` above `line`, within `reach`, is a row
// of writing under titles `a` and `b`'s columns: ink right of their gap's
// middle half, none in it.
bool written_row_above(const cv::Mat& ink, const std::vector<Band>& lines, const Band& line,
                       const Phrase& a, const Phrase& b, double reach) {
  const Band* above = nullptr;
  for (const Band& l : lines) {
    if (l.bottom < line.top && line.top - l.bottom <= reach) above = &l;
  }
  if (!above) return false;
  const cv::Range rows(above->top, above->bottom + 1);
  const int gap = b.left - a.right;
  const cv::Range middle(a.right + gap / 4, b.left - gap / 4);
  return cv::countNonZero(ink(rows, cv::Range(b.left - gap / 4, ink.cols))) > 0 &&
         cv::countNonZero(ink(rows, middle)) == 0;
}

// The rows' pitch and first row's centre from the codes' lines under the header.
struct RowFit {
  bool found = false;
  double first = 0, pitch = 0;  // centre of row 1, row height (pixels)
};

// The code lines' centres lie on the rows' centres (a code is written in the
// middle of its row); no line lies between two rows. Of the pitches and
// header heights allowed, the one placing the most lines on distinct rows,
// with none off them, and of those the closest fit; found when that fit is
// close enough (kMaxRms of a row).
RowFit fit_rows(const std::vector<Band>& lines, double header_center, double min_pitch,
                double max_pitch) {
  // A line's centre within kOnRow of a row's (a code's height wanders by 5 %
  // of a row); at least kMinRows rows, spanning kMinSpan rows (a pitch rests
  // on two gaps at least), and at most kMaxOff lines off the rows.
  constexpr double kOnRow = 0.2;
  constexpr int kMinRows = 3, kMinSpan = 2, kMaxOff = 1;
  constexpr double kMaxRms = 0.12;
  RowFit best;
  double best_score = -1e9, best_err = 1e9;
  int best_rows = 0;
  for (double d = min_pitch; d <= max_pitch; d += 0.25) {
    const double c_lo = header_center + (kPlacedHeaderMinRows / 2 + 0.5) * d;
    const double c_hi = header_center + (kPlacedHeaderMaxRows / 2 + 0.5) * d;
    for (double c1 = c_lo; c1 <= c_hi; c1 += 0.5) {
      unsigned seen = 0;
      int off = 0;
      double err = 0;
      for (const Band& b : lines) {
        const double t = (b.center - c1) / d;
        if (t > 8.5) break;  // under the table: the copy list
        const double k = std::round(t);
        if (k < 0 || std::abs(t - k) > kOnRow) {
          ++off;
          continue;
        }
        seen |= 1u << static_cast<int>(k);
        err += (t - k) * (t - k);
      }
      const int rows = __builtin_popcount(seen);
      const double score = rows - 2.0 * off;
      if (off > kMaxOff || rows < kMinRows) continue;
      if (score > best_score || (score == best_score && err < best_err)) {
        const int first_row = __builtin_ctz(seen), last_row = 31 - __builtin_clz(seen);
        if (last_row - first_row < kMinSpan) continue;
        best_score = score, best_err = err, best_rows = rows;
        best = {true, c1, d};
      }
    }
  }
  best.found = best.found && std::sqrt(best_err / std::max(1, best_rows)) <= kMaxRms;
  return best;
}

// The frame under the header `header`, its words `left` and `right`: the
// rows from the code lines right of the header's gap.
TableFrame frame_under(const cv::Mat& ink, const Band& header, const Phrase& left,
                       const Phrase& right, double dpi) {
  TableFrame frame;
  const int w = ink.cols, h = ink.rows;
  // The codes' column: right of the header's gap (a code may start left of
  // its column's title), to the page's edge.
  constexpr double kCodesLeftOfTitle = 0.2;
  const int gap = right.left - left.right;
  const int x_codes = right.left - static_cast<int>(kCodesLeftOfTitle * gap);
  const double min_pitch = kMinRowIn * dpi, max_pitch = kMaxRowIn * dpi;
  const int y_end = std::min(
      h, static_cast<int>(header.center + (kPlacedHeaderMaxRows / 2 + 0.5 + 9) * max_pitch) + 1);
  std::vector<int> profile(h, 0);
  for (int y = header.bottom + 1; y < y_end; ++y)
    profile[y] = cv::countNonZero(ink(cv::Range(y, y + 1), cv::Range(x_codes, w)));
  // A pixel row of a code's line holds a stroke or two, more than the dots
  // of a rule down that a 1-bit scan left (kInkedShare of the column); its
  // line ends at a gap of kLineGapIn. A line holds a code's ink at least
  // (kMinLineInkIn2: a stray pen dot holds less) and is kMinLineIn tall (the
  // dots of a rule across are a pixel row or two).
  constexpr double kInkedShare = 0.01, kLineGapIn = 0.03, kMinLineInkIn2 = 0.008, kMinLineIn = 0.06;
  std::vector<Band> lines;
  for (const Band& b : bands_of(profile, header.bottom + 1, y_end,
                                std::max(2, static_cast<int>(kInkedShare * (w - x_codes))),
                                std::max(1, static_cast<int>(kLineGapIn * dpi)))) {
    if (b.ink >= kMinLineInkIn2 * dpi * dpi && b.bottom - b.top + 1 >= kMinLineIn * dpi)
      lines.push_back(b);
  }
  const RowFit fit = fit_rows(lines, header.center, min_pitch, max_pitch);
  frame.reason = "codes_not_on_rows";
  if (!fit.found) return frame;
  const double d = fit.pitch, row1_top = fit.first - d / 2;
  // The header's words in its middle: it is as far above them as row 1's top is below.
  const double header_h = std::clamp(2 * (row1_top - header.center), kPlacedHeaderMinRows * d,
                                     kPlacedHeaderMaxRows * d);
  const double top = std::min(row1_top - header_h, header.top - 0.1 * d);
  const double bottom = row1_top + 9 * d;
  // Sideways: the header's words and the writing between top and bottom.
  const int y0 = std::clamp(static_cast<int>(top), 0, h - 1);
  const int y1 = std::clamp(static_cast<int>(bottom), y0 + 1, h);
  cv::Mat cols;
  cv::reduce(ink.rowRange(y0, y1), cols, 0, cv::REDUCE_MAX);
  int x0 = left.left, x1 = right.right;
  for (int x = 0; x < w; ++x) {
    if (cols.at<uchar>(x)) x0 = std::min(x0, x), x1 = std::max(x1, x);
  }
  const float margin = static_cast<float>(0.05 * dpi);
  const float l = std::max(0.0f, x0 - margin), r = std::min(w - 1.0f, x1 + margin);
  const float t = static_cast<float>(top), b = static_cast<float>(bottom);
  frame.corners = {cv::Point2f(l, t), {r, t}, {r, b}, {l, b}};
  frame.found = true;
  frame.reason.clear();
  frame.from_writing = true;
  frame.split_seen = false;
  frame.split_fraction = 0.5;
  // The header as framed (above its words, at least 0.1 row).
  frame.top_gap_rows = (row1_top - top) / d;
  frame.bottom_gap_rows = 1;
  frame.confidence = kUnruledConfidence;
  return frame;
}

// On `ink` as it stands: the header is the first line of two phrases far
// apart (its column titles) under which the code lines fall on rows.
TableFrame writing_frame_upright(const cv::Mat& ink, double dpi) {
  const int h = ink.rows, w = ink.cols;
  std::vector<int> profile(h);
  for (int y = 0; y < h; ++y) profile[y] = cv::countNonZero(ink.row(y));
  // Text lines: a pixel row holding kInkedShare of the width, joined over
  // kLineGapIn. A header's words are kHeaderMin to kHeaderMax tall (9 to
  // 16-point capitals, or a signature's loop touching them). When row 1's
  // writing touches the titles (train seed 301 env0144#1), their line is
  // told apart by its denser ink (kDenseShare: bold capitals hold more of a
  // pixel row than a signature's strokes do).
  constexpr double kInkedShare = 0.003, kDenseShare = 0.02, kLineGapIn = 0.02;
  constexpr double kHeaderMinIn = 0.05, kHeaderMaxIn = 0.4;
  // Words of a title are joined over kWordGapIn; the titles are kTitleGapIn
  // apart at least, each kTitleMinIn to kTitleMaxIn wide.
  constexpr double kWordGapIn = 0.25, kTitleGapIn = 0.8, kTitleMinIn = 0.3, kTitleMaxIn = 3.0;
  constexpr double kSpeckIn = 0.1;
  const int join = std::max(1, static_cast<int>(kLineGapIn * dpi));
  const std::vector<Band> sparse =
      bands_of(profile, 0, h, std::max(2, static_cast<int>(kInkedShare * w)), join);
  std::vector<Band> lines = sparse;
  for (const Band& b :
       bands_of(profile, 0, h, std::max(2, static_cast<int>(kDenseShare * w)), join))
    lines.push_back(b);
  TableFrame frame;
  frame.reason = "no_titles";
  for (const Band& line : lines) {
    const double tall = (line.bottom - line.top + 1) / dpi;
    if (tall < kHeaderMinIn || tall > kHeaderMaxIn) continue;
    std::vector<Phrase> phrases = phrases_of(ink, line, static_cast<int>(kWordGapIn * dpi));
    // Not the dots of a rule down crossing the line, nor a speck.
    std::erase_if(phrases, [&](const Phrase& p) { return p.right - p.left + 1 < kSpeckIn * dpi; });
    if (phrases.size() != 2) continue;
    const Phrase &a = phrases[0], &b = phrases[1];
    auto wide = [&](const Phrase& p) { return (p.right - p.left + 1) / dpi; };
    if (wide(a) < kTitleMinIn || wide(a) > kTitleMaxIn || wide(b) < kTitleMinIn ||
        wide(b) > kTitleMaxIn || (b.left - a.right) / dpi < kTitleGapIn)
      continue;
    // The signatures' title left of the middle, the codes' right of it.
    if ((a.left + a.right) / 2.0 > 0.6 * w || (b.left + b.right) / 2.0 < 0.45 * w) continue;
    // Printed in one face, the titles' tops line up (kTopsIn); a signature's
    // and a code's seldom do.
    constexpr double kTopsIn = 0.05;
    if (std::abs(ink_top(ink, line, a) - ink_top(ink, line, b)) > kTopsIn * dpi) continue;
    // A row of writing has the titles' shape too: taken for the header when
    // the titles' line was missed, it has a row of writing above it, with
    // ink right of its gap and none in its middle (the letter's last line
    // above the titles runs across it, or ends left of it).
    if (written_row_above(ink, sparse, line, a, b, kMaxRowIn * dpi)) continue;
    frame = frame_under(ink, line, a, b, dpi);
    if (frame.found) return frame;
  }
  return frame;
}

}  // namespace

cv::Mat writing_ink(const cv::Mat& ink, double dpi) {
  // Without specks, the dots a 1-bit scan left of the rules (kSpeckIn2: a
  // dot 0.03 in wide; a pen's stroke or a printed letter holds more) and the
  // sheet's edge (a blob half the page wide or a quarter of it tall: a
  // signature is neither).
  constexpr double kSpeckIn2 = 0.001;
  const Components parts = find_components(ink);
  const double min_area = std::max(3.0, kSpeckIn2 * dpi * dpi);
  return parts.paint([&](int i) {
    const Component& c = parts.items[i];
    return c.area >= min_area && c.width() < ink.cols / 2 && c.height() < ink.rows / 4 ? 255 : 0;
  });
}

TableFrame find_writing_frame(const cv::Mat& writing, double dpi, bool upside_down) {
  if (!upside_down) return writing_frame_upright(writing, dpi);
  // Upside down: the header under the rows, its titles turned.
  cv::Mat turned;
  cv::rotate(writing, turned, cv::ROTATE_180);
  TableFrame frame = writing_frame_upright(turned, dpi);
  if (!frame.found) return frame;
  const cv::Point2f far(static_cast<float>(writing.cols - 1), static_cast<float>(writing.rows - 1));
  const std::array<cv::Point2f, 4> c = frame.corners;
  for (int i = 0; i < 4; ++i) frame.corners[i] = far - c[(i + 2) % 4];
  std::swap(frame.top_gap_rows, frame.bottom_gap_rows);
  return frame;
}

}  // namespace petiscan
