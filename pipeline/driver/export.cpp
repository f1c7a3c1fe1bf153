#include "driver/export.h"

#include <nlohmann/json.hpp>

namespace petiscan {

namespace {

// Confidences are probabilities: 4 decimals are all that means anything.
double round4(double v) { return std::round(v * 10000.0) / 10000.0; }

std::string csv_field(const std::string& s) {
  if (s.find_first_of(",\"\n\r") == std::string::npos) return s;
  std::string q = "\"";
  for (char c : s) {
    if (c == '"') q += '"';
    q += c;
  }
  return q + '"';
}

}  // namespace

void export_jsonl(Store& store, std::ostream& out) {
  store.for_each_export_page([&](const ExportPage& p) {
    nlohmann::json j = {{"type", "page"}, {"source", p.source},      {"page", p.page_no},
                        {"kind", p.kind}, {"duplicate_of", nullptr}, {"status", p.status}};
    if (p.duplicate_of) {
      j["duplicate_of"] = {{"source", p.duplicate_of->first}, {"page", p.duplicate_of->second}};
    }
    if (!p.reason.empty()) j["reason"] = p.reason;
    out << j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << '\n';
  });
  store.for_each_export_row([&](const ExportRow& r) {
    nlohmann::json j = {{"type", "row"},         {"source", r.source},
                        {"page", r.page_no},     {"row", r.row_no},
                        {"signed", r.is_signed}, {"postal_code", nullptr},
                        {"status", r.status},    {"confidence", round4(r.confidence)}};
    if (r.postal_code) j["postal_code"] = *r.postal_code;
    if (!r.reason.empty()) j["reason"] = r.reason;
    out << j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << '\n';
  });
}

void export_csv(Store& store, std::ostream& out) {
  out << "source,page,row,signed,postal_code,status,confidence,reason\r\n";
  store.for_each_export_row([&](const ExportRow& r) {
    char conf[16];
    std::snprintf(conf, sizeof conf, "%.4f", round4(r.confidence));
    out << csv_field(r.source) << ',' << r.page_no << ',' << r.row_no << ','
        << (r.is_signed ? "true" : "false") << ',' << (r.postal_code ? *r.postal_code : "") << ','
        << r.status << ',' << conf << ',' << csv_field(r.reason) << "\r\n";
  });
}

}  // namespace petiscan
