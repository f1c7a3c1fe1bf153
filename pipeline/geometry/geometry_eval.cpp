// petiscan-geometry-eval SET_DIR [--list] [--only NAME] [--debug-dir DIR] [--cells-out DIR]
//                        [--signed-out DIR] [--thumbs-out DIR] [--no-kind-net]
//                        [--no-signed-net] [--render-pdf]
//
// The geometry stages measured on a generated set (scripts/gen_sheets.py):
// every page is decoded, analysed by analyze_page() alone (no recognizer) and
// compared with truth.json and its "_gen" facts. Prints one JSON object:
//   kind_accuracy          pages whose kind is right
//   rotation_accuracy      signature pages turned upright correctly
//   rows_signed_accuracy   rows of signature pages whose signed decision is
//                          right (a page whose table was not found counts its
//                          9 rows as wrong: they are not counted)
//   sheet_count_exact      signature pages whose number of signed rows is exact
//   geometry_review_rate   signature pages sent to review for geometry
//                          (table not found, or orientation not trusted)
//   rows_low_confidence    rows whose signed decision goes to review
//   code_cells_inkless     rows of tables found whose code cell has no ink
//                          once rules and specks are removed (code_ink 0) ...
//   codes_in_inkless_cells ... and of them, rows whose truth has a code
//   residual_skew_median   |skew found - _gen skew|, flatbed pages, degrees
//   edge_angle_median      angle between the found and the true top edge of
//                          the data area (row 1's top rule), every sheet, degrees
//   corner_error_rows_max  worst corner of the data area, in row heights (a
//                          row numbered wrong shows as ~1)
//   ms_per_page            mean analyze_page() CPU time on one thread (decoding
//                          excluded); use a
//                          --profile bench set (300-DPI flatbed) for the speed target
// --list prints one line per page that has any error; --only NAME analyses
// only the files whose name contains NAME and logs every decision.
// --cells-out DIR writes every code cell the pipeline cuts from a sheet whose
// table was found (DIR/<file>-p<page>-r<row>.png, as cut_cell() gives it to the
// recognizer) and DIR/cells.json {"png name": "H2E2E9" or ""} from the truth:
// training material cut exactly as scans are (training seeds only).
// --signed-out DIR writes every row's signature view (signature_view(), as the
// signed net sees it; DIR/<file>-p<page>-r<row>.png) of a sheet whose table
// was found, and DIR/signed.json {"png name": {"signed": truth, "geometry":
// the decision, "aligned": the rows' corners within a quarter row of the
// truth's, "notes": the generator's notes on the row}}: scripts/train_signed.py's
// material (training seeds only).
// --thumbs-out DIR writes every page's thumbnail as the page-kind net sees it
// (DIR/<file>-p<page>.png) and DIR/thumbs.json {"png name": {"truth": kind,
// "geometry": kind}}: scripts/train_page_kind.py's material.
// The page-kind net (models/page_kind.onnx) takes its second look at the pages
// called `other`, as in a scan; --no-kind-net measures the geometry without it.
// The signed net (models/signed.onnx) decides each row of a table found, as
// in a scan; --no-signed-net leaves the decision to the rules of signed.h.
// --render-pdf renders every PDF page with poppler, as before PDF pages that
// are one scanned image were read as that image (ingest/pdf_image.h).
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cmath>
#include <ctime>
#include <fstream>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <opencv2/imgcodecs.hpp>

#include "classify/page_kind_net.h"
#include "geometry/geometry.h"
#include "geometry/settings.h"
#include "ingest/ingest.h"
#include "signed/signed_net.h"

using namespace petiscan;
using json = nlohmann::json;
namespace fs = std::filesystem;

namespace {

double median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::nth_element(v.begin(), v.begin() + v.size() / 2, v.end());
  return v[v.size() / 2];
}

double percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<size_t>(p * v.size()))];
}

double edge_angle(cv::Point2f a, cv::Point2f b) {
  return std::atan2(b.y - a.y, b.x - a.x) * 180.0 / CV_PI;
}

// CPU time of this thread: the target is "on one core", and other jobs share the machine.
double thread_cpu_ms() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

}  // namespace

