// petiscan-dedup-eval SET_DIR [--codes truth|none] [--pairs]
//
// Re-scan detection measured on a generated set (scripts/gen_sheets.py): every
// signature page is decoded, analysed by the geometry stages and fingerprinted
// as the scanner does, then saved in order into a fresh database, each one
// first looked up with find_rescan(). Prints JSON: re-scans found, false
// duplicates (look-alike "family" sheets among them), the similarity of every
// true pair and of the closest different pairs, and the time taken.
//
// Codes: the recognizer is not part of this measure; rows carry the truth's
// codes (--codes truth, default) or none (--codes none: fingerprints only).
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>

#include "dedup/rescan.h"
#include "geometry/geometry.h"
#include "geometry/settings.h"
#include "ingest/ingest.h"
#include "store/store.h"

using namespace petiscan;
using json = nlohmann::json;
namespace fs = std::filesystem;

namespace {

struct Sheet {
  std::string file;
  int page = 0;
  std::string key;                    // "file#page"
  std::optional<std::string> dup;     // truth: key of the original
  std::optional<std::string> family;  // truth: key of a look-alike sheet
  std::vector<RowRecord> rows;
  std::string fingerprint;
  bool table_found = false;
};

double ms_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << "usage: petiscan-dedup-eval SET_DIR [--codes truth|none] [--pairs]\n";
    return 2;
  }
  const fs::path dir = argv[1];
  bool truth_codes = true, pairs = false;
  std::string dump;
  for (int i = 2; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--codes" && i + 1 < argc) truth_codes = std::string(argv[++i]) == "truth";
    if (a == "--pairs") pairs = true;
    if (a == "--dump" && i + 1 < argc) dump = argv[++i];
  }
  spdlog::set_level(spdlog::level::warn);
  const json truth = json::parse(std::ifstream(dir / "truth.json"));

  std::vector<Sheet> sheets;
  for (const auto& env : truth["envelopes"]) {
    const auto& files = env["files"];
    auto key_of = [&](int index) {
      return files.size() == 1
                 ? std::make_pair(files[0].get<std::string>(), index + 1)
                 : std::make_pair(files[static_cast<size_t>(index)].get<std::string>(), 1);
    };
    const auto& pages = env["pages"];
    for (size_t i = 0; i < pages.size(); ++i) {
      const auto& p = pages[i];
      if (p["kind"] != "signatures") continue;
      Sheet s;
      std::tie(s.file, s.page) = key_of(static_cast<int>(i));
      s.key = s.file + "#" + std::to_string(s.page);
      if (p.contains("duplicate_of") && !p["duplicate_of"].is_null()) {
        const auto k = key_of(p["duplicate_of"].get<int>());
        s.dup = k.first + "#" + std::to_string(k.second);
      }
      if (p.contains("_gen") && p["_gen"].contains("family_of")) {
        const auto k = key_of(p["_gen"]["family_of"].get<int>());
        s.family = k.first + "#" + std::to_string(k.second);
      }
      int r = 0;
      for (const auto& row : p["rows"]) {
        RowRecord rec;
        rec.row_no = ++r;
        rec.is_signed = row["signed"].get<bool>();
        if (truth_codes && !row["postal_code"].is_null()) rec.postal_code = row["postal_code"];
        s.rows.push_back(rec);
      }
      sheets.push_back(std::move(s));
    }
  }

  // 1. Fingerprints, as the workers make them.
  GeometrySettings settings;
  IngestSettings ingest;
  double fingerprint_ms = 0;
  for (auto& s : sheets) {
    const auto probed = probe_file(dir / s.file, ingest);
    const PageImage page = load_page(dir / s.file, probed, s.page, ingest);
    DebugWriter debug;
    const SheetGeometry g = analyze_page(page, settings, debug);
    s.table_found = g.kind == PageKind::Signatures && g.table_found;
    const auto t0 = std::chrono::steady_clock::now();
    s.fingerprint = sheet_fingerprint(page.gray, g);
    fingerprint_ms += ms_since(t0);
  }

  if (!dump.empty()) {
    json fps = json::object();
    for (const auto& s : sheets) fps[s.key] = s.fingerprint;
    std::ofstream(dump) << fps.dump(1);
  }

  // 2. Saved in order, each looked up first, as the writer does.
  const fs::path db_path =
      fs::temp_directory_path() / ("dedup-eval-" + std::to_string(::getpid()) + ".db");
  fs::remove(db_path);
  json result;
  {
    Store store(db_path);
    auto& db = store.connection();
    const auto batch = store.begin_batch("eval", "petiscan-dedup-eval");
    std::map<std::string, std::int64_t> page_ids;
    std::map<std::int64_t, std::string> keys;
    int found = 0, missed = 0, false_dups = 0, false_family = 0, wrong_target = 0, rescans = 0;
    double find_ms = 0, find_ms_max = 0;
    json misses = json::array(), falses = json::array();
    std::map<std::string, std::int64_t> file_ids;
    for (const auto& s : sheets) {
      if (!file_ids.count(s.file)) {
        FileRecord f;
        f.sha256 = s.file;
        f.path = s.file;
        f.name = s.file;
        file_ids[s.file] = store.add_file(f, batch);
      }
      const auto t0 = std::chrono::steady_clock::now();
      const auto dup = find_rescan(db, s.fingerprint, s.rows);
      const double ms = ms_since(t0);
      find_ms += ms;
      find_ms_max = std::max(find_ms_max, ms);
      PageRecord p;
      p.file_id = file_ids[s.file];
      p.page_no = s.page;
      p.content_hash = s.key;
      p.kind = PageKind::Signatures;
      p.duplicate_of = dup;
      const auto id = store.save_page(p, s.rows);
      db.prepare("UPDATE pages SET fingerprint = ? WHERE id = ?")
          .bind(1, s.fingerprint.empty() ? std::nullopt : std::optional<std::string>(s.fingerprint))
          .bind(2, id)
          .run();
      page_ids[s.key] = id;
      keys[id] = s.key;
      if (s.dup) {
        ++rescans;
        if (!dup) {
          ++missed;
          json m = {{"page", s.key}, {"original", *s.dup}, {"table_found", s.table_found}};
          for (const auto& o : sheets) {
            if (o.key == *s.dup) {
              const auto sc = compare_fingerprints(s.fingerprint, o.fingerprint);
              m["similarity"] = sc.similarity;
              m["one_sided"] = sc.parts_one_sided;
              m["compared"] = sc.parts_compared;
              m["original_table_found"] = o.table_found;
            }
          }
          misses.push_back(m);
        } else if (keys[*dup] == *s.dup) {
          ++found;
        } else {
          ++found;  // a re-scan, linked to another page showing the same sheet
          ++wrong_target;
        }
      } else if (dup) {
        ++false_dups;
        false_family += s.family && keys[*dup] == *s.family;
        falses.push_back({{"page", s.key}, {"linked_to", keys[*dup]}});
      }
    }
    int tables = 0;
    for (const auto& s : sheets) tables += s.table_found;
    result = {{"set", dir.string()},
              {"sheets", sheets.size()},
              {"tables_found", tables},
              {"rescans", rescans},
              {"rescans_found", found},
              {"rescans_missed", missed},
              {"linked_to_another_scan_of_it", wrong_target},
              {"false_duplicates", false_dups},
              {"false_duplicates_on_family_sheets", false_family},
              {"family_sheets", std::count_if(sheets.begin(), sheets.end(),
                                              [](const Sheet& s) { return s.family.has_value(); })},
              {"fingerprint_ms_mean", sheets.empty() ? 0 : fingerprint_ms / sheets.size()},
              {"find_rescan_ms_mean", sheets.empty() ? 0 : find_ms / sheets.size()},
              {"find_rescan_ms_max", find_ms_max},
              {"misses", misses},
              {"false", falses}};
  }
  fs::remove(db_path);
  fs::remove(db_path.string() + "-wal");
  fs::remove(db_path.string() + "-shm");

  if (pairs) {
    // Every pair's similarity: the lowest true pair and the highest others.
    double min_true = 2, max_other = -2, max_family = -2;
    json top = json::array(), true_pairs = json::array();
    std::vector<std::tuple<double, std::string, std::string, bool>> others;
    // Printed layouts: every true pair's differences, and the different pairs
    // whose layouts are closest (split, and pitch x 5: its range is 5x narrower).
    std::vector<std::tuple<double, std::string, std::string, double, double, bool>> layout_close;
    for (size_t i = 0; i < sheets.size(); ++i) {
      for (size_t j = i + 1; j < sheets.size(); ++j) {
        const auto& a = sheets[i];
        const auto& b = sheets[j];
        if (a.fingerprint.empty() || b.fingerprint.empty()) continue;
        const auto sc = compare_fingerprints(a.fingerprint, b.fingerprint);
        const bool same = (b.dup && *b.dup == a.key) || (a.dup && *a.dup == b.key) ||
                          (a.dup && b.dup && *a.dup == *b.dup);
        if (same) {
          true_pairs.push_back({{"a", a.key},
                                {"b", b.key},
                                {"similarity", sc.similarity},
                                {"split_difference", sc.split_difference},
                                {"pitch_difference", sc.pitch_difference},
                                {"nothing_written", sc.nothing_written}});
        } else if (sc.split_difference >= 0) {
          layout_close.emplace_back(std::max(sc.split_difference, 5 * sc.pitch_difference), a.key,
                                    b.key, sc.split_difference, sc.pitch_difference,
                                    sc.nothing_written);
        }
        if (!sc.comparable) continue;
        const bool family = (a.family && *a.family == b.key) || (b.family && *b.family == a.key);
        if (same) {
          min_true = std::min(min_true, sc.similarity);
        } else {
          max_other = std::max(max_other, sc.similarity);
          if (family) max_family = std::max(max_family, sc.similarity);
          others.emplace_back(sc.similarity, a.key, b.key, family);
        }
      }
    }
    std::sort(others.rbegin(), others.rend());
    for (size_t k = 0; k < others.size() && k < 5; ++k) {
      top.push_back({{"similarity", std::get<0>(others[k])},
                     {"a", std::get<1>(others[k])},
                     {"b", std::get<2>(others[k])},
                     {"family", std::get<3>(others[k])}});
    }
    std::sort(layout_close.begin(), layout_close.end());
    json closest_layouts = json::array();
    for (size_t k = 0; k < layout_close.size() && k < 8; ++k) {
      const auto& [d, a, b, split, pitch, empty] = layout_close[k];
      closest_layouts.push_back({{"a", a},
                                 {"b", b},
                                 {"split_difference", split},
                                 {"pitch_difference", pitch},
                                 {"nothing_written", empty}});
    }
    result["pairs"] = {{"true_pairs", true_pairs},
                       {"closest_layouts_different_sheets", closest_layouts},
                       {"min_similarity_same_sheet", min_true},
                       {"max_similarity_different_sheets", max_other},
                       {"max_similarity_family_sheets", max_family},
                       {"closest_different", top}};
  }
  std::cout << result.dump(2) << "\n";
  return 0;
}
