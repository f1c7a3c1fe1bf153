// Electoral ridings (circonscriptions): a postal code (or FSA) -> riding
// mapping loaded from a CSV file by `petiscan ridings import FILE.csv`.
//
// The format (documented in samples/README-ridings.md): one line per postal
// code or FSA, a header line naming the columns, ';' or ',' (or tab) between
// fields, UTF-8 or Latin-1 (Windows-1252). Recognised headers, in any case and
// with or without accents: a postal column ("code postal", "code_postal",
// "postal_code", "CP"), a riding code column ("circonscription code",
// "code de la circonscription", "no circonscription", "riding_code") and a
// riding name column ("nom de la circonscription", "circonscription nom",
// "riding_name", or just "circonscription"). Lines above the header (a title)
// are skipped. Elections Québec's postal-code file for database managers
// (postal code, electoral division code and name, ...) fits once saved as CSV.
//
// A code listed with several ridings is ambiguous: its signatures are counted
// once, apart, never in two ridings.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "store/store.h"

namespace petiscan {

struct RidingsImport {
  int rows_read = 0;                  // data lines read (after the header)
  int codes = 0;                      // distinct postal codes and FSAs mapped
  int ridings = 0;                    // distinct ridings
  int ambiguous_codes = 0;            // codes mapped to more than one riding
  std::vector<std::string> warnings;  // "file:line: why" for each line skipped
};

// Replaces the project's mapping with the file's, in one transaction. Throws
// UsageError naming the file (and line) when the file cannot be used.
RidingsImport import_ridings(Store& store, const std::filesystem::path& csv);

struct RidingMatch {
  std::string code;
  std::string name;
  std::string matched;  // the key that matched: the full code or its FSA
};

// Finds the ridings of a postal code: its full code if listed, else its FSA.
class RidingLookup {
 public:
  explicit RidingLookup(db::Connection& db);
  bool loaded() const { return loaded_; }
  const std::string& source() const { return source_; }
  std::int64_t riding_count() const { return riding_count_; }
  // `code` canonical "A1A 1A1". Empty: not in the mapping; several: ambiguous.
  std::vector<RidingMatch> find(const std::string& code);

 private:
  db::Connection& db_;
  bool loaded_ = false;
  std::string source_;
  std::int64_t riding_count_ = 0;
  std::optional<db::Statement> find_;
};

// Exposed for tests: the text of a CSV file as UTF-8 (Latin-1 converted).
std::string to_utf8(const std::string& bytes);

}  // namespace petiscan
