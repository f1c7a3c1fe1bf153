#include "validate.h"

#include <cctype>
#include <charconv>

#include "recognize/postal_code.h"

namespace petiscan::review {

namespace {

// Largest id accepted in a URL or body: JavaScript numbers are exact up to 2^53.
constexpr std::int64_t kMaxId = 9007199254740991;

// Well-formed UTF-8 (no overlong forms, no surrogates) without C0/C1 control
// characters: what a name or a note may hold.
bool valid_utf8_without_controls(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      if (c < 0x20 || c == 0x7f) return false;
      ++i;
      continue;
    }
    size_t extra = 0;
    unsigned char lo = 0x80, hi = 0xbf;  // allowed range of the second byte
    if (c >= 0xc2 && c <= 0xdf) {
      extra = 1;
      if (c == 0xc2) lo = 0xa0;  // U+0080..U+009F are C1 controls
    } else if (c >= 0xe0 && c <= 0xef) {
      extra = 2;
      if (c == 0xe0) lo = 0xa0;
      if (c == 0xed) hi = 0x9f;
    } else if (c >= 0xf0 && c <= 0xf4) {
      extra = 3;
      if (c == 0xf0) lo = 0x90;
      if (c == 0xf4) hi = 0x8f;
    } else {
      return false;
    }
    if (s.size() - i <= extra) return false;
    const auto second = static_cast<unsigned char>(s[i + 1]);
    if (second < lo || second > hi) return false;
    for (size_t k = 2; k <= extra; ++k) {
      if ((static_cast<unsigned char>(s[i + k]) & 0xc0) != 0x80) return false;
    }
    i += extra + 1;
  }
  return true;
}

std::string trim(const std::string& s) {
  const auto b = s.find_first_not_of(" \t");
  if (b == std::string::npos) return {};
  const auto e = s.find_last_not_of(" \t");
  return s.substr(b, e - b + 1);
}

}  // namespace

nlohmann::json ApiError::to_json() const {
  return {{"error", code_}, {"message", {{"fr", fr_}, {"en", what()}}}};
}

ApiError bad_request(const std::string& field, std::string_view fr_why, std::string_view en_why) {
  return ApiError(400, "bad_request", "champ « " + field + " » : " + std::string(fr_why),
                  "field \"" + field + "\": " + std::string(en_why));
}

nlohmann::json parse_object(const std::string& body) {
  // nlohmann's parser stops at a NUL byte as at the end of the text: what
  // follows would be ignored, so a body holding one is refused whole.
  const bool has_nul = body.find('\0') != std::string::npos;
  auto j = has_nul ? nlohmann::json(nlohmann::json::value_t::discarded)
                   : nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) {
    throw ApiError(400, "bad_json", "le corps de la requête doit être un objet JSON",
                   "the request body must be a JSON object");
  }
  return j;
}

std::int64_t require_int(const nlohmann::json& obj, const char* field, std::int64_t min,
                         std::int64_t max) {
  auto it = obj.find(field);
  if (it == obj.end()) throw bad_request(field, "manquant", "missing");
  if (!it->is_number_integer()) throw bad_request(field, "entier attendu", "integer expected");
  const auto v = it->get<std::int64_t>();
  if (v < min || v > max) throw bad_request(field, "hors limites", "out of range");
  return v;
}

bool require_bool(const nlohmann::json& obj, const char* field) {
  auto v = optional_bool(obj, field);
  if (!v) throw bad_request(field, "manquant", "missing");
  return *v;
}

std::optional<bool> optional_bool(const nlohmann::json& obj, const char* field) {
  auto it = obj.find(field);
  if (it == obj.end() || it->is_null()) return std::nullopt;
  if (!it->is_boolean()) throw bad_request(field, "vrai ou faux attendu", "true or false expected");
  return it->get<bool>();
}

std::string require_string(const nlohmann::json& obj, const char* field, std::size_t max_len) {
  auto v = optional_string(obj, field, max_len);
  if (!v) throw bad_request(field, "manquant", "missing");
  return *v;
}

