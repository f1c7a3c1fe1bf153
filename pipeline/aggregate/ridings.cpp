#include "aggregate/ridings.h"

#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "aggregate/regions.h"
#include "core/errors.h"
#include "core/i18n.h"

namespace petiscan {

namespace {

// How many lines may precede the header (titles of a spreadsheet saved as CSV).
constexpr size_t kMaxHeaderSearch = 20;
// Warnings kept in full; beyond, only counted.
constexpr size_t kMaxWarnings = 20;

struct Record {
  int line = 0;  // where the record starts, from 1
  std::vector<std::string> cells;
};

bool valid_utf8(const std::string& s) {
  for (size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    const size_t extra = c < 0x80             ? 0
                         : (c & 0xE0) == 0xC0 ? 1
                         : (c & 0xF0) == 0xE0 ? 2
                         : (c & 0xF8) == 0xF0 ? 3
                                              : 4;
    if (extra == 4 || i + extra >= s.size()) return false;
    for (size_t k = 1; k <= extra; ++k) {
      if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) return false;
    }
    i += extra + 1;
  }
  return true;
}

char detect_separator(const std::string& text) {
  // Counted on the first lines, outside quotes: the most frequent wins.
  std::map<char, int> counts;
  bool quoted = false;
  int lines = 0;
  for (char c : text) {
    if (c == '"') quoted = !quoted;
    if (quoted) continue;
    if (c == '\n' && ++lines > static_cast<int>(kMaxHeaderSearch)) break;
    if (c == ';' || c == ',' || c == '\t') ++counts[c];
  }
  char best = ';';
  int most = 0;
  for (char c : {';', ',', '\t'}) {
    if (counts[c] > most) most = counts[c], best = c;
  }
  return best;
}

std::vector<Record> parse_csv(const std::string& text, char sep) {
  std::vector<Record> out;
  Record rec;
  std::string cell;
  int line = 1;
  rec.line = 1;
  bool quoted = false, any = false;
  auto end_cell = [&] {
    // Trim spaces around unquoted content.
    const auto b = cell.find_first_not_of(" \t");
    const auto e = cell.find_last_not_of(" \t");
    rec.cells.push_back(b == std::string::npos ? "" : cell.substr(b, e - b + 1));
    cell.clear();
  };
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (quoted) {
      if (c == '"' && i + 1 < text.size() && text[i + 1] == '"') {
        cell.push_back('"');
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        if (c == '\n') ++line;
        cell.push_back(c);
      }
      continue;
    }
    if (c == '"') {
      quoted = true;
      any = true;
    } else if (c == sep) {
      end_cell();
      any = true;
    } else if (c == '\r') {
      continue;
    } else if (c == '\n') {
      end_cell();
      out.push_back(std::move(rec));
      rec = Record{};
      rec.line = ++line;
      any = false;
    } else {
      cell.push_back(c);
      any = true;
    }
  }
  if (any || !cell.empty()) {
    end_cell();
    out.push_back(std::move(rec));
  }
  return out;
}

// Lower case ASCII letters and digits only, accents folded: "Code de la
// circonscription" -> "codedelacirconscription".
std::string fold(const std::string& s) {
  static const std::map<std::string, char> kAccents = {
      {"é", 'e'}, {"è", 'e'}, {"ê", 'e'}, {"ë", 'e'}, {"É", 'e'}, {"È", 'e'}, {"Ê", 'e'},
      {"à", 'a'}, {"â", 'a'}, {"À", 'a'}, {"Â", 'a'}, {"ç", 'c'}, {"Ç", 'c'}, {"î", 'i'},
      {"ï", 'i'}, {"Î", 'i'}, {"ô", 'o'}, {"Ô", 'o'}, {"ù", 'u'}, {"û", 'u'}, {"ü", 'u'}};
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      if (std::isalnum(c)) out.push_back(static_cast<char>(std::tolower(c)));
      continue;
    }
    if (i + 1 < s.size()) {
      auto it = kAccents.find(s.substr(i, 2));
      if (it != kAccents.end()) out.push_back(it->second);
      ++i;
    }
  }
  return out;
}

bool contains(const std::string& s, const char* part) { return s.find(part) != std::string::npos; }
bool starts(const std::string& s, const char* part) { return s.rfind(part, 0) == 0; }

enum class Column { None, Postal, RidingCode, RidingName, RidingAny };

