// Black-box tests of the petiscan command: every input format, every kind of
// bad input, exit codes, idempotent rescans, resume after a kill, the export.
#include <gtest/gtest.h>
#include <leptonica/allheaders.h>
#include <signal.h>
#include <sys/wait.h>

#include <algorithm>
#include <chrono>
#include <nlohmann/json.hpp>
#include <opencv2/imgcodecs.hpp>
#include <random>
#include <set>
#include <sstream>
#include <thread>

#include "store/sqlite.h"
#include "support/draw_sheet.h"
#include "support/run_binary.h"
#include "support/test_support.h"

namespace petiscan {
namespace {

namespace fs = std::filesystem;
using test::run_petiscan;
using test::TempDir;

const fs::path kIngestData = fs::path(PETISCAN_TEST_DATA) / "ingest";

test::SheetSpec spec_with(int signed_rows, int seed = 1) {
  test::SheetSpec spec;
  spec.seed = seed;
  const char* codes[] = {"H2E 2E9", "G1R 4P5", "J8Y 3C2", "H3Z 2Y7", "G6V 1K4",
                         "H1A 0A1", "J4K 5L6", "G0A 1B0", "H9X 3S2"};
  for (int i = 0; i < signed_rows; ++i) spec.rows[i] = {true, std::string(codes[(i + seed) % 9])};
  return spec;
}

PIX* pix_of(const cv::Mat& gray, int dpi) {
  PIX* pix = pixCreate(gray.cols, gray.rows, 8);
  for (int y = 0; y < gray.rows; ++y) {
    l_uint32* line = pixGetData(pix) + y * pixGetWpl(pix);
    for (int x = 0; x < gray.cols; ++x) SET_DATA_BYTE(line, x, gray.at<uchar>(y, x));
  }
  pixSetResolution(pix, dpi, dpi);
  return pix;
}

void write_pdf(const fs::path& path, const cv::Mat& gray, int dpi) {
  PIX* pix = pix_of(gray, dpi);
  l_uint8* data = nullptr;
  size_t n = 0;
  ASSERT_EQ(pixWriteMemPdf(&data, &n, pix, dpi, "sheet"), 0);
  test::write_file(path, std::string(reinterpret_cast<char*>(data), n));
  lept_free(data);
  pixDestroy(&pix);
}

// Two-page TIFF (the letter, then the sheet), 1-bit Group 4 as office scanners write.
void write_envelope_tiff(const fs::path& path, const cv::Mat& letter, const cv::Mat& sheet,
                         int dpi) {
  const char* mode = "w";
  for (const cv::Mat* page : {&letter, &sheet}) {
    PIX* gray = pix_of(*page, dpi);
    PIX* bw = pixThresholdToBinary(gray, 160);
    pixSetResolution(bw, dpi, dpi);
    ASSERT_EQ(pixWriteTiff(path.c_str(), bw, IFF_TIFF_G4, mode), 0);
    pixDestroy(&gray);
    pixDestroy(&bw);
    mode = "a";
  }
}

std::vector<nlohmann::json> export_records(const fs::path& db) {
  auto r = run_petiscan({"export", "--db", db.string(), "--format", "jsonl"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  std::vector<nlohmann::json> records;
  std::istringstream in(r.out);
  for (std::string line; std::getline(in, line);) records.push_back(nlohmann::json::parse(line));
  return records;
}

std::string export_text(const fs::path& db) {
  return run_petiscan({"export", "--db", db.string(), "--format", "jsonl"}).out;
}

class CliTest : public ::testing::Test {
 protected:
  // A folder with one envelope in each format.
  void make_batch(const fs::path& dir) {
    fs::create_directories(dir / "sub");
    const int dpi = 150;
    ASSERT_TRUE(cv::imwrite((dir / "a-sheet.png").string(), test::draw_sheet(spec_with(5, 1))));
    ASSERT_TRUE(cv::imwrite((dir / "sub" / "b-sheet.jpg").string(),
                            test::draw_sheet(spec_with(9, 2)), {cv::IMWRITE_JPEG_QUALITY, 85}));
    write_envelope_tiff(dir / "c-envelope.tif", test::draw_letter_page(dpi),
                        test::draw_sheet(spec_with(3, 3)), dpi);
    write_pdf(dir / "sub" / "d-sheet.pdf", test::draw_sheet(spec_with(0, 4)), dpi);
  }
};

TEST_F(CliTest, VersionHelpAndUsageErrors) {
  auto v = run_petiscan({"--version"});
  EXPECT_EQ(v.exit_code, 0);
  EXPECT_NE(v.out.find("petiscan"), std::string::npos);
  EXPECT_EQ(run_petiscan({}).exit_code, 2);
  EXPECT_EQ(run_petiscan({"scan", "--no-such-option"}).exit_code, 2);
  EXPECT_EQ(run_petiscan({"export", "--format", "xml"}).exit_code, 2);
  auto help = run_petiscan({"scan", "--help"});
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_NE(help.out.find("--jobs"), std::string::npos);
}

TEST_F(CliTest, ExportOfAMissingDatabaseIsADatabaseError) {
  TempDir dir;
  auto r = run_petiscan({"export", "--db", (dir / "none.db").string(), "--format", "csv"});
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_NE(r.err.find("none.db"), std::string::npos);
}

TEST_F(CliTest, ScansEveryFormatAndExportsEveryPageAndRow) {
  TempDir dir;
  make_batch(dir / "in");
  const fs::path db = dir / "p.db";
  auto r = run_petiscan({"scan", (dir / "in").string(), "--db", db.string()});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  std::map<std::string, std::string> kinds;
  std::map<std::string, int> rows;
  std::map<std::string, int> signed_rows;
  for (const auto& rec : export_records(db)) {
    const std::string key =
        rec["source"].get<std::string>() + "#" + std::to_string(rec["page"].get<int>());
    if (rec["type"] == "page") {
      kinds[key] = rec["kind"];
      EXPECT_TRUE(rec.contains("duplicate_of"));
    } else {
      ASSERT_EQ(rec["type"], "row");
      ++rows[key];
      signed_rows[key] += rec["signed"].get<bool>();
      EXPECT_GE(rec["row"].get<int>(), 1);
      EXPECT_LE(rec["row"].get<int>(), 9);
      EXPECT_TRUE(rec["status"] == "accepted" || rec["status"] == "review");
      EXPECT_GE(rec["confidence"].get<double>(), 0.0);
      EXPECT_LE(rec["confidence"].get<double>(), 1.0);
      if (!rec["postal_code"].is_null()) {
        const std::string code = rec["postal_code"];
        EXPECT_EQ(code.size(), 7u) << code;
        EXPECT_EQ(code[3], ' ') << code;
      }
    }
  }
  const std::map<std::string, std::string> expected_kinds = {{"a-sheet.png#1", "signatures"},
                                                             {"b-sheet.jpg#1", "signatures"},
                                                             {"c-envelope.tif#1", "other"},
                                                             {"c-envelope.tif#2", "signatures"},
                                                             {"d-sheet.pdf#1", "signatures"}};
  EXPECT_EQ(kinds, expected_kinds);
  for (const auto& [key, kind] : expected_kinds) {
    EXPECT_EQ(rows[key], kind == "signatures" ? 9 : 0) << key;
  }
  EXPECT_EQ(signed_rows["a-sheet.png#1"], 5);
  EXPECT_EQ(signed_rows["b-sheet.jpg#1"], 9);
  EXPECT_EQ(signed_rows["c-envelope.tif#2"], 3);
  EXPECT_EQ(signed_rows["d-sheet.pdf#1"], 0);

  // CSV carries the same rows with the CONTRACT's column names.
  auto csv = run_petiscan({"export", "--db", db.string(), "--format", "csv"});
  ASSERT_EQ(csv.exit_code, 0);
  EXPECT_EQ(csv.out.substr(0, csv.out.find('\r')),
            "source,page,row,signed,postal_code,status,confidence,reason");
  EXPECT_EQ(std::count(csv.out.begin(), csv.out.end(), '\n'), 1 + 4 * 9);
}

TEST_F(CliTest, BadInputsAreRecordedAndTheBatchCompletes) {
  TempDir dir;
  const fs::path in = dir / "in";
  fs::create_directories(in);
  ASSERT_TRUE(cv::imwrite((in / "good.png").string(), test::draw_sheet(spec_with(4))));
  test::write_file(in / "zero.png", "");
  test::write_file(in / "notes.png", "pas une image\n");
  const std::string jpeg = [&] {
    std::vector<uchar> buf;
    cv::imencode(".jpg", test::draw_sheet(spec_with(2)), buf);
    return std::string(buf.begin(), buf.end());
  }();
  test::write_file(in / "cut.jpg", jpeg.substr(0, jpeg.size() / 3));
  fs::copy_file(kIngestData / "encrypted.pdf", in / "locked.pdf");
  fs::copy_file(kIngestData / "broken_page.pdf", in / "broken.pdf");
  std::string huge("\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR\0\0\xea\x60\0\0\xea\x60\x08\0\0\0\0\0\0\0\0",
                   33);
  test::write_file(in / "huge.png", huge);

  const fs::path db = dir / "p.db";
  auto r = run_petiscan({"scan", in.string(), "--db", db.string()});
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  for (const char* name : {"zero.png", "notes.png", "cut.jpg", "locked.pdf", "huge.png"}) {
    EXPECT_NE(r.out.find(name), std::string::npos) << name << "\n" << r.out;
  }
  EXPECT_NE(r.out.find("broken.pdf, page 2"), std::string::npos) << r.out;

  // The good sheet and the broken PDF's good page were read all the same.
  std::set<std::string> pages;
  for (const auto& rec : export_records(db)) {
    if (rec["type"] == "page" && rec["status"] != "failed") {
      pages.insert(rec["source"].get<std::string>() + "#" + std::to_string(rec["page"].get<int>()));
    }
  }
  EXPECT_EQ(pages, (std::set<std::string>{"good.png#1", "broken.pdf#1"}));

  // `status` lists what could not be read, with reasons.
  auto st = run_petiscan({"status", "--db", db.string()});
  EXPECT_EQ(st.exit_code, 0);
  EXPECT_NE(st.out.find("locked.pdf"), std::string::npos) << st.out;
  EXPECT_NE(st.out.find("chiffré"), std::string::npos) << st.out;

  // Scanning again records nothing twice and still reports the failures.
  auto again = run_petiscan({"scan", in.string(), "--db", db.string()});
  EXPECT_EQ(again.exit_code, 1);
  db::Connection conn(db, db::Connection::Mode::ReadOnly);
  auto q = conn.prepare("SELECT count(*) FROM files");
  ASSERT_TRUE(q.step());
  EXPECT_EQ(q.int64(0), 7);  // good, zero, notes, cut, locked, broken, huge: each once
}

TEST_F(CliTest, ScanningTheSameFilesAgainAddsNothing) {
  TempDir dir;
  make_batch(dir / "in");
  const fs::path db = dir / "p.db";
  ASSERT_EQ(run_petiscan({"scan", (dir / "in").string(), "--db", db.string()}).exit_code, 0);
  const std::string first = export_text(db);

  auto again = run_petiscan({"scan", (dir / "in").string(), "--db", db.string()});
  EXPECT_EQ(again.exit_code, 0);
  EXPECT_NE(again.out.find("4"), std::string::npos);
  EXPECT_EQ(export_text(db), first);

  // The same bytes under another name are reported as already scanned.
  fs::copy_file(dir / "in" / "a-sheet.png", dir / "copy-of-a.png");
  auto copy = run_petiscan({"scan", (dir / "copy-of-a.png").string(), "--db", db.string()});
  EXPECT_EQ(copy.exit_code, 0);
  EXPECT_NE(copy.err.find("a-sheet.png"), std::string::npos) << copy.err;
  EXPECT_EQ(export_text(db), first);
}

TEST_F(CliTest, TheSameBytesTwiceInOneBatchAreReadOnce) {
  // One sheet saved twice under two names, in the same batch: the second
  // finds the first still pending (not read yet) and must add nothing, not
  // read its pages a second time into the first file's record.
  TempDir dir;
  fs::create_directories(dir / "in");
  ASSERT_TRUE(cv::imwrite((dir / "in" / "a.png").string(), test::draw_sheet(spec_with(4, 1))));
  fs::copy_file(dir / "in" / "a.png", dir / "in" / "a-copie.png");
  ASSERT_TRUE(cv::imwrite((dir / "in" / "b.png").string(), test::draw_sheet(spec_with(2, 2))));
  const fs::path db = dir / "p.db";
  auto r = run_petiscan({"scan", (dir / "in").string(), "--db", db.string(), "--jobs", "2"});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.err.find("a-copie.png"), std::string::npos) << r.err;
  int pages = 0, rows = 0;
  for (const auto& rec : export_records(db)) (rec["type"] == "page" ? pages : rows) += 1;
  EXPECT_EQ(pages, 2);
  EXPECT_EQ(rows, 18);
}

TEST_F(CliTest, ResultsAreTheSameWhateverTheNumberOfJobs) {
  TempDir dir;
  make_batch(dir / "in");
  ASSERT_EQ(run_petiscan(
                {"scan", (dir / "in").string(), "--db", (dir / "one.db").string(), "--jobs", "1"})
                .exit_code,
            0);
  ASSERT_EQ(run_petiscan(
                {"scan", (dir / "in").string(), "--db", (dir / "two.db").string(), "--jobs", "2"})
                .exit_code,
            0);
  EXPECT_EQ(export_text(dir / "one.db"), export_text(dir / "two.db"));
}

int count_pages(const fs::path& db) {
  try {
    db::Connection conn(db, db::Connection::Mode::ReadOnly);
    auto q = conn.prepare("SELECT count(*) FROM pages");
    return q.step() ? q.integer(0) : 0;
  } catch (const std::exception&) {
    return 0;  // not created yet, or mid-creation
  }
}

// Starts a scan and SIGKILLs it once `pages` pages are committed (or when it ends).
void scan_and_kill_after(const std::vector<std::string>& args, const fs::path& db, int pages,
                         const fs::path& log) {
  const int pid = test::spawn_petiscan(args, log);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
  while (std::chrono::steady_clock::now() < deadline && count_pages(db) < pages) {
    int status = 0;
    if (waitpid(pid, &status, WNOHANG) == pid) return;  // finished before the kill point
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  kill(pid, SIGKILL);
  int status = 0;
  waitpid(pid, &status, 0);
}

TEST_F(CliTest, AScanKilledAtRandomPointsResumesToTheSameResult) {
  TempDir dir;
  const fs::path in = dir / "in";
  fs::create_directories(in);
  constexpr int kSheets = 14;
  for (int i = 0; i < kSheets; ++i) {  // no two alike: 1 to 9 signed rows, codes shifted
    char name[32];
    std::snprintf(name, sizeof name, "sheet-%02d.png", i);
    ASSERT_TRUE(
        cv::imwrite((in / name).string(), test::draw_sheet(spec_with(1 + i % 9, i + i / 9))));
  }
  // One of them saved twice under two names: read once, even across kills.
  fs::copy_file(in / "sheet-03.png", in / "sheet-03-copie.png");
  // One multi-page file too, so a kill can land inside a file.
  write_envelope_tiff(in / "envelope.tif", test::draw_letter_page(150),
                      test::draw_sheet(spec_with(6, 20)), 150);
  const fs::path reference = dir / "reference.db";
  const auto first = run_petiscan({"scan", in.string(), "--db", reference.string()});
  ASSERT_EQ(first.exit_code, 0) << first.out << first.err;
  const std::string expected = export_text(reference);

  const fs::path db = dir / "killed.db";
  const std::vector<std::string> args = {"scan", in.string(), "--db", db.string(), "--jobs", "2"};
  // Three kills at random (seeded) points of the same batch, each rerun killed again.
  std::mt19937 rng(20261128);
  std::vector<int> kill_points;
  for (int k = 0; k < 3; ++k) kill_points.push_back(1 + static_cast<int>(rng() % (kSheets - 2)));
  std::sort(kill_points.begin(), kill_points.end());
  for (int point : kill_points) {
    scan_and_kill_after(args, db, point, dir / "log");
    EXPECT_GE(count_pages(db), std::min(point, kSheets + 2)) << "kill point " << point;
  }
  auto resumed = run_petiscan(args);
  EXPECT_EQ(resumed.exit_code, 0) << resumed.err;
  EXPECT_EQ(export_text(db), expected);

  db::Connection conn(db, db::Connection::Mode::ReadOnly);
  auto check = conn.prepare("PRAGMA integrity_check");
  ASSERT_TRUE(check.step());
  EXPECT_EQ(check.text(0), "ok");
  auto dup_pages = conn.prepare(
      "SELECT count(*) FROM (SELECT file_id, page_no FROM pages GROUP BY 1, 2 HAVING count(*) > "
      "1)");
  ASSERT_TRUE(dup_pages.step());
  EXPECT_EQ(dup_pages.int64(0), 0);
  auto rows = conn.prepare("SELECT count(*) FROM rows");
  ASSERT_TRUE(rows.step());
  EXPECT_EQ(rows.int64(0), 9 * (kSheets + 1));
  // No row twice on a page, no file twice (under its content key), every file finished.
  auto dup_rows = conn.prepare(
      "SELECT count(*) FROM (SELECT page_id, row_no FROM rows GROUP BY 1, 2 HAVING count(*) > 1)");
  ASSERT_TRUE(dup_rows.step());
  EXPECT_EQ(dup_rows.int64(0), 0);
  auto files = conn.prepare(
      "SELECT count(*), count(DISTINCT sha256), coalesce(sum(status = 'done'), 0) FROM files");
  ASSERT_TRUE(files.step());
  EXPECT_EQ(files.int64(0), kSheets + 1);
  EXPECT_EQ(files.int64(1), kSheets + 1);
  EXPECT_EQ(files.int64(2), kSheets + 1);
  // And the export itself lists each page and each row once.
  std::set<std::string> seen;
  int records = 0;
  for (const auto& rec : export_records(db)) {
    ++records;
    EXPECT_TRUE(seen.insert(rec.dump()).second) << "exported twice: " << rec.dump();
  }
  EXPECT_EQ(records, (kSheets + 2) + 9 * (kSheets + 1));  // pages (the letter too) and rows
}

}  // namespace
}  // namespace petiscan
