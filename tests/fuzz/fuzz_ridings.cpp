// libFuzzer target: any bytes as the CSV file of `petiscan ridings import`
// (encoding and separator detection, quotes, header search, postal keys),
// imported into a real project database. Every input must end in an import
// or a UsageError, never a crash or undefined behaviour; what an import
// reports must be what the database then holds, and a refused file must leave
// the previous mapping as it was (a violated invariant aborts).
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>

#include "aggregate/regions.h"
#include "aggregate/ridings.h"
#include "core/errors.h"
#include "store/store.h"

namespace {

namespace fs = std::filesystem;
using petiscan::db::Connection;

void check(bool ok) {
  if (!ok) std::abort();
}

std::int64_t count(Connection& db, const char* sql) {
  auto st = db.prepare(sql);
  check(st.step());
  return st.int64(0);
}

struct Project {
  fs::path dir;
  fs::path csv;
  std::unique_ptr<petiscan::Store> store;

  Project() {
    dir = fs::path("/dev/shm") / ("petiscan-fuzz-ridings-" + std::to_string(getpid()));
    fs::create_directories(dir);
    csv = dir / "ridings.csv";
    store = std::make_unique<petiscan::Store>(dir / "petition.db");
    // A mapping already there, that a refused file must not touch.
    write("code_postal;circonscription_code;circonscription_nom\nH2E;X01;Fictive\n");
    petiscan::import_ridings(*store, csv);
  }
  ~Project() {
    store.reset();
    std::error_code ec;
    fs::remove_all(dir, ec);
  }
  void write(const std::string& bytes) const {
    FILE* f = std::fopen(csv.c_str(), "wb");
    check(f != nullptr);
    check(std::fwrite(bytes.data(), 1, bytes.size(), f) == bytes.size());
    std::fclose(f);
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static Project project;
  Connection& db = project.store->connection();
  project.write(std::string(reinterpret_cast<const char*>(data), size));
  const std::int64_t codes_before = count(db, "SELECT count(*) FROM riding_codes");
  const std::int64_t ridings_before = count(db, "SELECT count(*) FROM ridings");
  try {
    const auto r = petiscan::import_ridings(*project.store, project.csv);
    check(r.codes > 0 && r.ridings > 0 && r.rows_read >= r.codes);
    check(r.ambiguous_codes <= r.codes);
    check(count(db, "SELECT count(DISTINCT postal) FROM riding_codes") == r.codes);
    check(count(db, "SELECT count(*) FROM ridings") == r.ridings);
    check(count(db,
                "SELECT count(*) FROM riding_codes rc LEFT JOIN ridings r ON r.code = "
                "rc.riding WHERE r.code IS NULL") == 0);
    // Every key is a canonical postal code or FSA, found again by the lookup.
    auto keys = db.prepare("SELECT DISTINCT postal FROM riding_codes");
    petiscan::RidingLookup lookup(db);
    check(lookup.loaded());
    while (keys.step()) {
      const std::string key = keys.text(0);
      const bool full = petiscan::canonical_postal_code(key) == key;
      check(full || petiscan::canonical_fsa(key) == key);
      if (full) check(!lookup.find(key).empty());
    }
  } catch (const petiscan::UsageError&) {
    check(count(db, "SELECT count(*) FROM riding_codes") == codes_before);
    check(count(db, "SELECT count(*) FROM ridings") == ridings_before);
  }
  return 0;
}
