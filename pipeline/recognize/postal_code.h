// Canadian postal codes: the grammar A1A 1A1, its canonical spelling and the
// province of the first letter. Used by the recognizer's decoder, the review
// server (codes typed by people) and the report.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace petiscan {

// Letters that never appear in a postal code (Canada Post: D F I O Q U look
// like digits or other letters on machines).
inline constexpr std::string_view kForbiddenPostalLetters = "DFIOQU";
// Letters that are allowed everywhere except the first position.
inline constexpr std::string_view kNotFirstPostalLetters = "WZ";

// True when `c` (upper case) may stand at letter position `pos` (0, 2 or 4)
// of a code. Position 0 also excludes W and Z.
bool is_postal_letter(char c, int pos);

// "h2e2e9", "H2E-2E9", " h2e 2e9 " -> "H2E 2E9". Accepts upper or lower case,
// an optional single space or hyphen between the halves and surrounding
// white space; anything else (including any non-ASCII byte) -> nullopt.
std::optional<std::string> normalize_postal_code(std::string_view text);

// True for a code already in canonical form "A1A 1A1" that follows the grammar.
bool is_valid_postal_code(std::string_view canonical);

// Province or territory abbreviation of a first letter ("QC" for G, H, J;
// "NT/NU" for X); empty for a letter no code starts with.
std::string_view province_of(char first_letter);

}  // namespace petiscan