int main(int argc, char** argv) {
  const std::string usage =
      "usage: petiscan-geometry-eval SET_DIR [--list] [--only NAME] [--debug-dir DIR] "
      "[--cells-out DIR] [--signed-out DIR] [--thumbs-out DIR] [--no-kind-net] "
      "[--no-signed-net] [--render-pdf] [--work-dpi DPI]\n";
  if (argc < 2 || argv[1][0] == '-') {
    std::cerr << usage;
    return argc >= 2 && (std::string(argv[1]) == "--help" || std::string(argv[1]) == "-h") ? 0 : 2;
  }
  petiscan::keep_page_buffers_in_heap();  // as petiscan scan does
  const fs::path dir = argv[1];
  if (!fs::is_regular_file(dir / "truth.json")) {
    std::cerr << "petiscan-geometry-eval: " << (dir / "truth.json").string()
              << " not found (a set made by scripts/gen_sheets.py)\n"
              << usage;
    return 2;
  }
  bool list = false;
  fs::path debug_dir;   // --debug-dir DIR: the stages' intermediate images
  std::string only;     // --only NAME: just the files whose name contains NAME, decisions logged
  fs::path cells_dir;   // --cells-out DIR: code cells as cut, with their truth
  fs::path thumbs_dir;  // --thumbs-out DIR: the page-kind net's thumbnails, with their truth
  fs::path signed_dir;  // --signed-out DIR: the signed net's views of each row, with their truth
  bool kind_net = true, use_signed_net = true;
  IngestSettings ingest;
  GeometrySettings settings;
  for (int i = 2; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--list") {
      list = true;
    } else if (a == "--only" && i + 1 < argc) {
      only = argv[++i];
    } else if (a == "--debug-dir" && i + 1 < argc) {
      debug_dir = argv[++i];
    } else if (a == "--cells-out" && i + 1 < argc) {
      cells_dir = argv[++i];
    } else if (a == "--signed-out" && i + 1 < argc) {
      signed_dir = argv[++i];
    } else if (a == "--thumbs-out" && i + 1 < argc) {
      thumbs_dir = argv[++i];
    } else if (a == "--no-kind-net") {
      kind_net = false;
    } else if (a == "--no-signed-net") {
      use_signed_net = false;
    } else if (a == "--work-dpi" && i + 1 < argc) {
      settings.work_dpi = std::atof(argv[++i]);  // checked by validate()
    } else if (a == "--render-pdf") {
      ingest.pdf_direct_images = false;
    } else {
      std::cerr << "petiscan-geometry-eval: unknown option " << a << "\n" << usage;
      return 2;
    }
  }
  json cell_truth = json::object();
  if (!cells_dir.empty()) fs::create_directories(cells_dir);
  json thumb_truth = json::object();
  if (!thumbs_dir.empty()) fs::create_directories(thumbs_dir);
  json signed_truth = json::object();
  if (!signed_dir.empty()) fs::create_directories(signed_dir);
  spdlog::set_level(only.empty() ? spdlog::level::warn : spdlog::level::debug);
  cv::setNumThreads(1);  // one core, as the speed target says
  const json truth = json::parse(std::ifstream(dir / "truth.json"));
  settings.classify.thumbnail_every_page = !thumbs_dir.empty();
  try {
    settings.validate();
  } catch (const std::exception& e) {
    std::cerr << "petiscan-geometry-eval: " << e.what() << "\n";
    return 2;
  }
  std::unique_ptr<PageKindNet> net;
  if (kind_net) net = std::make_unique<PageKindNet>(PETISCAN_DEFAULT_MODEL_DIR);
  std::unique_ptr<SignedNet> signed_net;
  if (use_signed_net) signed_net = std::make_unique<SignedNet>(PETISCAN_DEFAULT_MODEL_DIR);

  int pages = 0, kind_ok = 0, sheets = 0, rot_ok = 0, count_exact = 0, review = 0;
  int rows = 0, rows_ok = 0, rows_low = 0;
  int code_cells_inkless = 0, codes_in_inkless_cells = 0;  // code_ink == 0, and of them with a code
  double ms_total = 0;
  std::vector<double> skew_residual, edge_residual, corner_err;
  std::map<std::string, int> kind_confusion;
  for (const auto& env : truth["envelopes"]) {
    const auto& files = env["files"];
    const auto& tpages = env["pages"];
    for (size_t i = 0; i < tpages.size(); ++i) {
      const auto& tp = tpages[i];
      const bool one_file = files.size() == 1;
      const fs::path path = dir / files[one_file ? 0 : i].get<std::string>();
      const int page_no = one_file ? static_cast<int>(i) + 1 : 1;
      if (!only.empty() && path.filename().string().find(only) == std::string::npos) continue;
      if (!only.empty()) spdlog::debug("page {}#{}", path.filename().string(), page_no);
      PageImage page;
      try {
        page = load_page(path, probe_file(path, ingest), page_no, ingest);
      } catch (const std::exception& e) {
        std::cerr << path << "#" << page_no << ": " << e.what() << "\n";
        continue;
      }
      DebugWriter debug =
          debug_dir.empty() ? DebugWriter() : DebugWriter(debug_dir, path.stem().string(), page_no);
      const double t0 = thread_cpu_ms();
      SheetGeometry g = analyze_page(page, settings, debug);
      if (net) second_look(g, *net);
      if (signed_net) decide_signed_by_net(g, *signed_net, &debug);
      const double ms = thread_cpu_ms() - t0;
      ms_total += ms;
      ++pages;
      // The CONTRACT's truth says "letter" for the letter's page 1, exported as "other".
      std::string want_kind = tp["kind"];
      if (want_kind == "letter") want_kind = "other";
      if (!thumbs_dir.empty() && !g.kind_thumbnail.empty()) {
        const std::string name = path.stem().string() + "-p" + std::to_string(page_no) + ".png";
        cv::imwrite((thumbs_dir / name).string(), g.kind_thumbnail);
        thumb_truth[name] = {{"truth", want_kind}, {"geometry", to_string(g.kind)}};
      }
      const bool kind_right = want_kind == to_string(g.kind);
      kind_ok += kind_right;
      if (!kind_right) ++kind_confusion[want_kind + "->" + to_string(g.kind)];
      std::string errors = kind_right ? "" : " kind " + std::string(to_string(g.kind));
      if (want_kind == "signatures") {
        ++sheets;
        const json& gen = tp.value("_gen", json::object());
        // _gen.rotation is the clockwise turn applied to the upright page;
        // rotation_deg the clockwise turn that undoes it.
        const int want_rot = (360 - gen.value("rotation", 0)) % 360;
        const bool rot_right = g.table_found && g.rotation_deg == want_rot;
        rot_ok += rot_right;
        if (!rot_right) errors += " rotation " + std::to_string(g.rotation_deg);
        const bool to_review =
            !g.table_found || g.rotation_confidence < settings.orient.good_confidence;
        review += to_review;
        if (to_review) errors += " review(" + g.reason + ")";
        int want_count = 0, got_count = 0, wrong_rows = 0;
        for (int r = 0; r < kRowsPerSheet; ++r) {
          const bool want = tp["rows"][r]["signed"];
          want_count += want;
          if (!g.table_found) continue;
          got_count += g.rows[r].is_signed;
          const bool ok = g.rows[r].is_signed == want;
          rows_ok += ok;
          wrong_rows += !ok;
          rows_low += g.rows[r].signed_confidence < settings.signature.good_confidence;
          if (g.rows[r].code_ink == 0) {
            ++code_cells_inkless;
            if (tp["rows"][r]["postal_code"].is_string()) {
              ++codes_in_inkless_cells;
              errors += " code_without_ink " + std::to_string(r + 1);
            }
          }
        }
        rows += kRowsPerSheet;
        if (!cells_dir.empty() && g.table_found) {
          for (int r = 0; r < kRowsPerSheet; ++r) {
            const cv::Mat cell = cut_cell(page.gray, g.rows[r].code_cell);
            if (cell.empty()) continue;
            const std::string name = path.stem().string() + "-p" + std::to_string(page_no) + "-r" +
                                     std::to_string(r + 1) + ".png";
            cv::imwrite((cells_dir / name).string(), cell);
            const json& code = tp["rows"][r]["postal_code"];
            std::string six;
            if (code.is_string())
              for (char c : code.get<std::string>())
                if (c != ' ') six += c;
            cell_truth[name] = six;
          }
        }
        if (wrong_rows) errors += " rows_wrong " + std::to_string(wrong_rows);
        const bool exact = g.table_found && got_count == want_count;
        count_exact += exact;
        if (g.table_found && gen.contains("skew_deg") && !gen.value("phone", false)) {
          skew_residual.push_back(std::abs(g.skew_deg - gen["skew_deg"].get<double>()));
        }
        bool aligned = true;  // the rows found are the truth's rows
        if (g.table_found && gen.contains("data_corners")) {
          // Truth is in the written file's pixels; a PDF page is rendered at ingest's resolution.
          const float to_page =
              env["format"] == "pdf"
                  ? static_cast<float>(page.dpi / gen.value("dpi_written", page.dpi))
                  : 1.0f;
          std::array<cv::Point2f, 4> want;
          for (int k = 0; k < 4; ++k)
            want[k] = {gen["data_corners"][k][0].get<float>(),
                       gen["data_corners"][k][1].get<float>()};
          for (auto& p : want) p *= to_page;
          const std::array<cv::Point2f, 4> got = {g.rows[0].row.pts[0], g.rows[0].row.pts[1],
                                                  g.rows[8].row.pts[2], g.rows[8].row.pts[3]};
          double d = std::abs(edge_angle(got[0], got[1]) - edge_angle(want[0], want[1]));
          d = std::min(d, 360 - d);
          edge_residual.push_back(d);
          const double row_h = cv::norm(want[3] - want[0]) / kRowsPerSheet;
          double worst = 0;
          for (int k = 0; k < 4; ++k) worst = std::max(worst, cv::norm(got[k] - want[k]) / row_h);
          corner_err.push_back(worst);
          if (worst > 0.25) errors += " corners " + std::to_string(worst).substr(0, 4);
          aligned = worst <= 0.25;
        }
        if (!signed_dir.empty() && g.table_found) {
          const json notes = gen.value("row_notes", json::array());
          for (int r = 0; r < kRowsPerSheet; ++r) {
            const std::string name = path.stem().string() + "-p" + std::to_string(page_no) + "-r" +
                                     std::to_string(r + 1) + ".png";
            cv::imwrite((signed_dir / name).string(), g.rows[r].signature_view);
            signed_truth[name] = {
                {"signed", tp["rows"][r]["signed"]},
                {"geometry", g.rows[r].is_signed},
                {"aligned", aligned},
                {"notes", r < static_cast<int>(notes.size()) ? notes[r] : json::array()}};
          }
        }
      }
      if (list && !errors.empty()) {
        std::cout << path.filename().string() << "#" << page_no << " (" << want_kind << ", "
                  << tp.value("_gen", json::object()).value("defects", json::array()).dump()
                  << "):" << errors << "\n";
      }
    }
  }
  auto share = [](int a, int b) { return b ? static_cast<double>(a) / b : 0.0; };
  const json out = {
      {"set", dir.string()},
      {"pages", pages},
      {"sheets", sheets},
      {"kind_accuracy", share(kind_ok, pages)},
      {"kind_errors", kind_confusion},
      {"rotation_accuracy", share(rot_ok, sheets)},
      {"rows_signed_accuracy", share(rows_ok, rows)},
      {"sheet_count_exact", share(count_exact, sheets)},
      {"geometry_review_rate", share(review, sheets)},
      {"rows_low_confidence", share(rows_low, rows)},
      {"code_cells_inkless", code_cells_inkless},
      {"codes_in_inkless_cells", codes_in_inkless_cells},
      {"residual_skew_median", median(skew_residual)},
      {"residual_skew_p95", percentile(skew_residual, 0.95)},
      {"edge_angle_median", median(edge_residual)},
      {"edge_angle_p95", percentile(edge_residual, 0.95)},
      {"corner_error_rows_median", median(corner_err)},
      {"corner_error_rows_max", corner_err.empty() ? 0.0 : percentile(corner_err, 1.0)},
      {"ms_per_page", pages ? ms_total / pages : 0.0},
  };
  std::cout << out.dump(1) << "\n";
  if (!cells_dir.empty()) std::ofstream(cells_dir / "cells.json") << cell_truth.dump(0) << "\n";
  if (!thumbs_dir.empty()) std::ofstream(thumbs_dir / "thumbs.json") << thumb_truth.dump(0) << "\n";
  if (!signed_dir.empty())
    std::ofstream(signed_dir / "signed.json") << signed_truth.dump(0) << "\n";
  return 0;
}
