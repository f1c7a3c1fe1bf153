// The report's tables as CSV: UTF-8 with a byte-order mark (so spreadsheets
// show accents right), comma-separated, stable English column names, labels
// in the report's language.
#include <sstream>

#include "core/i18n.h"
#include "report/format.h"
#include "report/report.h"

namespace petiscan::report {

namespace {

constexpr const char* kBom = "\xEF\xBB\xBF";

std::string groups_csv(const std::vector<GroupCount>& groups) {
  std::ostringstream s;
  s << kBom << "key,label,signatures,in_review\n";
  for (const auto& g : groups) {
    s << csv_field(g.key) << "," << csv_field(g.label) << "," << g.signatures << "," << g.in_review
      << "\n";
  }
  return s.str();
}

}  // namespace

std::vector<std::pair<std::string, std::string>> render_csv(const Aggregate& a) {
  std::vector<std::pair<std::string, std::string>> out;
  const Totals& t = a.totals;
  {
    std::ostringstream s;
    s << kBom << "metric,value\n";
    const std::pair<const char*, std::int64_t> rows[] = {
        {"signatures", t.signatures},
        {"signatures_in_review", t.signatures_in_review},
        {"signatures_with_valid_code", t.signatures_with_code},
        {"signature_sheets", t.sheets},
        {"sheets_table_not_found", t.sheets_unread},
        {"rescans_excluded", t.rescans},
        {"rescans_to_confirm", t.rescans_to_confirm},
        {"envelopes", t.envelopes},
        {"files", t.files},
        {"files_unreadable", t.files_unreadable},
        {"files_unfinished", t.files_unfinished},
        {"pages", t.pages},
        {"pages_unreadable", t.pages_unreadable},
        {"rows_in_review", t.rows_in_review},
        {"rows_corrected", t.rows_corrected},
    };
    for (const auto& [k, v] : rows) s << k << "," << v << "\n";
    if (a.qa) {
      s << "qa_rows_checked," << a.qa->checked << "\nqa_rows_wrong," << a.qa->wrong
        << "\nqa_rows_signed_wrong," << a.qa->wrong_signed << "\nqa_error_rate," << a.qa->error_rate
        << "\nqa_error_rate_low95," << a.qa->error_low << "\nqa_error_rate_high95,"
        << a.qa->error_high << "\nsignatures_low95," << a.qa->total_low << "\nsignatures_high95,"
        << a.qa->total_high << "\n";
    }
    out.emplace_back("totals.csv", s.str());
  }
  out.emplace_back("by_province.csv", groups_csv(a.by_province));
  out.emplace_back("by_first_letter.csv", groups_csv(a.by_letter));
  out.emplace_back("by_fsa.csv", groups_csv(a.by_fsa));
  out.emplace_back("by_quebec_region.csv", groups_csv(a.by_quebec_area));
  if (a.ridings.mapping_loaded) {
    auto rows = a.ridings.ridings;
    rows.push_back({"~ambiguous", tr("code ambigu", "ambiguous code"), a.ridings.ambiguous,
                    a.ridings.ambiguous_in_review});
    rows.push_back({"~outside_mapping",
                    tr("code absent de la correspondance", "code not in the mapping"),
                    a.ridings.outside_mapping, a.ridings.outside_in_review});
    rows.push_back({"~without_code", tr("sans code postal valide", "without a valid postal code"),
                    a.ridings.without_code, a.ridings.without_code_in_review});
    out.emplace_back("by_riding.csv", groups_csv(rows));
    std::ostringstream s;
    s << kBom << "code,ridings,signatures\n";
    for (const auto& c : a.ridings.ambiguous_codes) {
      std::string list;
      for (const auto& r : c.ridings) list += (list.empty() ? "" : " | ") + r;
      s << csv_field(c.code) << "," << csv_field(list) << "," << c.signatures << "\n";
    }
    out.emplace_back("ambiguous_codes.csv", s.str());
  }
  {
    std::ostringstream s;
    s << kBom << "batch,started_at,files,sheets,signatures,in_review\n";
    for (const auto& b : a.by_batch) {
      s << csv_field(b.name) << "," << b.started_at << "," << b.files << "," << b.sheets << ","
        << b.signatures << "," << b.in_review << "\n";
    }
    out.emplace_back("by_batch.csv", s.str());
  }
  {
    std::ostringstream s;
    s << kBom << "date,sheets,signatures,cumulative_signatures,rows_reviewed\n";
    for (const auto& d : a.by_day) {
      s << d.date << "," << d.sheets << "," << d.signatures << "," << d.cumulative << ","
        << d.rows_reviewed << "\n";
    }
    out.emplace_back("by_day.csv", s.str());
  }
  {
    std::ostringstream s;
    s << kBom << "reason,label,rows\n";
    for (const auto& r : a.review_left) {
      s << csv_field(r.reason) << "," << csv_field(r.label) << "," << r.rows << "\n";
    }
    out.emplace_back("review_left.csv", s.str());
  }
  return out;
}

}  // namespace petiscan::report
