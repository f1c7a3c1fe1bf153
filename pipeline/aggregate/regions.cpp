#include "aggregate/regions.h"

#include <array>
#include <cctype>

#include "core/i18n.h"
#include "recognize/postal_code.h"

namespace petiscan {

std::string PlaceName::text() const { return tr(fr, en); }

namespace {

std::string compact_upper(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (c == ' ' || c == '-' || c == '\t') continue;
    out.push_back(static_cast<char>(std::toupper(static_cast<unsigned char>(c))));
  }
  return out;
}

// The grammar is recognize/postal_code.h's, the one the decoder follows.
bool is_fsa(std::string_view s) {
  return s.size() == 3 && is_postal_symbol(s[0], 0) && is_postal_symbol(s[1], 1) &&
         is_postal_symbol(s[2], 2);
}

struct Province {
  char letter;
  const char* key;
  const char* fr;
  const char* en;
};

constexpr std::array kProvinces = {
    Province{'A', "NL", "Terre-Neuve-et-Labrador", "Newfoundland and Labrador"},
    Province{'B', "NS", "Nouvelle-Écosse", "Nova Scotia"},
    Province{'C', "PE", "Île-du-Prince-Édouard", "Prince Edward Island"},
    Province{'E', "NB", "Nouveau-Brunswick", "New Brunswick"},
    Province{'G', "QC", "Québec", "Quebec"},
    Province{'H', "QC", "Québec", "Quebec"},
    Province{'J', "QC", "Québec", "Quebec"},
    Province{'K', "ON", "Ontario", "Ontario"},
    Province{'L', "ON", "Ontario", "Ontario"},
    Province{'M', "ON", "Ontario", "Ontario"},
    Province{'N', "ON", "Ontario", "Ontario"},
    Province{'P', "ON", "Ontario", "Ontario"},
    Province{'R', "MB", "Manitoba", "Manitoba"},
    Province{'S', "SK", "Saskatchewan", "Saskatchewan"},
    Province{'T', "AB", "Alberta", "Alberta"},
    Province{'V', "BC", "Colombie-Britannique", "British Columbia"},
    Province{'X', "NT-NU", "Territoires du Nord-Ouest et Nunavut",
             "Northwest Territories and Nunavut"},
    Province{'Y', "YT", "Yukon", "Yukon"},
};

// Quebec areas by FSA prefix, most specific first (sources in regions.h).
struct AreaRule {
  std::string_view prefix;
  const char* key;
  const char* fr;
  const char* en;
};

constexpr std::array kQuebecAreas = {
    AreaRule{"H0H", "", "", ""},  // Santa Claus: not a place
    AreaRule{"H0M", "akwesasne", "Akwesasne", "Akwesasne"},
    AreaRule{"H7", "laval", "Laval", "Laval"},
    AreaRule{"H1", "montreal", "Montréal (île)", "Montreal (island)"},
    AreaRule{"H2", "montreal", "Montréal (île)", "Montreal (island)"},
    AreaRule{"H3", "montreal", "Montréal (île)", "Montreal (island)"},
    AreaRule{"H4", "montreal", "Montréal (île)", "Montreal (island)"},
    AreaRule{"H5", "montreal", "Montréal (île)", "Montreal (island)"},
    AreaRule{"H8", "montreal", "Montréal (île)", "Montreal (island)"},
    AreaRule{"H9", "montreal", "Montréal (île)", "Montreal (island)"},
    AreaRule{"G1", "quebec-city", "Québec (ville)", "Québec City"},
    AreaRule{"G2", "quebec-city", "Québec (ville)", "Québec City"},
    AreaRule{"G0", "east-rural", "Est du Québec, secteurs ruraux", "Eastern Quebec, rural areas"},
    AreaRule{"J0", "west-rural", "Ouest et Nord du Québec, secteurs ruraux",
             "Western and Northern Quebec, rural areas"},
    AreaRule{"G", "east-other", "Est du Québec, autres villes", "Eastern Quebec, other towns"},
    AreaRule{"J", "west-other", "Ouest et Nord du Québec, autres villes",
             "Western and Northern Quebec, other towns"},
    AreaRule{"H", "", "", ""},  // H0x other than H0M: not assigned to a place we can name
};

}  // namespace

std::optional<std::string> canonical_postal_code(std::string_view text) {
  return normalize_postal_code(compact_upper(text));
}

std::optional<std::string> canonical_fsa(std::string_view text) {
  const std::string s = compact_upper(text);
  if (!is_fsa(s)) return std::nullopt;
  return s;
}

std::optional<PlaceName> province_of(char first_letter) {
  const char c = static_cast<char>(std::toupper(static_cast<unsigned char>(first_letter)));
  for (const auto& p : kProvinces) {
    if (p.letter == c) return PlaceName{p.key, p.fr, p.en};
  }
  return std::nullopt;
}

std::optional<PlaceName> quebec_area_of(std::string_view fsa) {
  if (fsa.empty()) return std::nullopt;
  const auto province = province_of(fsa[0]);
  if (!province || province->key != "QC") return std::nullopt;
  const std::string upper = compact_upper(fsa);
  for (const auto& rule : kQuebecAreas) {
    if (upper.rfind(rule.prefix, 0) != 0) continue;
    if (*rule.key == '\0') break;
    return PlaceName{rule.key, rule.fr, rule.en};
  }
  return PlaceName{"quebec-unknown", "Québec, secteur inconnu", "Quebec, unknown area"};
}

}  // namespace petiscan
