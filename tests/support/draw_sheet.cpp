#include "support/draw_sheet.h"

#include <algorithm>
#include <opencv2/imgproc.hpp>
#include <random>
#include <vector>

namespace petiscan::test {

namespace {

void text(cv::Mat& m, const std::string& s, cv::Point at, double dpi, double size_pt,
          int font = cv::FONT_HERSHEY_SIMPLEX) {
  // Hershey fonts are ~21 units tall at scale 1; 1 pt = dpi / 72 px.
  const double scale = size_pt * dpi / 72.0 / 21.0;
  cv::putText(m, s, at, font, scale, cv::Scalar(0), std::max(1, static_cast<int>(dpi / 150)),
              cv::LINE_AA);
}

void scribble(cv::Mat& m, cv::Rect cell, std::mt19937& rng) {
  std::uniform_real_distribution<double> u(0, 1);
  std::vector<cv::Point> pts;
  const int n = 12 + static_cast<int>(u(rng) * 10);
  for (int i = 0; i < n; ++i) {
    const double x = cell.x + cell.width * (0.1 + 0.6 * i / n + 0.05 * u(rng));
    const double y = cell.y + cell.height * (0.3 + 0.45 * u(rng));
    pts.emplace_back(static_cast<int>(x), static_cast<int>(y));
  }
  cv::polylines(m, pts, false, cv::Scalar(20), std::max(2, cell.height / 25), cv::LINE_AA);
}

}  // namespace

TableLayout table_layout(const SheetSpec& spec) {
  const double dpi = spec.dpi;
  TableLayout t;
  t.left = static_cast<int>(0.9 * dpi);
  t.right = static_cast<int>(8.5 * dpi) - t.left;
  t.split = t.left + static_cast<int>((t.right - t.left) * spec.column_split);
  t.top = static_cast<int>(2.6 * dpi);
  t.header_h = static_cast<int>(0.4 * dpi);
  t.row_h = static_cast<int>(0.62 * dpi);
  return t;
}

cv::Mat draw_sheet(const SheetSpec& spec) {
  const double dpi = spec.dpi;
  const int w = static_cast<int>(8.5 * dpi), h = static_cast<int>(11 * dpi);
  cv::Mat m(h, w, CV_8U, cv::Scalar(255));
  const int margin = static_cast<int>(0.9 * dpi);
  int y = static_cast<int>(1.0 * dpi);
  for (const char* line : {"Nous, soussignes, demandons au gouvernement du Quebec",
                           "d'agir contre la traite des personnes.",
                           "Merci de signer et d'indiquer votre code postal."}) {
    text(m, line, {margin, y}, dpi, 11);
    y += static_cast<int>(0.3 * dpi);
  }
  const int line = std::max(1, static_cast<int>(spec.line_px_at_300 * dpi / 300.0 + 0.5));
  const TableLayout t = table_layout(spec);
  const int top = t.top, row_h = t.row_h, header_h = t.header_h;
  const int left = t.left, right = t.right, split = t.split, bottom = t.bottom();
  text(m, "Signatures", {left + 10, top + header_h - 12}, dpi, 13);
  text(m, "Code postal", {split + 10, top + header_h - 12}, dpi, 13);
  cv::rectangle(m, cv::Point(left, top), cv::Point(right, bottom), cv::Scalar(0), line);
  cv::line(m, {split, top}, {split, bottom}, cv::Scalar(0), line);
  for (int r = 0; r <= 9; ++r) {
    const int ry = top + header_h + r * row_h;
    cv::line(m, {left, ry}, {right, ry}, cv::Scalar(0), line);
  }
  std::mt19937 rng(static_cast<unsigned>(spec.seed));
  for (int r = 0; r < 9 && r < static_cast<int>(spec.rows.size()); ++r) {
    const int ry = top + header_h + r * row_h;
    if (spec.rows[r].is_signed) scribble(m, {left, ry, split - left, row_h}, rng);
    if (spec.rows[r].code) {
      text(m, *spec.rows[r].code, {split + static_cast<int>(0.15 * dpi), ry + row_h * 3 / 4}, dpi,
           20, cv::FONT_HERSHEY_SCRIPT_SIMPLEX);
    }
  }
  int cy = bottom + static_cast<int>(0.5 * dpi);
  text(m, "Copie conforme envoyee a :", {margin, cy}, dpi, 11);
  for (const char* name :
       {"Depute(e) de votre circonscription", "Ministre de la Securite publique"}) {
    cy += static_cast<int>(0.28 * dpi);
    text(m, name, {margin + static_cast<int>(0.3 * dpi), cy}, dpi, 11);
  }
  if (spec.skew_deg != 0) {
    const cv::Mat rot =
        cv::getRotationMatrix2D(cv::Point2f(w / 2.0f, h / 2.0f), spec.skew_deg, 1.0);
    cv::warpAffine(m, m, rot, m.size(), cv::INTER_LINEAR, cv::BORDER_CONSTANT, cv::Scalar(255));
  }
  return m;
}

cv::Mat draw_letter_page(double dpi, bool varied) {
  const int w = static_cast<int>(8.5 * dpi), h = static_cast<int>(11 * dpi);
  cv::Mat m(h, w, CV_8U, cv::Scalar(255));
  const int margin = static_cast<int>(1.0 * dpi);
  int y = static_cast<int>(1.2 * dpi);
  text(m, "Monsieur le Premier ministre,", {margin, y}, dpi, 13);
  std::vector<std::string> words = {"la",        "traite",   "des",   "personnes", "touche",
                                    "des",       "milliers", "de",    "femmes",    "et",
                                    "d'enfants", "au",       "Quebec"};
  for (int p = 0; p < 4; ++p) {
    y += static_cast<int>(0.5 * dpi);
    for (int l = 0; l < 6; ++l) {
      std::string line;
      for (const auto& word : words) line += (line.empty() ? "" : " ") + word;
      text(m, line, {margin, y}, dpi, 10);
      if (varied) std::rotate(words.begin(), words.begin() + 1, words.end());
      y += static_cast<int>(0.22 * dpi);
    }
  }
  return m;
}

}  // namespace petiscan::test
