// Canadian postal codes: the grammar A1A 1A1, its canonical spelling and the
// province of the first letter. Used by the recognizer's decoder, the review
// server (codes typed by people) and the report.
//
// Grammar (Canada Post addressing guidelines): letter digit letter, space,
// digit letter digit. The letters D F I O Q U never appear (they read like
// 0 1 0 0 0 V to sorting machines); W and Z never stand first.
#pragma once

#include <array>
#include <optional>
#include <string>
#include <string_view>

namespace petiscan {

// Letters that never appear in a postal code.
inline constexpr std::string_view kForbiddenPostalLetters = "DFIOQU";
// Letters that are allowed everywhere except the first position.
inline constexpr std::string_view kNotFirstPostalLetters = "WZ";

// Symbols of a code, separator left out, and the length of the canonical form.
inline constexpr int kPostalSymbols = 6;
inline constexpr int kCanonicalPostalLength = 7;  // "A1A 1A1"
// Where the separator goes in the canonical form (and in a code being read:
// after this many symbols).
inline constexpr int kPostalSeparatorAfter = 3;

// What may stand at one of the six symbol positions.
enum class PostalSlot { kFirstLetter, kLetter, kDigit };
inline constexpr std::array<PostalSlot, kPostalSymbols> kPostalGrammar = {
    PostalSlot::kFirstLetter, PostalSlot::kDigit,  PostalSlot::kLetter,
    PostalSlot::kDigit,       PostalSlot::kLetter, PostalSlot::kDigit};

namespace postal_detail {
constexpr bool contains(std::string_view set, char c) {
  return set.find(c) != std::string_view::npos;
}
// table[c] is true when byte c may stand in `slot`.
constexpr std::array<bool, 256> slot_table(PostalSlot slot) {
  std::array<bool, 256> table{};
  for (int c = 0; c < 256; ++c) {
    const char ch = static_cast<char>(c);
    if (slot == PostalSlot::kDigit) {
      table[c] = ch >= '0' && ch <= '9';
    } else {
      table[c] = ch >= 'A' && ch <= 'Z' && !contains(kForbiddenPostalLetters, ch) &&
                 (slot == PostalSlot::kLetter || !contains(kNotFirstPostalLetters, ch));
    }
  }
  return table;
}
}  // namespace postal_detail

// Byte-indexed membership tables (upper-case ASCII only; 'h' is not a letter
// of a code until normalised). 18 first letters, 20 letters, 10 digits.
inline constexpr std::array<bool, 256> kPostalFirstLetterTable =
    postal_detail::slot_table(PostalSlot::kFirstLetter);
inline constexpr std::array<bool, 256> kPostalLetterTable =
    postal_detail::slot_table(PostalSlot::kLetter);
inline constexpr std::array<bool, 256> kPostalDigitTable =
    postal_detail::slot_table(PostalSlot::kDigit);

// True when `c` may stand in `slot`.
constexpr bool fits_postal_slot(char c, PostalSlot slot) {
  const auto i = static_cast<unsigned char>(c);
  switch (slot) {
    case PostalSlot::kFirstLetter:
      return kPostalFirstLetterTable[i];
    case PostalSlot::kLetter:
      return kPostalLetterTable[i];
    case PostalSlot::kDigit:
      return kPostalDigitTable[i];
  }
  return false;
}

// True when `c` (upper case) may stand at symbol position `pos` (0..5) of a
// code, e.g. is_postal_symbol('W', 0) is false, is_postal_symbol('W', 2) true.
constexpr bool is_postal_symbol(char c, int pos) {
  return pos >= 0 && pos < kPostalSymbols && fits_postal_slot(c, kPostalGrammar[pos]);
}

// True when `c` (upper case) may stand at letter position `pos` (0, 2 or 4).
// Position 0 also excludes W and Z.
constexpr bool is_postal_letter(char c, int pos) {
  return fits_postal_slot(c, pos == 0 ? PostalSlot::kFirstLetter : PostalSlot::kLetter);
}

static_assert(is_postal_letter('H', 0) && !is_postal_letter('W', 0) && is_postal_letter('W', 2));
static_assert(!is_postal_letter('O', 2) && !is_postal_letter('h', 2) && is_postal_symbol('0', 1));

// "h2e2e9", "H2E-2E9", " h2e 2e9 " -> "H2E 2E9". Accepts upper or lower case,
// at most one space or hyphen between the halves (nowhere else) and white
// space (space, tab, CR, LF) around the code; anything else, including any
// non-ASCII byte, gives nullopt. Safe on any bytes of any length.
std::optional<std::string> normalize_postal_code(std::string_view text);

// True for a code already in canonical form "A1A 1A1" that follows the grammar.
bool is_valid_postal_code(std::string_view canonical);

// Two-letter abbreviation of the province or territory of a first letter
// (either case): "QC" for G, H, J; "NT/NU" for X; empty for a letter no code
// starts with (and for anything else). Named apart from aggregate/regions.h's
// province_of(), which gives a translated place name.
std::string_view postal_province(char first_letter);

// The forward sortation area of a canonical code: "H2E 2E9" -> "H2E";
// empty when `canonical` is not a valid code.
std::string_view postal_fsa(std::string_view canonical);

}  // namespace petiscan