Column classify(const std::string& header) {
  const std::string h = fold(header);
  if (h.empty()) return Column::None;
  if (contains(h, "postal") || contains(h, "postl") || h == "cp" || h == "fsa" || h == "rta")
    return Column::Postal;
  const bool riding = contains(h, "circ") || contains(h, "division") || contains(h, "riding") ||
                      contains(h, "electoral") || starts(h, "cep") || starts(h, "ced");
  if (!riding) return Column::None;
  if (contains(h, "nom") || contains(h, "name") || starts(h, "nm")) return Column::RidingName;
  if (contains(h, "code") || starts(h, "co") || starts(h, "no") || contains(h, "num") ||
      contains(h, "id"))
    return Column::RidingCode;
  return Column::RidingAny;
}

struct Layout {
  size_t header = 0;  // index of the header record
  int postal = -1, code = -1, name = -1;
};

std::optional<Layout> find_layout(const std::vector<Record>& records) {
  for (size_t r = 0; r < records.size() && r < kMaxHeaderSearch; ++r) {
    Layout l;
    l.header = r;
    int any = -1;
    const auto& cells = records[r].cells;
    for (int c = 0; c < static_cast<int>(cells.size()); ++c) {
      switch (classify(cells[static_cast<size_t>(c)])) {
        case Column::Postal:
          if (l.postal < 0) l.postal = c;
          break;
        case Column::RidingCode:
          if (l.code < 0) l.code = c;
          break;
        case Column::RidingName:
          if (l.name < 0) l.name = c;
          break;
        case Column::RidingAny:
          if (any < 0) any = c;
          break;
        case Column::None:
          break;
      }
    }
    if (l.name < 0 && any >= 0) l.name = any;
    if (l.postal >= 0 && (l.code >= 0 || l.name >= 0)) return l;
  }
  return std::nullopt;
}

std::string cell_at(const Record& r, int column) {
  if (column < 0 || static_cast<size_t>(column) >= r.cells.size()) return "";
  return r.cells[static_cast<size_t>(column)];
}

}  // namespace

std::string to_utf8(const std::string& bytes) {
  std::string text = bytes;
  if (text.rfind("\xEF\xBB\xBF", 0) == 0) text.erase(0, 3);  // BOM
  if (valid_utf8(text)) return text;
  // Latin-1 / Windows-1252 (Excel's default "CSV" on a French Windows): each
  // byte is one character; the Windows-1252 punctuation at 0x80-0x9F is kept as
  // its Latin-1 code point, harmless in names.
  std::string out;
  for (unsigned char c : text) {
    if (c < 0x80) {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back(static_cast<char>(0xC0 | (c >> 6)));
      out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
    }
  }
  return out;
}

