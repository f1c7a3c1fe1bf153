// User-facing language: French first, English on request (--lang en or
// PETISCAN_LANG=en). Messages are written inline as pairs, so each French
// sentence sits next to its English twin:  tr("Fichier illisible", "Unreadable file").
#pragma once

#include <string>
#include <string_view>

namespace petiscan {

enum class Lang { Fr, En };

Lang current_lang();
void set_lang(Lang lang);
// "fr" / "en" (also "fr_CA.UTF-8", "en_US" ...); anything else is nullopt-like false.
bool parse_lang(std::string_view text, Lang& out);

inline std::string tr(std::string_view fr, std::string_view en) {
  return std::string(current_lang() == Lang::Fr ? fr : en);
}

}  // namespace petiscan
