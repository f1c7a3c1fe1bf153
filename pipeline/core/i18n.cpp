#include "core/i18n.h"

#include <atomic>

namespace petiscan {

namespace {
std::atomic<Lang> g_lang{Lang::Fr};
}

Lang current_lang() { return g_lang.load(std::memory_order_relaxed); }
void set_lang(Lang lang) { g_lang.store(lang, std::memory_order_relaxed); }

bool parse_lang(std::string_view text, Lang& out) {
  if (text.substr(0, 2) == "fr") {
    out = Lang::Fr;
    return true;
  }
  if (text.substr(0, 2) == "en") {
    out = Lang::En;
    return true;
  }
  return false;
}

}  // namespace petiscan
