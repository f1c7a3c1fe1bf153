// Numbers and text as people read them: French by default ("12 345",
// "2,5 %"), English with --lang en ("12,345", "2.5 %"); escaping for HTML and
// CSV.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace petiscan::report {

std::string fmt_int(std::int64_t n);
std::string fmt_pct(double share, int decimals = 1);  // 0.025 -> "2,5 %"
// "2026-11-28T16:59:44Z" -> "28 novembre 2026, 16 h 59 UTC" / "November 28, 2026, 16:59 UTC"
std::string fmt_timestamp(const std::string& iso);
std::string fmt_date(const std::string& ymd);  // "2026-11-28" -> "28 nov. 2026" / "Nov 28, 2026"

std::string html_escape(std::string_view text);
std::string csv_field(std::string_view text);

}  // namespace petiscan::report
