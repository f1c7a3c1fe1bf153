// `petiscan report --out DIR`: what the committee sends to elected members.
//
//   DIR/index.html    self-contained (inline CSS and SVG charts; no script, no
//                     network, no external address), in the current language
//   DIR/*.csv         the same tables, for spreadsheets (UTF-8, comma)
//   DIR/rapport.pdf   for elected members (in the current language): the total,
//                     then one section per riding
//
// No signature image (nor any crop of a scan) goes into any of these files.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "aggregate/aggregate.h"
#include "store/store.h"

namespace petiscan {

struct ReportOptions {
  std::filesystem::path out_dir;
};

// Writes the report; throws OutputError naming the file for an unwritable folder.
void write_report(Store& store, const ReportOptions& options);

namespace report {

std::string render_html(const Aggregate& a, const std::string& project_name);
// CSV files: name -> content.
std::vector<std::pair<std::string, std::string>> render_csv(const Aggregate& a);
void write_pdf(const Aggregate& a, const std::string& project_name,
               const std::filesystem::path& file);

// Charts, as inline SVG (no xmlns needed inside HTML).
struct Bar {
  std::string label;
  std::int64_t value = 0;
  std::int64_t part = 0;  // drawn lighter: the share still in review
};
std::string svg_bar_chart(const std::vector<Bar>& bars, const std::string& title);
std::string svg_progress_chart(const std::vector<DayCount>& days, const std::string& title);

}  // namespace report
}  // namespace petiscan
