// Golden cases of the geometry stages: tests/data/golden/<case>/ holds a
// generated page (page.png) and expected.json (its truth and tolerances),
// written on purpose by scripts/update_golden.py. A case with a KNOWN_FAILURE
// file (one line: why) is expected to fail, and its test fails once it passes.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <opencv2/imgcodecs.hpp>
#include <sstream>

#include "geometry/geometry.h"
#include "geometry/settings.h"

namespace petiscan {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;

const fs::path kGolden = fs::path(PETISCAN_TEST_DATA) / "golden";

std::vector<std::string> case_names() {
  std::vector<std::string> names;
  if (fs::exists(kGolden)) {
    for (const auto& d : fs::directory_iterator(kGolden)) {
      if (d.is_directory()) names.push_back(d.path().filename().string());
    }
  }
  std::sort(names.begin(), names.end());
  return names;
}

double edge_angle(cv::Point2f a, cv::Point2f b) {
  return std::atan2(b.y - a.y, b.x - a.x) * 180.0 / CV_PI;
}

// Every way the stages' answer differs from the case's truth, in words.
std::vector<std::string> mismatches(const fs::path& dir) {
  std::vector<std::string> out;
  auto note = [&out](const auto&... parts) {
    std::ostringstream s;
    (s << ... << parts);
    out.push_back(s.str());
  };
  const json want = json::parse(std::ifstream(dir / "expected.json"));
  const cv::Mat img = cv::imread((dir / "page.png").string(), cv::IMREAD_GRAYSCALE);
  if (img.empty()) return {"page.png unreadable"};
  PageImage page{img, want["dpi"].get<double>(), false};
  GeometrySettings settings;
  DebugWriter none;
  const SheetGeometry g = analyze_page(page, settings, none);

  if (std::string(to_string(g.kind)) != want["kind"].get<std::string>())
    note("kind ", to_string(g.kind), ", truth ", want["kind"].get<std::string>());
  if (want["kind"] != "signatures") return out;
  if (!g.table_found) {
    note("table not found: ", g.reason);
    return out;
  }
  if (g.rotation_deg != want["rotation_deg"].get<int>())
    note("rotation ", g.rotation_deg, ", truth ", want["rotation_deg"].get<int>());
  for (int r = 0; r < kRowsPerSheet; ++r) {
    if (g.rows[r].is_signed != want["signed"][r].get<bool>())
      note("row ", r + 1, " signed ", g.rows[r].is_signed, " (confidence ",
           g.rows[r].signed_confidence, ")");
  }
  // The 9 data rows' outer corners, against the truth, in row heights.
  std::array<cv::Point2f, 4> corners;
  for (int k = 0; k < 4; ++k) {
    corners[k] = {want["data_corners"][k][0].get<float>(), want["data_corners"][k][1].get<float>()};
  }
  const std::array<cv::Point2f, 4> got = {g.rows[0].row.pts[0], g.rows[0].row.pts[1],
                                          g.rows[8].row.pts[2], g.rows[8].row.pts[3]};
  const double row_h = cv::norm(corners[3] - corners[0]) / kRowsPerSheet;
  const json& tol = want["tolerance"];
  // With "side_rows", a corner's offset along the rows (sideways) has its own
  // bound: a table whose sides are not seen spans its writing.
  cv::Point2f along = corners[1] - corners[0];
  along *= 1.0f / std::max(1e-6f, std::hypot(along.x, along.y));
  for (int k = 0; k < 4; ++k) {
    const cv::Point2f off = got[k] - corners[k];
    const double sideways = std::abs(off.dot(along)) / row_h;
    const double across = std::abs(off.cross(along)) / row_h;
    const bool wrong =
        tol.contains("side_rows")
            ? across > tol["corner_rows"].get<double>() || sideways > tol["side_rows"].get<double>()
            : cv::norm(off) / row_h > tol["corner_rows"].get<double>();
    if (wrong)
      note("corner ", k, " found at ", got[k], ", truth ", corners[k], " (", across,
           " rows across, ", sideways, " along)");
  }
  double d = std::abs(edge_angle(got[0], got[1]) - edge_angle(corners[0], corners[1]));
  d = std::min(d, 360 - d);
  if (d > tol["edge_deg"].get<double>()) note("top edge off by ", d, " degrees");
  return out;
}

std::string joined(const std::vector<std::string>& lines) {
  std::string s;
  for (const auto& l : lines) s += "\n  " + l;
  return s;
}

class GoldenPage : public ::testing::TestWithParam<std::string> {};

// A case with a KNOWN_FAILURE file must still fail (the file says why); once
// the stages get it right, this test fails too, so the file is removed and the
// case guards the fix from then on.
TEST_P(GoldenPage, MatchesItsTruth) {
  const fs::path dir = kGolden / GetParam();
  const std::vector<std::string> wrong = mismatches(dir);
  if (fs::exists(dir / "KNOWN_FAILURE")) {
    std::ifstream in(dir / "KNOWN_FAILURE");
    std::string why;
    std::getline(in, why);
    std::cout << "known failure (" << why << "):" << joined(wrong) << "\n";
    EXPECT_FALSE(wrong.empty()) << "this case now matches its truth: delete "
                                << dir / "KNOWN_FAILURE";
  } else {
    EXPECT_TRUE(wrong.empty()) << joined(wrong);
  }
}

INSTANTIATE_TEST_SUITE_P(Cases, GoldenPage, ::testing::ValuesIn(case_names()),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace petiscan
