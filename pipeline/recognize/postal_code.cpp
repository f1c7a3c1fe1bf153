#include "recognize/postal_code.h"

#include <array>

namespace petiscan {
namespace {

bool is_ascii_upper(char c) { return c >= 'A' && c <= 'Z'; }
bool is_ascii_digit(char c) { return c >= '0' && c <= '9'; }
char to_ascii_upper(char c) {
  return (c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A') : c;
}
bool is_blank(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

}  // namespace

bool is_postal_letter(char c, int pos) {
  if (!is_ascii_upper(c) || kForbiddenPostalLetters.find(c) != std::string_view::npos) return false;
  return pos != 0 || kNotFirstPostalLetters.find(c) == std::string_view::npos;
}

bool is_valid_postal_code(std::string_view s) {
  if (s.size() != 7 || s[3] != ' ') return false;
  constexpr std::array<int, 6> kIndex{0, 1, 2, 4, 5, 6};
  for (int k = 0; k < 6; ++k) {
    const char c = s[kIndex[k]];
    const bool ok = (k % 2 == 0) ? is_postal_letter(c, k) : is_ascii_digit(c);
    if (!ok) return false;
  }
  return true;
}

std::optional<std::string> normalize_postal_code(std::string_view text) {
  while (!text.empty() && is_blank(text.front())) text.remove_prefix(1);
  while (!text.empty() && is_blank(text.back())) text.remove_suffix(1);
  // The two halves, with at most one separator (space or hyphen) between them.
  std::string_view second;
  if (text.size() == 7 && (text[3] == ' ' || text[3] == '-')) {
    second = text.substr(4);
  } else if (text.size() == 6) {
    second = text.substr(3);
  } else {
    return std::nullopt;
  }
  std::string out;
  out.reserve(7);
  for (char c : text.substr(0, 3)) out += to_ascii_upper(c);
  out += ' ';
  for (char c : second) out += to_ascii_upper(c);
  if (!is_valid_postal_code(out)) return std::nullopt;
  return out;
}

std::string_view province_of(char first_letter) {
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

}  // namespace petiscan
