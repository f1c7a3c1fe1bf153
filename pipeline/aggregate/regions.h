// Where a postal code is: its province (first letter) and, for Quebec, a named
// area from its forward sortation area (FSA, the first three characters).
//
// Sources (kept deliberately coarse so that every name is right):
//  - Canada Post's addressing guidelines: the first letter is the postal
//    district (A NL, B NS, C PE, E NB, G H J Quebec, K L M N P Ontario, R MB,
//    S SK, T AB, V BC, X NU/NT, Y YT); a 0 as the FSA's digit marks a rural FSA.
//    Quebec's districts: G = Eastern Quebec, H = Montreal metropolitan area,
//    J = Western and Northern Quebec.
//  - Wikipedia, "List of postal codes of Canada: G" and "...: H" (from Canada
//    Post's FSA list): G1x and G2x are all in Québec City; H1-H5, H8, H9 are on
//    the island of Montreal; H7x is Laval; H0M is Akwesasne; H0H is Canada
//    Post's code for Santa Claus (not a place in Quebec).
// A finer mapping (ridings) comes from `petiscan ridings import`.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace petiscan {

struct PlaceName {
  std::string key;  // stable, for CSV files and sorting: "QC", "montreal", ...
  std::string fr;
  std::string en;
  std::string text() const;  // in the current language
};

// "A1A 1A1" or "A1A1A1" (any case) -> "A1A 1A1"; nullopt if not a postal code.
std::optional<std::string> canonical_postal_code(std::string_view text);
// "A1A" (any case) -> "A1A"; nullopt if not an FSA.
std::optional<std::string> canonical_fsa(std::string_view text);

// The province or territory of a code's first letter; nullopt for a letter
// Canada Post does not use first (D F I O Q U W Z).
std::optional<PlaceName> province_of(char first_letter);

// The named Quebec area of an FSA ("H2E" -> Montréal (île)); nullopt when the
// FSA is not in Quebec. FSAs of Quebec without a finer name fall back to their
// postal district ("Est du Québec, autres secteurs").
std::optional<PlaceName> quebec_area_of(std::string_view fsa);

}  // namespace petiscan