RidingsImport import_ridings(Store& store, const std::filesystem::path& csv) {
  const std::string file = csv.string();
  std::ifstream in(csv, std::ios::binary);
  if (!in)
    throw UsageError(file + ": " + tr("fichier illisible ou introuvable", "cannot read the file"));
  std::stringstream buffer;
  buffer << in.rdbuf();
  const std::string text = to_utf8(buffer.str());
  const auto records = parse_csv(text, detect_separator(text));
  const auto layout = find_layout(records);
  if (!layout) {
    throw UsageError(file + ":1: " +
                     tr("aucune ligne d'en-tête avec une colonne de code postal et une colonne de "
                        "circonscription (attendu par ex. : code_postal;circonscription_code;"
                        "circonscription_nom)",
                        "no header line with a postal code column and a riding column (expected "
                        "e.g. code_postal;circonscription_code;circonscription_nom)"));
  }

  RidingsImport result;
  std::map<std::string, std::string> riding_names;       // code -> name
  std::map<std::string, std::set<std::string>> mapping;  // postal key -> riding codes
  int bad = 0, first_bad_line = 0, skipped_warnings = 0;
  auto warn = [&](int line, const std::string& why) {
    ++bad;
    if (first_bad_line == 0) first_bad_line = line;
    if (result.warnings.size() < kMaxWarnings)
      result.warnings.push_back(file + ":" + std::to_string(line) + ": " + why);
    else
      ++skipped_warnings;
  };
  for (size_t r = layout->header + 1; r < records.size(); ++r) {
    const Record& rec = records[r];
    bool empty = true;
    for (const auto& c : rec.cells) empty = empty && c.empty();
    if (empty) continue;
    ++result.rows_read;
    const std::string raw = cell_at(rec, layout->postal);
    auto key = canonical_postal_code(raw);
    if (!key) key = canonical_fsa(raw);
    if (!key) {
      warn(rec.line, tr("« ", "\"") + raw +
                         tr(" » n'est ni un code postal ni une RTA (3 caractères)",
                            "\" is neither a postal code nor an FSA (3 characters)"));
      continue;
    }
    std::string code = cell_at(rec, layout->code);
    std::string name = cell_at(rec, layout->name);
    if (code.empty()) code = name;
    if (name.empty()) name = code;
    if (code.empty()) {
      warn(rec.line, tr("circonscription vide", "empty riding"));
      continue;
    }
    auto [it, fresh] = riding_names.emplace(code, name);
    if (!fresh && it->second != name && result.warnings.size() < kMaxWarnings) {
      result.warnings.push_back(
          file + ":" + std::to_string(rec.line) + ": " + tr("la circonscription ", "riding ") +
          code + tr(" porte deux noms ; gardé : ", " has two names; kept: ") + it->second);
    }
    mapping[*key].insert(code);
  }
  if (skipped_warnings > 0) {
    result.warnings.push_back(file + ": " + std::to_string(skipped_warnings) +
                              tr(" autres lignes ignorées", " more lines skipped"));
  }
  if (mapping.empty() || bad * 2 > result.rows_read) {
    const int line = first_bad_line ? first_bad_line : records[layout->header].line + 1;
    throw UsageError(file + ":" + std::to_string(line) + ": " +
                     tr("trop peu de lignes utilisables (", "too few usable lines (") +
                     std::to_string(result.rows_read - bad) + "/" +
                     std::to_string(result.rows_read) + ")" +
                     (result.warnings.empty() ? "" : "; " + result.warnings.front()));
  }

  auto& db = store.connection();
  db::Transaction tx(db);
  db.exec("DELETE FROM riding_codes; DELETE FROM ridings;");
  auto add_riding = db.prepare("INSERT INTO ridings(code, name) VALUES (?, ?)");
  for (const auto& [code, name] : riding_names) {
    add_riding.bind(1, code).bind(2, name).run();
    add_riding.reset();
  }
  auto add_code = db.prepare("INSERT INTO riding_codes(postal, riding) VALUES (?, ?)");
  for (const auto& [key, codes] : mapping) {
    for (const auto& code : codes) {
      add_code.bind(1, key).bind(2, code).run();
      add_code.reset();
    }
    result.ambiguous_codes += codes.size() > 1;
  }
  result.codes = static_cast<int>(mapping.size());
  result.ridings = static_cast<int>(riding_names.size());
  db.prepare(
        "INSERT INTO riding_imports(file, rows_read, codes, ridings, ambiguous) "
        "VALUES (?, ?, ?, ?, ?)")
      .bind(1, std::filesystem::absolute(csv).string())
      .bind(2, result.rows_read)
      .bind(3, result.codes)
      .bind(4, result.ridings)
      .bind(5, result.ambiguous_codes)
      .run();
  tx.commit();
  return result;
}

RidingLookup::RidingLookup(db::Connection& db) : db_(db) {
  auto exists =
      db_.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'riding_codes'");
  if (!exists.step()) return;  // a database from before migration 3, opened read-only
  auto count = db_.prepare("SELECT count(*) FROM ridings");
  riding_count_ = count.step() ? count.int64(0) : 0;
  loaded_ = riding_count_ > 0;
  auto src = db_.prepare("SELECT file, imported_at FROM riding_imports ORDER BY id DESC LIMIT 1");
  if (src.step())
    source_ = std::filesystem::path(src.text(0)).filename().string() + " (" + src.text(1) + ")";
}

std::vector<RidingMatch> RidingLookup::find(const std::string& code) {
  std::vector<RidingMatch> out;
  if (!loaded_) return out;
  if (!find_) {
    find_.emplace(db_,
                  "SELECT rc.riding, r.name FROM riding_codes rc JOIN ridings r ON r.code = "
                  "rc.riding WHERE rc.postal = ? ORDER BY rc.riding");
  }
  auto& st = *find_;
  for (const std::string& key : {code, code.substr(0, 3)}) {
    st.bind(1, key);
    while (st.step()) out.push_back({st.text(0), st.text(1), key});
    st.reset();
    if (!out.empty()) break;
  }
  return out;
}

}  // namespace petiscan
