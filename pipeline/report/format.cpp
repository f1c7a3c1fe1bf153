#include "report/format.h"

#include <array>
#include <cmath>
#include <cstdio>

#include "core/i18n.h"

namespace petiscan::report {

namespace {

// Thousands separator: a narrow no-break space in French (Office québécois de
// la langue française), a comma in English.
constexpr const char* kThinSpace = "\u202F";

constexpr std::array<const char*, 12> kMonthsFr = {"janvier",   "février", "mars",     "avril",
                                                   "mai",       "juin",    "juillet",  "août",
                                                   "septembre", "octobre", "novembre", "décembre"};
constexpr std::array<const char*, 12> kMonthsEn = {"January",   "February", "March",    "April",
                                                   "May",       "June",     "July",     "August",
                                                   "September", "October",  "November", "December"};

bool parse_ymd(const std::string& s, int& y, int& m, int& d) {
  return std::sscanf(s.c_str(), "%d-%d-%d", &y, &m, &d) == 3 && m >= 1 && m <= 12;
}

}  // namespace

std::string fmt_int(std::int64_t n) {
  const bool fr = current_lang() == Lang::Fr;
  std::string digits = std::to_string(n < 0 ? -n : n);
  std::string out;
  const int len = static_cast<int>(digits.size());
  for (int i = 0; i < len; ++i) {
    if (i > 0 && (len - i) % 3 == 0) out += fr ? kThinSpace : ",";
    out.push_back(digits[static_cast<size_t>(i)]);
  }
  return n < 0 ? "-" + out : out;
}

std::string fmt_pct(double share, int decimals) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, 100.0 * share);
  std::string s = buf;
  if (current_lang() == Lang::Fr) {
    for (auto& c : s) {
      if (c == '.') c = ',';
    }
  }
  return s + "\u00A0%";
}

std::string fmt_date(const std::string& ymd) {
  int y, m, d;
  if (!parse_ymd(ymd, y, m, d)) return ymd;
  if (current_lang() == Lang::Fr) {
    return std::to_string(d) + (d == 1 ? "er " : " ") + kMonthsFr[static_cast<size_t>(m - 1)] +
           " " + std::to_string(y);
  }
  return std::string(kMonthsEn[static_cast<size_t>(m - 1)]) + " " + std::to_string(d) + ", " +
         std::to_string(y);
}

std::string fmt_timestamp(const std::string& iso) {
  int hh = 0, mm = 0;
  if (iso.size() < 16 || std::sscanf(iso.c_str() + 11, "%d:%d", &hh, &mm) != 2) return iso;
  char t[16];
  if (current_lang() == Lang::Fr)
    std::snprintf(t, sizeof t, "%d h %02d", hh, mm);
  else
    std::snprintf(t, sizeof t, "%02d:%02d", hh, mm);
  return fmt_date(iso.substr(0, 10)) + tr(", ", ", ") + t + " UTC";
}

std::string html_escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out.push_back(c);
    }
  }
  return out;
}

std::string csv_field(std::string_view text) {
  if (text.find_first_of(",\"\n\r") == std::string_view::npos) return std::string(text);
  std::string out = "\"";
  for (char c : text) {
    if (c == '"') out += '"';
    out.push_back(c);
  }
  return out + "\"";
}

}  // namespace petiscan::report
