// Checking what a browser sends before anything reaches the database: JSON
// bodies are parsed once, every field is type-checked and bounded, and a
// failure becomes an ApiError with a French and an English message.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace petiscan::review {

// An error the browser is told about: HTTP status, a stable code the page can
// act on ("version_conflict", "leased" ...), and a message in both languages.
class ApiError : public std::runtime_error {
 public:
  ApiError(int status, std::string code, std::string fr, std::string en)
      : std::runtime_error(en), status_(status), code_(std::move(code)), fr_(std::move(fr)) {}
  int status() const { return status_; }
  const std::string& code() const { return code_; }
  const std::string& french() const { return fr_; }
  nlohmann::json to_json() const;

 private:
  int status_;
  std::string code_;
  std::string fr_;
};

ApiError bad_request(const std::string& field, std::string_view fr_why, std::string_view en_why);

// Longest reviewer name kept (a first name and an initial fit many times over).
inline constexpr std::size_t kMaxReviewerName = 60;
// Longest QA note kept.
inline constexpr std::size_t kMaxNote = 500;
// Most item keys a page may ask to skip (a reviewer skipping more than this
// in one sitting starts over from the top of the queue).
inline constexpr std::size_t kMaxSkipped = 500;

// Parses a request body that must be a JSON object.
nlohmann::json parse_object(const std::string& body);

// Field readers: throw ApiError 400 naming the field when it is missing or of
// the wrong type.
std::int64_t require_int(const nlohmann::json& obj, const char* field, std::int64_t min,
                         std::int64_t max);
bool require_bool(const nlohmann::json& obj, const char* field);
std::optional<bool> optional_bool(const nlohmann::json& obj, const char* field);
std::string require_string(const nlohmann::json& obj, const char* field, std::size_t max_len);
std::optional<std::string> optional_string(const nlohmann::json& obj, const char* field,
                                           std::size_t max_len);

// A reviewer's name: trimmed, 1..kMaxReviewerName characters, valid UTF-8,
// no control characters.
std::string clean_reviewer_name(const std::string& raw);

// A postal code as typed ("h2e2e9", "H2E 2E9") -> canonical "H2E 2E9", or
// ApiError 400 "invalid_postal_code". JSON null stays nullopt (no code).
std::optional<std::string> require_postal_code(const nlohmann::json& obj, const char* field);

// Item keys name what is reviewed: "row:12", "sheet:3" (a page whose table
// was not found), "dup:3" (a suspected re-scan).
struct ItemKey {
  enum class Type { Row, Sheet, Duplicate } type = Type::Row;
  std::int64_t id = 0;
  std::string str() const;
};
std::optional<ItemKey> parse_item_key(std::string_view text);
std::vector<std::string> require_item_keys(const nlohmann::json& obj, const char* field);

// A decimal id from a URL segment (1..2^53), or nullopt.
std::optional<std::int64_t> parse_id(std::string_view text);

}  // namespace petiscan::review
