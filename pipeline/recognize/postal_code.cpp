#include "recognize/postal_code.h"

namespace petiscan {
namespace {

char to_ascii_upper(char c) {
  return (c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A') : c;
}
bool is_white(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

}  // namespace

bool is_valid_postal_code(std::string_view s) {
  if (s.size() != kCanonicalPostalLength || s[kPostalSeparatorAfter] != ' ') return false;
  for (int k = 0; k < kPostalSymbols; ++k) {
    if (!is_postal_symbol(s[k < kPostalSeparatorAfter ? k : k + 1], k)) return false;
  }
  return true;
}

std::optional<std::string> normalize_postal_code(std::string_view text) {
  while (!text.empty() && is_white(text.front())) text.remove_prefix(1);
  while (!text.empty() && is_white(text.back())) text.remove_suffix(1);
  // The two halves, with at most one separator (space or hyphen) between them.
  std::string_view second;
  const char middle = text.size() == kCanonicalPostalLength ? text[kPostalSeparatorAfter] : '\0';
  if (middle == ' ' || middle == '-') {
    second = text.substr(kPostalSeparatorAfter + 1);
  } else if (text.size() == kPostalSymbols) {
    second = text.substr(kPostalSeparatorAfter);
  } else {
    return std::nullopt;
  }
  std::string out;
  out.reserve(kCanonicalPostalLength);
  for (char c : text.substr(0, kPostalSeparatorAfter)) out += to_ascii_upper(c);
  out += ' ';
  for (char c : second) out += to_ascii_upper(c);
  if (!is_valid_postal_code(out)) return std::nullopt;
  return out;
}

std::string_view postal_province(char first_letter) {
  switch (to_ascii_upper(first_letter)) {
    case 'A':
      return "NL";
    case 'B':
      return "NS";
    case 'C':
      return "PE";
    case 'E':
      return "NB";
    case 'G':
    case 'H':
    case 'J':
      return "QC";
    case 'K':
    case 'L':
    case 'M':
    case 'N':
    case 'P':
      return "ON";
    case 'R':
      return "MB";
    case 'S':
      return "SK";
    case 'T':
      return "AB";
    case 'V':
      return "BC";
    case 'X':
      return "NT/NU";
    case 'Y':
      return "YT";
    default:
      return "";
  }
}

std::string_view postal_fsa(std::string_view canonical) {
  return is_valid_postal_code(canonical) ? canonical.substr(0, kPostalSeparatorAfter)
                                         : std::string_view{};
}

}  // namespace petiscan