std::optional<std::string> optional_string(const nlohmann::json& obj, const char* field,
                                           std::size_t max_len) {
  auto it = obj.find(field);
  if (it == obj.end() || it->is_null()) return std::nullopt;
  if (!it->is_string()) throw bad_request(field, "texte attendu", "text expected");
  auto s = it->get<std::string>();
  if (s.size() > max_len) throw bad_request(field, "trop long", "too long");
  if (!valid_utf8_without_controls(s)) {
    throw bad_request(field, "caractères invalides", "invalid characters");
  }
  return s;
}

std::string clean_reviewer_name(const std::string& raw) {
  if (raw.size() > kMaxReviewerName * 4 || !valid_utf8_without_controls(raw)) {
    throw bad_request("name", "nom invalide", "invalid name");
  }
  std::string name = trim(raw);
  size_t code_points = 0;
  for (unsigned char c : name) code_points += (c & 0xc0) != 0x80;
  if (name.empty()) throw bad_request("name", "indiquez votre nom", "please give your name");
  if (code_points > kMaxReviewerName) throw bad_request("name", "trop long", "too long");
  return name;
}

std::optional<std::string> require_postal_code(const nlohmann::json& obj, const char* field) {
  auto it = obj.find(field);
  if (it == obj.end()) throw bad_request(field, "manquant", "missing");
  if (it->is_null()) return std::nullopt;
  if (!it->is_string()) throw bad_request(field, "texte ou null attendu", "text or null expected");
  // Reviewers type "h2e2e9" as often as "H2E 2E9": ASCII case is folded here,
  // the grammar is the recognizer's.
  std::string text = it->get<std::string>();
  for (char& c : text) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  auto code = text.size() <= 16 ? normalize_postal_code(text) : std::nullopt;
  if (!code) {
    throw ApiError(400, "invalid_postal_code",
                   "code postal invalide (format A1A 1A1, sans D F I O Q U, ni W ou Z en tête)",
                   "invalid postal code (format A1A 1A1, no D F I O Q U, no leading W or Z)");
  }
  return code;
}

std::string ItemKey::str() const {
  const char* prefix = type == Type::Row ? "row:" : type == Type::Sheet ? "sheet:" : "dup:";
  return prefix + std::to_string(id);
}

std::optional<ItemKey> parse_item_key(std::string_view text) {
  const auto colon = text.find(':');
  if (colon == std::string_view::npos) return std::nullopt;
  const auto prefix = text.substr(0, colon);
  ItemKey key;
  if (prefix == "row") {
    key.type = ItemKey::Type::Row;
  } else if (prefix == "sheet") {
    key.type = ItemKey::Type::Sheet;
  } else if (prefix == "dup") {
    key.type = ItemKey::Type::Duplicate;
  } else {
    return std::nullopt;
  }
  auto id = parse_id(text.substr(colon + 1));
  if (!id) return std::nullopt;
  key.id = *id;
  return key;
}

std::vector<std::string> require_item_keys(const nlohmann::json& obj, const char* field) {
  std::vector<std::string> keys;
  auto it = obj.find(field);
  if (it == obj.end() || it->is_null()) return keys;
  if (!it->is_array()) throw bad_request(field, "liste attendue", "list expected");
  if (it->size() > kMaxSkipped) throw bad_request(field, "liste trop longue", "list too long");
  for (const auto& v : *it) {
    std::optional<ItemKey> key;
    if (v.is_string()) key = parse_item_key(v.get_ref<const std::string&>());
    if (!key) throw bad_request(field, "élément invalide", "invalid item");
    keys.push_back(key->str());
  }
  return keys;
}

std::optional<std::int64_t> parse_id(std::string_view text) {
  if (text.empty() || text.size() > 16) return std::nullopt;
  std::int64_t v = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || ptr != text.data() + text.size() || v < 1 || v > kMaxId) {
    return std::nullopt;
  }
  return v;
}

}  // namespace petiscan::review
