#include "dedup/rescan.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <opencv2/calib3d.hpp>
#include <opencv2/features2d.hpp>
#include <opencv2/imgproc.hpp>

#include "geometry/geometry.h"

namespace petiscan {

namespace {

// Bumped whenever the grid is computed differently: fingerprints of other
// versions are never compared.
constexpr const char* kVersion = "f4";
// Grid of each cell: columns x rows of ink density. A signature cell is about
// 10 times wider than tall, a code cell about 5 times: the grids keep roughly
// square blocks (~1/4 of the row's height), coarse enough that two scans at
// other resolutions, blur and noise give the same values, fine enough to keep
// the shape of a signature.
constexpr int kSigCols = 64, kSigRows = 6;
constexpr int kCodeCols = 32, kCodeRows = 6;
constexpr int kCellsPerRow = kSigCols * kSigRows + kCodeCols * kCodeRows;
constexpr int kGridChars = kRowsPerSheet * kCellsPerRow;
// Cells are cut this many pixels high before reduction to the grid: first at
// kCutOversample times that height (at most the scan's own), then averaged
// down. Sampled straight down to it, a 1-bit halftone's dots beat with the
// sampling into blots that look like writing on one scan only.
constexpr int kCutHeight = 48;
constexpr int kCutOversample = 2;
// Share of a cell's height/width left out on each side, so that the ruling
// lines (the same on every sheet) do not make two sheets look alike.
constexpr float kInsetY = 0.12f, kInsetX = 0.04f;
// A pixel column (row) of a cut cell whose mean ink exceeds this is a ruling
// line: handwriting never covers so much of a cell's full height (width).
constexpr float kRuleCover = 0.55f;
// Paper brightness around each pixel of a cut cell: the brightest pixel
// within this many pixels (strokes are 2-4 px at the cut height), smoothed
// over as much again. Local, so that the shadow a phone or a fold casts across
// a cell is not taken for ink (a photographed re-scan under uneven light read
// 3-4 times the ink of the scanned original, and was missed).
constexpr int kPaperWindow = kCutHeight / 3;
constexpr int kPaperGrain = 5;
// Pixel noise is smoothed over this many pixels before ink is measured.
constexpr int kNoiseBlur = 3;
// The scan's own floor of ink in a cell (a dithered 1-bit scan's halftone, a
// sensor's grain): its median grid block (handwriting covers less than half
// of a cell's blocks), plus this many times the blocks' median deviation from
// it (the grain's spread; none on a clean scan).
constexpr double kFloorSpread = 3;
// Darkness below paper that counts as ink: a share of the paper's brightness
// (ignores grain and JPEG noise).
constexpr double kInkFloor = 0.12;
// A cell "has ink" when its mean grid value (0..15) exceeds this: a single
// signature stroke across the cell gives about 1.5, a small signature 0.25;
// an empty cell, the scan's floor taken off, 0 to 0.2 (the edge of a rule or
// of the printed heading).
constexpr double kMinPartInk = 0.2;
// Ink on one side only counts against a match when it is clearly writing: a
// code or a normal signature gives 0.6-3; a rule's edge in an empty cell, up
// to 0.2 (a small signature, 0.25, is compared when on both sides only).
constexpr double kClearPartInk = 0.6;
// Shifts tried when comparing two grids (columns, rows), for cells that the
// geometry placed a few pixels apart on the two scans.
constexpr int kShiftX = 2, kShiftY = 1;
// Weights of the two cells in the likeness. Only the signatures count: the
// same household writes the same code on two sheets, and a hand writing the
// same code twice looks alike at this scale (a drawn look-alike sheet with
// identical codes scored 0.61-0.66 with the codes counted, 2:1). The codes
// still count in the one-sided check and are compared as text by find_rescan.
constexpr double kSigWeight = 1.0, kCodeWeight = 0.0;
// Same sheet when the signatures' correlation reaches this and at most this
// share of inked cells has ink on one side only. Measured with
// scripts/dedup_eval --seeds 110 111 112 113 114 115 --envelopes 150 (eval
// profile, train hands; 101 re-scans among 1,107 sheets): re-scans scored
// 0.951 and above, except those whose table the geometry did not find on one
// scan, and empty sheets (nothing to compare: see kEmptyRescanWindow); two
// different sheets scored at most 0.71 (a sheet of one signature against
// another: a single cell compared). The threshold sits between the two.
// find_rescan also requires the codes read to agree, unless the handwriting
// is unmistakable (kCertain* below).
constexpr double kSameSheetSimilarity = 0.82;
constexpr double kMaxOneSidedShare = 0.25;
// The handwriting alone decides, whatever codes were read, when this many
// cells (signatures and codes) were compared and their likeness reaches
// kCertainSimilarity: on the training seeds 110 and 111, different sheets
// with 6 cells or more compared scored at most 0.51 (10,846 pairs), re-scans
// 0.957 and above. Codes misread on both scans of a held-out hand (5 rows of
// 8 read differently on a 1-bit re-scan) then no longer hide the re-scan.
constexpr int kCertainParts = 6;
constexpr double kCertainSimilarity = 0.9;
// Codes read on both pages must agree, except for one in this many (rounded
// down): a sheet with 1-3 codes compared has none to spare, so two sheets of
// one signature each are told apart by their one code.
constexpr int kCodesPerAllowedDisagreement = 4;
// Two readings of one handwritten code differ by at most this many symbols
// (a misread or two: 3/8, 5/S...); more, and they are two different codes.
constexpr int kMaxMisreadSymbols = 2;
// The recognizer's runner-up readings of a code taken into account when two
// readings are compared: those at least this likely.
constexpr double kMinAlternativeP = 0.05;
// Rows whose signed decision may differ between two scans of one sheet (the
// candidate patterns searched: 1 + 9 + 36 index ranges).
constexpr int kMaxPatternFlips = 2;

// The printed table's proportions, as shares of the table's width: where the
// column split falls, and the row pitch. The geometry measures them in the
// straightened table, so a re-scan at another resolution, turned or
// photographed keeps them; the printing (margins, column split, row height,
// print scale) sets them. Stored as two 5-digit numbers (units of 1e-5).
constexpr int kLayoutDigits = 5;
constexpr double kLayoutUnit = 1e-5;
constexpr int kLayoutChars = 2 * kLayoutDigits;
// An empty sheet (nothing written in any cell) has no handwriting to be
// recognised by. It is taken for a re-scan of an earlier empty sheet when both
// come from one printing (proportions within these tolerances) and the
// earlier one is among the last kEmptyRescanWindow pages saved: a sheet is
// re-scanned with its envelope or right after, not a thousand pages later.
// Measured with petiscan-dedup-eval --pairs on generated sets (seeds 110,
// 111 and 112, train hands): the 49 re-scans whose table the geometry found
// alike differed by at most 0.002 in split and 0.0019 in pitch (the four
// empty ones: 0.001 and 0.0009); different sheets closer than these
// tolerances were 0.2 % of all pairs (the split is measured to 0.001).
constexpr double kSameSplit = 0.003, kSamePitch = 0.0015;
constexpr std::int64_t kEmptyRescanWindow = 8;

struct Layout {
  double split = 0, pitch = 0;  // 0: not measured
  bool known() const { return split > 0 && pitch > 0; }
};

struct Grid {
  std::string pattern;  // 9 x '0'/'1'
  Layout layout;
  std::vector<float> cells;  // kGridChars values 0..15
};

Quad inset(const Quad& q, float fx, float fy) {
  auto at = [&](float u, float v) {
    const cv::Point2f top = q.pts[0] + (q.pts[1] - q.pts[0]) * u;
    const cv::Point2f bottom = q.pts[3] + (q.pts[2] - q.pts[3]) * u;
    return top + (bottom - top) * v;
  };
  Quad out;
  out.pts = {at(fx, fy), at(1 - fx, fy), at(1 - fx, 1 - fy), at(fx, 1 - fy)};
  return out;
}

// Symbols that differ between two codes, position by position ("H2E 2E9"
// vs "H2E 2E8": 1); codes of different lengths differ everywhere.
int differing_symbols(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return static_cast<int>(std::max(a.size(), b.size()));
  int n = 0;
  for (size_t i = 0; i < a.size(); ++i) n += a[i] != b[i];
  return n;
}

// A code as read, and its likely runner-up readings.
std::vector<std::string> readings(const std::string& code, const nlohmann::json& alternatives) {
  std::vector<std::string> out = {code};
  if (!alternatives.is_array()) return out;
  for (const auto& a : alternatives) {
    if (a.is_object() && a.value("p", 0.0) >= kMinAlternativeP && a.contains("code") &&
        a["code"].is_string()) {
      out.push_back(a["code"].get<std::string>());
    }
  }
  return out;
}

// Two readings of a row tell of two different codes: no pair of their likely
// readings is within a misread or two of each other.
bool different_codes(const std::vector<std::string>& a, const std::vector<std::string>& b) {
  for (const auto& x : a) {
    for (const auto& y : b) {
      if (differing_symbols(x, y) <= kMaxMisreadSymbols) return false;
    }
  }
  return true;
}

bool quad_is_set(const Quad& q) {
  for (const auto& p : q.pts) {
    if (p.x != 0 || p.y != 0) return true;
  }
  return false;
}

// Ink density grid of one cell, appended to `out` as hex digits.
void cell_grid(const cv::Mat& gray, const Quad& quad, int cols, int rows, std::string& out) {
  cv::Mat cell;
  if (quad_is_set(quad)) {
    const Quad inner = inset(quad, kInsetX, kInsetY);
    const double height =
        std::max(cv::norm(inner.pts[3] - inner.pts[0]), cv::norm(inner.pts[2] - inner.pts[1]));
    cell = cut_cell(gray, inner,
                    static_cast<int>(std::min(height, double{kCutOversample * kCutHeight})));
  }
  if (cell.rows > kCutHeight) {
    cv::resize(cell, cell, cv::Size(std::max(1, cell.cols * kCutHeight / cell.rows), kCutHeight), 0,
               0, cv::INTER_AREA);
  }
  if (cell.empty()) {
    out.append(static_cast<size_t>(cols * rows), '0');
    return;
  }
  cv::Mat f, paper;
  cell.convertTo(f, CV_32F);
  // Pixel noise (a phone's sensor, a noisy scanner) is smoothed out before
  // ink is measured, or its darkest grains pass the ink floor all over an
  // empty cell and make it look written on one scan only.
  cv::GaussianBlur(f, f, cv::Size(kNoiseBlur, kNoiseBlur), 0);
  const cv::Mat window =
      cv::getStructuringElement(cv::MORPH_RECT, cv::Size(kPaperWindow | 1, kPaperWindow | 1));
  // Noise is smoothed out first, or the brightest grain would be the paper.
  cv::blur(f, paper, cv::Size(kPaperGrain, kPaperGrain));
  cv::dilate(paper, paper, window);
  cv::blur(paper, paper, cv::Size(kPaperWindow | 1, kPaperWindow | 1));
  paper = cv::max(paper, 1.0f);
  // ink = how much darker than paper, as a share of it, above the floor.
  cv::Mat ink = (paper - f) / paper - static_cast<float>(kInkFloor);
  ink = cv::max(ink, 0.0f) / static_cast<float>(1 - kInkFloor);
  // Ruling lines the inset did not leave out (a thick or slanted rule): a
  // pixel column or row inked over most of the cell is a rule, not writing.
  cv::Mat col_mean, row_mean;
  cv::reduce(ink, col_mean, 0, cv::REDUCE_AVG);
  cv::reduce(ink, row_mean, 1, cv::REDUCE_AVG);
  for (int x = 0; x < ink.cols; ++x) {
    if (col_mean.at<float>(0, x) > kRuleCover) ink.col(x).setTo(0);
  }
  for (int y = 0; y < ink.rows; ++y) {
    if (row_mean.at<float>(y, 0) > kRuleCover) ink.row(y).setTo(0);
  }
  cv::Mat small;
  cv::resize(ink, small, cv::Size(cols, rows), 0, 0, cv::INTER_AREA);
  // The scan's floor (see kFloorSpread) is taken off every block.
  std::vector<float> blocks(small.begin<float>(), small.end<float>());
  auto median = [&] {
    const auto mid = blocks.begin() + static_cast<std::ptrdiff_t>(blocks.size() / 2);
    std::nth_element(blocks.begin(), mid, blocks.end());
    return *mid;
  };
  const float level = median();
  for (float& b : blocks) b = std::abs(b - level);
  const float floor = level + static_cast<float>(kFloorSpread) * median();
  small = cv::max(small - floor, 0.0f);
  static constexpr char kHex[] = "0123456789abcdef";
  for (int y = 0; y < rows; ++y) {
    for (int x = 0; x < cols; ++x) {
      // sqrt spreads the low densities a stroke gives over the 16 levels.
      const double d = std::sqrt(std::clamp(static_cast<double>(small.at<float>(y, x)), 0.0, 1.0));
      out.push_back(kHex[std::lround(d * 15)]);
    }
  }
}

cv::Point2f apply(const cv::Matx33d& h, cv::Point2f p) {
  const cv::Vec3d v = h * cv::Vec3d(p.x, p.y, 1);
  return {static_cast<float>(v[0] / v[2]), static_cast<float>(v[1] / v[2])};
}

// The table's proportions, measured in its straightened (canonical) frame:
// along each row's top edge, where the column split falls; down the table,
// the pitch of its 9 rows. Lengths, not signed coordinates, so the result
// does not depend on which way the frame points.
Layout table_layout(const SheetGeometry& g) {
  const cv::Matx33d to_canonical = g.canonical_to_original.inv();
  double width = 0, split = 0;
  for (const auto& row : g.rows) {
    const cv::Point2f left = apply(to_canonical, row.row.pts[0]);
    const cv::Point2f right = apply(to_canonical, row.row.pts[1]);
    const double w = cv::norm(right - left);
    if (!(w > 1)) return {};
    // The cells overlap the split by the same margin on each side.
    const cv::Point2f at = (apply(to_canonical, row.signature_cell.pts[1]) +
                            apply(to_canonical, row.code_cell.pts[0])) *
                           0.5f;
    width += w;
    split += (at - left).dot(right - left) / (w * w);
  }
  width /= kRowsPerSheet;
  const double height = cv::norm(apply(to_canonical, g.rows.back().row.pts[3]) -
                                 apply(to_canonical, g.rows.front().row.pts[0]));
  Layout out{split / kRowsPerSheet, height / kRowsPerSheet / width};
  const double top = std::pow(10.0, kLayoutDigits) * kLayoutUnit;
  if (!(out.split > 0 && out.split < top && out.pitch > 0 && out.pitch < top)) return {};
  return out;
}

void append_layout(const Layout& layout, std::string& out) {
  for (const double v : {layout.split, layout.pitch}) {
    const std::string digits = std::to_string(std::lround(v / kLayoutUnit));
    out.append(static_cast<size_t>(kLayoutDigits) - std::min<size_t>(digits.size(), kLayoutDigits),
               '0');
    out.append(digits, 0, kLayoutDigits);
  }
}

bool same_printing(const Layout& a, const Layout& b) {
  return a.known() && b.known() && std::abs(a.split - b.split) <= kSameSplit &&
         std::abs(a.pitch - b.pitch) <= kSamePitch;
}

bool handwriting_decides(const RescanScore& score) {
  return score.parts_compared >= kCertainParts && score.similarity >= kCertainSimilarity;
}

std::optional<Grid> parse(const std::string& fp) {
  // "f4:" + pattern + ":" + layout + ":" + grid
  constexpr size_t kLayoutAt = 3 + kRowsPerSheet + 1, kGridAt = kLayoutAt + kLayoutChars + 1;
  if (fp.size() != kGridAt + kGridChars || fp.compare(0, 3, std::string(kVersion) + ":") != 0 ||
      fp[kLayoutAt - 1] != ':' || fp[kGridAt - 1] != ':') {
    return std::nullopt;
  }
  Grid g;
  g.pattern = fp.substr(3, kRowsPerSheet);
  double layout[2] = {0, 0};
  for (int k = 0; k < 2; ++k) {
    for (int i = 0; i < kLayoutDigits; ++i) {
      const char c = fp[kLayoutAt + static_cast<size_t>(k * kLayoutDigits + i)];
      if (c < '0' || c > '9') return std::nullopt;
      layout[k] = layout[k] * 10 + (c - '0');
    }
  }
  g.layout = {layout[0] * kLayoutUnit, layout[1] * kLayoutUnit};
  g.cells.reserve(kGridChars);
  for (size_t i = kGridAt; i < fp.size(); ++i) {
    const char c = fp[i];
    const int v = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
    if (v < 0) return std::nullopt;
    g.cells.push_back(static_cast<float>(v));
  }
  return g;
}

// Best normalised correlation of two cols x rows grids over small shifts.
double best_correlation(const float* a, const float* b, int cols, int rows) {
  double best = -1;
  for (int dy = -kShiftY; dy <= kShiftY; ++dy) {
    for (int dx = -kShiftX; dx <= kShiftX; ++dx) {
      double sa = 0, sb = 0, saa = 0, sbb = 0, sab = 0;
      int n = 0;
      for (int y = std::max(0, -dy); y < rows && y + dy < rows; ++y) {
        for (int x = std::max(0, -dx); x < cols && x + dx < cols; ++x) {
          const double va = a[y * cols + x], vb = b[(y + dy) * cols + x + dx];
          sa += va, sb += vb, saa += va * va, sbb += vb * vb, sab += va * vb;
          ++n;
        }
      }
      if (n == 0) continue;
      const double cov = sab - sa * sb / n;
      const double var = (saa - sa * sa / n) * (sbb - sb * sb / n);
      if (var <= 1e-9) continue;
      best = std::max(best, cov / std::sqrt(var));
    }
  }
  return best;
}

double mean_ink(const float* a, int n) {
  double s = 0;
  for (int i = 0; i < n; ++i) s += a[i];
  return s / n;
}

// Every pattern within `flips` changed rows of `pattern`, from row `from` on.
void patterns_within(const std::string& pattern, size_t from, int flips,
                     std::vector<std::string>& out) {
  out.push_back(pattern);
  if (flips == 0) return;
  for (size_t i = from; i < pattern.size(); ++i) {
    std::string p = pattern;
    p[i] = p[i] == '1' ? '0' : '1';
    patterns_within(p, i + 1, flips - 1, out);
  }
}

}  // namespace

std::string sheet_fingerprint(const cv::Mat& original_gray, const SheetGeometry& geometry) {
  if (geometry.kind != PageKind::Signatures || !geometry.table_found || original_gray.empty()) {
    return {};
  }
  std::string out = std::string(kVersion) + ":";
  for (const auto& row : geometry.rows) out.push_back(row.is_signed ? '1' : '0');
  out.push_back(':');
  append_layout(table_layout(geometry), out);
  out.push_back(':');
  out.reserve(out.size() + kGridChars);
  for (const auto& row : geometry.rows) {
    cell_grid(original_gray, row.signature_cell, kSigCols, kSigRows, out);
    cell_grid(original_gray, row.code_cell, kCodeCols, kCodeRows, out);
  }
  return out;
}

namespace {

// compare_fingerprints() on parsed grids. With `stop_below`, gives up as soon
// as the likeness cannot reach it any more (its similarity is then an upper
// bound, below stop_below): most candidates of find_rescan are told apart
// after a few rows.
RescanScore compare_grids(const Grid& ga, const Grid& gb, double stop_below) {
  RescanScore score;
  struct Part {
    const float *a, *b;
    int cols, rows;
    double weight;
  };
  // First the ink in each cell (cheap): what is compared, what is one-sided.
  std::vector<Part> alike;
  double weights = 0;
  for (int r = 0; r < kRowsPerSheet; ++r) {
    const size_t base = static_cast<size_t>(r * kCellsPerRow);
    for (Part part :
         {Part{ga.cells.data() + base, gb.cells.data() + base, kSigCols, kSigRows, kSigWeight},
          Part{ga.cells.data() + base + kSigCols * kSigRows,
               gb.cells.data() + base + kSigCols * kSigRows, kCodeCols, kCodeRows, kCodeWeight}}) {
      const int n = part.cols * part.rows;
      const double mean_a = mean_ink(part.a, n), mean_b = mean_ink(part.b, n);
      const bool ink_a = mean_a > kMinPartInk, ink_b = mean_b > kMinPartInk;
      if (!ink_a && !ink_b) continue;
      // Faint ink on one side only may be the shadow of a rule or noise in a
      // photograph: it tells neither way.
      if (ink_a != ink_b && std::max(mean_a, mean_b) < kClearPartInk) continue;
      ++score.parts_compared;
      weights += part.weight;
      if (ink_a != ink_b) {
        ++score.parts_one_sided;  // counts as no likeness at all
      } else if (part.weight > 0) {
        alike.push_back(part);
      }
    }
  }
  score.comparable = score.parts_compared > 0;
  if (weights <= 0) return score;
  // Then the handwriting, cell by cell, while a match is still possible.
  double weighted = 0, remaining = 0;
  for (const Part& part : alike) remaining += part.weight;
  for (const Part& part : alike) {
    weighted += part.weight * best_correlation(part.a, part.b, part.cols, part.rows);
    remaining -= part.weight;
    if ((weighted + remaining) / weights < stop_below) {
      score.similarity = (weighted + remaining) / weights;
      return score;
    }
  }
  score.similarity = weighted / weights;
  return score;
}

// Nothing written in any cell: no signature signed, no cell clearly written
// in (the edge of a printed heading or a rule can leave a faint trace).
bool nothing_written(const Grid& g) {
  if (g.pattern.find('1') != std::string::npos) return false;
  for (int r = 0; r < kRowsPerSheet; ++r) {
    const float* row = g.cells.data() + static_cast<size_t>(r * kCellsPerRow);
    if (mean_ink(row, kSigCols * kSigRows) > kClearPartInk ||
        mean_ink(row + kSigCols * kSigRows, kCodeCols * kCodeRows) > kClearPartInk) {
      return false;
    }
  }
  return true;
}

// Candidates of a search: sheets whose fingerprint has the signed pattern
// bound by bind_pattern() (one index range), not themselves re-scans unless
// a reviewer said they are not, so that a chain always points at the first.
constexpr const char* kCandidates =
    "SELECT p.id, p.fingerprint FROM pages p WHERE p.fingerprint >= ?1 AND p.fingerprint < ?2 "
    "AND p.kind = 'signatures' AND p.status != 'failed' "
    "AND (p.duplicate_of IS NULL OR p.duplicate_status = 'rejected') ";

void bind_pattern(db::Statement& st, const std::string& pattern) {
  const std::string prefix = std::string(kVersion) + ":" + pattern;
  st.bind(1, prefix + ":").bind(2, prefix + ";");  // ';' sorts right after ':'
}

// An empty sheet's re-scan: the nearest earlier empty sheet of the same
// printing among the last kEmptyRescanWindow pages (see there).
std::optional<std::int64_t> find_empty_rescan(db::Connection& db, const Grid& mine) {
  auto st = db.prepare(std::string(kCandidates) +
                       "AND p.id > (SELECT COALESCE(MAX(id), 0) FROM pages) - ?3 "
                       "ORDER BY p.id DESC");
  bind_pattern(st, mine.pattern);
  st.bind(3, kEmptyRescanWindow);
  while (st.step()) {
    const auto theirs = parse(st.text(1));
    if (theirs && nothing_written(*theirs) && same_printing(mine.layout, theirs->layout)) {
      spdlog::debug("re-scan of empty page {} (split {:.4f}/{:.4f}, pitch {:.5f}/{:.5f})",
                    st.int64(0), mine.layout.split, theirs->layout.split, mine.layout.pitch,
                    theirs->layout.pitch);
      return st.int64(0);
    }
  }
  return std::nullopt;
}

}  // namespace

std::int64_t sheets_with_older_fingerprints(db::Connection& db) {
  auto st = db.prepare(
      "SELECT COUNT(*) FROM pages WHERE fingerprint IS NOT NULL AND substr(fingerprint, 1, 3) != "
      "?1");
  st.bind(1, std::string(kVersion) + ":");
  return st.step() ? st.int64(0) : 0;
}

RescanScore compare_fingerprints(const std::string& a, const std::string& b) {
  const auto ga = parse(a), gb = parse(b);
  if (!ga || !gb) return {};
  RescanScore score = compare_grids(*ga, *gb, -std::numeric_limits<double>::infinity());
  if (ga->layout.known() && gb->layout.known()) {
    score.split_difference = std::abs(ga->layout.split - gb->layout.split);
    score.pitch_difference = std::abs(ga->layout.pitch - gb->layout.pitch);
  }
  score.nothing_written = nothing_written(*ga) && nothing_written(*gb);
  return score;
}

bool same_sheet(const RescanScore& score) {
  return score.comparable && score.similarity >= kSameSheetSimilarity &&
         score.parts_one_sided <= kMaxOneSidedShare * score.parts_compared;
}

std::optional<std::int64_t> find_rescan(db::Connection& db, const std::string& fingerprint,
                                        const std::vector<RowRecord>& rows) {
  const auto mine = parse(fingerprint);
  if (!mine) return std::nullopt;
  if (nothing_written(*mine)) return find_empty_rescan(db, *mine);
  // Candidates: sheets whose signed pattern is the same or differs in up to
  // kMaxPatternFlips rows (the signed decision may differ on a faint
  // signature), each pattern one index range. The codes read on a candidate
  // must tell the same story: rows whose two readings differ by more than a
  // misread or two (kMaxMisreadSymbols) are disagreements.
  auto st = db.prepare(std::string(kCandidates) + "ORDER BY p.id");
  auto codes_of = db.prepare(
      "SELECT row_no, postal_code, alternatives FROM rows WHERE page_id = ?1 AND postal_code IS "
      "NOT NULL");
  std::array<std::vector<std::string>, kRowsPerSheet + 1> mine_codes;
  for (const auto& r : rows) {
    if (r.row_no >= 1 && r.row_no <= kRowsPerSheet && r.postal_code) {
      mine_codes[r.row_no] = readings(*r.postal_code, r.alternatives);
    }
  }
  auto codes_disagree = [&](std::int64_t page_id) {
    int disagree = 0, compared = 0;
    codes_of.bind(1, page_id);
    while (codes_of.step()) {
      const auto row_no = codes_of.int64(0);
      if (row_no < 1 || row_no > kRowsPerSheet || mine_codes[row_no].empty()) continue;
      ++compared;
      const auto alternatives = nlohmann::json::parse(codes_of.text(2), nullptr, false);
      disagree += different_codes(mine_codes[row_no], readings(codes_of.text(1), alternatives));
    }
    codes_of.reset();
    return disagree > compared / kCodesPerAllowedDisagreement;
  };
  std::optional<std::int64_t> best_id;
  double best = -2;
  std::vector<std::string> patterns;
  patterns_within(mine->pattern, 0, kMaxPatternFlips, patterns);
  for (const auto& pattern : patterns) {
    bind_pattern(st, pattern);
    while (st.step()) {
      const std::int64_t id = st.int64(0);
      const auto theirs = parse(st.text(1));
      if (!theirs) continue;
      const auto score = compare_grids(*mine, *theirs, kSameSheetSimilarity);
      if (!same_sheet(score)) continue;
      if (!handwriting_decides(score) && codes_disagree(id)) continue;
      if (score.similarity > best) {
        best = score.similarity;
        best_id = id;
      }
    }
    st.reset();
  }
  if (best_id) spdlog::debug("re-scan of page {} (likeness {:.2f})", *best_id, best);
  return best_id;
}

namespace {

// Alignment of two pages: both reduced to kAlignSide pixels on their long
// side (a page's printing and writing keep thousands of features there), up
// to kAlignFeatures ORB features each, matched when clearly nearer than the
// runner-up (Lowe's ratio kAlignRatio); the homography fitted by RANSAC
// (kAlignReprojectPx at the reduced size) must be borne out by kMinInliers
// matches and kMinInlierShare of them.
constexpr int kAlignSide = 1200;
constexpr int kAlignFeatures = 4000;
constexpr double kAlignRatio = 0.75;
constexpr double kAlignReprojectPx = 3.0;
constexpr int kMinInliers = 60;
constexpr double kMinInlierShare = 0.3;
// Cells with ink compared, at least, for a re-scan across tables: there are
// no codes read on the page without a table to confirm a single cell.
constexpr int kMinPartsAcross = 2;
// Pages looked at across tables: the last kAcrossWindow saved. Each costs
// decoding it again and an alignment (0.1-0.2 s in the writer): a page
// without a table, rare (0.4 % of sheets on generated sets), costs at most
// kAcrossWindow of them, and as many for the pages after it. Re-scans come
// with their envelope: on the training sets, every re-scan was within 2 pages
// of its first scan.
constexpr std::int64_t kAcrossWindow = 4;

cv::Mat reduced_for_alignment(const cv::Mat& gray, double& scale) {
  scale = std::min(1.0, static_cast<double>(kAlignSide) / std::max(gray.cols, gray.rows));
  if (scale >= 1.0) return gray;
  cv::Mat out;
  cv::resize(gray, out, cv::Size(), scale, scale, cv::INTER_AREA);
  return out;
}

// `g` with each of its quads carried by `h`, as a sheet whose table is known.
SheetGeometry moved(SheetGeometry g, const cv::Matx33d& h) {
  for (auto& row : g.rows) {
    for (Quad* q : {&row.row, &row.signature_cell, &row.code_cell}) {
      for (auto& p : q->pts) p = apply(h, p);
    }
  }
  g.kind = PageKind::Signatures;
  g.table_found = true;
  return g;
}

// A saved sheet's rows (their boxes in its scan, the machine's signed
// decision), as geometry; nullopt without its 9 rows' boxes.
std::optional<SheetGeometry> saved_geometry(db::Connection& db, std::int64_t page_id) {
  auto st = db.prepare("SELECT row_no, machine_signed, boxes FROM rows WHERE page_id = ?1");
  st.bind(1, page_id);
  SheetGeometry g;
  int found = 0;
  while (st.step()) {
    const auto row_no = st.int64(0);
    const auto boxes = nlohmann::json::parse(st.text(2), nullptr, false);
    if (row_no < 1 || row_no > kRowsPerSheet || !boxes.is_object()) continue;
    const auto signature = quad_from_json(boxes.value("signature", nlohmann::json()));
    const auto code = quad_from_json(boxes.value("code", nlohmann::json()));
    if (!signature || !code) continue;
    RowGeometry& row = g.rows[static_cast<size_t>(row_no - 1)];
    row.is_signed = st.int64(1) != 0;
    row.signature_cell = *signature;
    row.code_cell = *code;
    row.row = quad_from_json(boxes.value("row", nlohmann::json())).value_or(Quad{});
    ++found;
  }
  if (found != kRowsPerSheet) return std::nullopt;
  return g;
}

}  // namespace

std::optional<cv::Matx33d> align_pages(const cv::Mat& from, const cv::Mat& to) {
  if (from.empty() || to.empty()) return std::nullopt;
  double scale_from = 1, scale_to = 1;
  const cv::Mat a = reduced_for_alignment(from, scale_from);
  const cv::Mat b = reduced_for_alignment(to, scale_to);
  const auto orb = cv::ORB::create(kAlignFeatures);
  std::vector<cv::KeyPoint> keys_a, keys_b;
  cv::Mat desc_a, desc_b;
  orb->detectAndCompute(a, cv::noArray(), keys_a, desc_a);
  orb->detectAndCompute(b, cv::noArray(), keys_b, desc_b);
  if (desc_a.rows < 2 || desc_b.rows < 2) return std::nullopt;
  std::vector<std::vector<cv::DMatch>> knn;
  cv::BFMatcher(cv::NORM_HAMMING).knnMatch(desc_a, desc_b, knn, 2);
  std::vector<cv::Point2f> pa, pb;
  for (const auto& m : knn) {
    if (m.size() == 2 && m[0].distance < kAlignRatio * m[1].distance) {
      pa.push_back(keys_a[static_cast<size_t>(m[0].queryIdx)].pt);
      pb.push_back(keys_b[static_cast<size_t>(m[0].trainIdx)].pt);
    }
  }
  if (pa.size() < static_cast<size_t>(kMinInliers)) return std::nullopt;
  cv::Mat inliers;
  const cv::Mat h = cv::findHomography(pa, pb, cv::RANSAC, kAlignReprojectPx, inliers);
  if (h.empty()) return std::nullopt;
  const int agree = cv::countNonZero(inliers);
  spdlog::debug("alignment: {} of {} feature matches agree", agree, pa.size());
  if (agree < kMinInliers || agree < kMinInlierShare * static_cast<double>(pa.size())) {
    return std::nullopt;
  }
  const cv::Matx33d up(1 / scale_to, 0, 0, 0, 1 / scale_to, 0, 0, 0, 1);
  const cv::Matx33d down(scale_from, 0, 0, 0, scale_from, 0, 0, 0, 1);
  return up * cv::Matx33d(h.ptr<double>()) * down;
}

std::optional<std::int64_t> find_rescan_across_tables(db::Connection& db,
                                                      const SheetGeometry& geometry,
                                                      const std::string& fingerprint,
                                                      const std::function<cv::Mat()>& image,
                                                      const PageLoader& load) {
  if (geometry.kind != PageKind::Signatures) return std::nullopt;
  const bool has_table = !fingerprint.empty();
  if (has_table) {
    // An empty sheet has no handwriting to compare (see find_empty_rescan).
    const auto parsed = parse(fingerprint);
    if (!parsed || nothing_written(*parsed)) return std::nullopt;
  }
  // Recent sheets on the other side: without a table if this one has one.
  auto st = db.prepare(
      "SELECT p.id, COALESCE(p.fingerprint, '') FROM pages p WHERE p.kind = 'signatures' "
      "AND p.status != 'failed' AND (p.duplicate_of IS NULL OR p.duplicate_status = 'rejected') "
      "AND p.id > (SELECT COALESCE(MAX(id), 0) FROM pages) - ?1 "
      "AND (COALESCE(p.fingerprint, '') = '') = ?2 ORDER BY p.id DESC");
  st.bind(1, kAcrossWindow).bind(2, has_table ? 1 : 0);
  cv::Mat mine;
  std::optional<std::int64_t> best_id;
  double best = -2;
  while (st.step()) {
    const std::int64_t id = st.int64(0);
    const std::string theirs = st.text(1);
    std::optional<SheetGeometry> their_geometry;
    if (!has_table) {
      // An empty sheet has no handwriting to be recognised by.
      const auto parsed = parse(theirs);
      if (!parsed || nothing_written(*parsed) || !(their_geometry = saved_geometry(db, id))) {
        continue;
      }
    }
    if (mine.empty() && (mine = image()).empty()) return std::nullopt;  // unreadable now
    const cv::Mat other = load(id);
    if (other.empty()) continue;
    // The cells of the scan with a table, carried onto the one without.
    const cv::Mat& without = has_table ? other : mine;
    const auto h = align_pages(has_table ? mine : other, without);
    if (!h) continue;
    const RescanScore score = compare_fingerprints(
        has_table ? fingerprint : theirs,
        sheet_fingerprint(without, moved(has_table ? geometry : *their_geometry, *h)));
    spdlog::debug("re-scan across tables: page {}, likeness {:.2f} over {} cells ({} one-sided)",
                  id, score.similarity, score.parts_compared, score.parts_one_sided);
    if (same_sheet(score) && score.parts_compared >= kMinPartsAcross && score.similarity > best) {
      best = score.similarity;
      best_id = id;
    }
  }
  return best_id;
}

}  // namespace petiscan
