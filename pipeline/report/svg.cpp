// Inline SVG charts: plain shapes and text, drawn to a fixed width (the page
// scales them), readable when printed in gray.
#include <algorithm>
#include <cmath>
#include <sstream>

#include "core/i18n.h"
#include "report/format.h"
#include "report/report.h"

namespace petiscan::report {

namespace {

constexpr int kWidth = 900;
constexpr int kLabelWidth = 330;  // left column of a bar chart
constexpr int kValueWidth = 110;  // right of the longest bar
constexpr int kBarHeight = 22, kBarGap = 8;
constexpr const char* kInk = "#1d3557";
constexpr const char* kReviewInk = "#a8c5e0";
constexpr const char* kAxis = "#8a8f98";

std::string num(double v) {
  std::ostringstream s;
  s.setf(std::ios::fixed);
  s.precision(1);
  s << v;
  return s.str();
}

// A "nice" axis maximum: 1, 2 or 5 times a power of ten, at least `v`.
double nice_ceiling(double v) {
  if (v <= 0) return 1;
  const double p = std::pow(10.0, std::floor(std::log10(v)));
  for (double m : {1.0, 2.0, 5.0, 10.0}) {
    if (m * p >= v) return m * p;
  }
  return 10 * p;
}

}  // namespace

std::string svg_bar_chart(const std::vector<Bar>& bars, const std::string& title) {
  std::int64_t most = 1;
  for (const auto& b : bars) most = std::max(most, b.value);
  const int height = static_cast<int>(bars.size()) * (kBarHeight + kBarGap) + kBarGap;
  const double span = kWidth - kLabelWidth - kValueWidth;
  std::ostringstream s;
  s << "<svg class=\"chart\" viewBox=\"0 0 " << kWidth << " " << height << "\" width=\"" << kWidth
    << "\" height=\"" << height << "\" role=\"img\" aria-label=\"" << html_escape(title)
    << "\"><title>" << html_escape(title) << "</title>";
  int y = kBarGap;
  for (const auto& b : bars) {
    const double w = span * static_cast<double>(b.value) / static_cast<double>(most);
    const double wr = span * static_cast<double>(b.part) / static_cast<double>(most);
    const int mid = y + kBarHeight / 2 + 5;
    s << "<text x=\"" << kLabelWidth - 10 << "\" y=\"" << mid
      << "\" text-anchor=\"end\" class=\"lbl\">" << html_escape(b.label) << "</text>";
    s << "<rect x=\"" << kLabelWidth << "\" y=\"" << y << "\" width=\"" << num(std::max(w, 1.0))
      << "\" height=\"" << kBarHeight << "\" fill=\"" << kInk << "\"/>";
    if (wr > 0) {
      s << "<rect x=\"" << num(kLabelWidth + w - wr) << "\" y=\"" << y << "\" width=\"" << num(wr)
        << "\" height=\"" << kBarHeight << "\" fill=\"" << kReviewInk << "\"/>";
    }
    s << "<text x=\"" << num(kLabelWidth + w + 8) << "\" y=\"" << mid << "\" class=\"val\">"
      << fmt_int(b.value) << "</text>";
    y += kBarHeight + kBarGap;
  }
  s << "</svg>";
  return s.str();
}

std::string svg_progress_chart(const std::vector<DayCount>& days, const std::string& title) {
  constexpr int kHeight = 260, kLeft = 70, kRight = 20, kTop = 16, kBottom = 40;
  const double plot_w = kWidth - kLeft - kRight, plot_h = kHeight - kTop - kBottom;
  std::int64_t top = 1;
  for (const auto& d : days) top = std::max(top, d.cumulative);
  const double ymax = nice_ceiling(static_cast<double>(top));
  const size_t n = std::max<size_t>(days.size(), 1);
  const double slot = plot_w / static_cast<double>(n);
  auto y_of = [&](double v) { return kTop + plot_h * (1 - v / ymax); };
  std::ostringstream s;
  s << "<svg class=\"chart\" viewBox=\"0 0 " << kWidth << " " << kHeight << "\" width=\"" << kWidth
    << "\" height=\"" << kHeight << "\" role=\"img\" aria-label=\"" << html_escape(title)
    << "\"><title>" << html_escape(title) << "</title>";
  // Horizontal grid: 0, 1/2 and the top.
  for (double f : {0.0, 0.5, 1.0}) {
    const double y = y_of(ymax * f);
    s << "<line x1=\"" << kLeft << "\" x2=\"" << kWidth - kRight << "\" y1=\"" << num(y)
      << "\" y2=\"" << num(y) << "\" stroke=\"" << kAxis << "\" stroke-width=\"0.5\"/>";
    s << "<text x=\"" << kLeft - 8 << "\" y=\"" << num(y + 4)
      << "\" text-anchor=\"end\" class=\"ax\">" << fmt_int(static_cast<std::int64_t>(ymax * f))
      << "</text>";
  }
  // Bars: signatures scanned each day; line: the running total.
  std::ostringstream line;
  for (size_t i = 0; i < days.size(); ++i) {
    const auto& d = days[i];
    const double x = kLeft + slot * static_cast<double>(i);
    const double bw = std::clamp(slot * 0.6, 2.0, 48.0);
    const double bx = x + (slot - bw) / 2;
    const double by = y_of(static_cast<double>(d.signatures));
    s << "<rect x=\"" << num(bx) << "\" y=\"" << num(by) << "\" width=\"" << num(bw)
      << "\" height=\"" << num(kTop + plot_h - by) << "\" fill=\"" << kReviewInk << "\"/>";
    line << (i ? " " : "") << num(x + slot / 2) << ","
         << num(y_of(static_cast<double>(d.cumulative)));
    // Dates: at most 8 labels, always the first and the last.
    const size_t every = std::max<size_t>(1, (days.size() + 7) / 8);
    if (i % every == 0 || i + 1 == days.size()) {
      s << "<text x=\"" << num(x + slot / 2) << "\" y=\"" << kHeight - kBottom + 18
        << "\" text-anchor=\"middle\" class=\"ax\">" << html_escape(d.date.substr(5)) << "</text>";
    }
  }
  if (!days.empty()) {
    s << "<polyline points=\"" << line.str() << "\" fill=\"none\" stroke=\"" << kInk
      << "\" stroke-width=\"2.5\"/>";
    const auto& last = days.back();
    s << "<circle cx=\"" << num(kLeft + slot * (static_cast<double>(days.size()) - 0.5))
      << "\" cy=\"" << num(y_of(static_cast<double>(last.cumulative))) << "\" r=\"4\" fill=\""
      << kInk << "\"/>";
  }
  s << "<line x1=\"" << kLeft << "\" x2=\"" << kLeft << "\" y1=\"" << kTop << "\" y2=\""
    << kTop + plot_h << "\" stroke=\"" << kAxis << "\"/>";
  s << "</svg>";
  return s.str();
}

}  // namespace petiscan::report
