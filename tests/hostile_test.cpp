// Hostile inputs (issue 8): a corpus of more than 30 bad files, a full disk
// and a read-only database. Each gets a clear error naming the file (and
// page); nothing crashes; nothing already recorded is lost.
#include <gtest/gtest.h>
#include <sys/mount.h>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <random>

#include "store/sqlite.h"
#include "support/draw_sheet.h"
#include "support/run_binary.h"
#include "support/test_support.h"

namespace petiscan {
namespace {

namespace fs = std::filesystem;
using test::run_petiscan;
using test::TempDir;

std::string bytes_of(const cv::Mat& img, const std::string& ext) {
  std::vector<uchar> buf;
  EXPECT_TRUE(cv::imencode(ext, img, buf));
  return {buf.begin(), buf.end()};
}

std::string le32(uint32_t v) {
  return {static_cast<char>(v), static_cast<char>(v >> 8), static_cast<char>(v >> 16),
          static_cast<char>(v >> 24)};
}
std::string le16(uint16_t v) { return {static_cast<char>(v), static_cast<char>(v >> 8)}; }
std::string be32(uint32_t v) {
  return {static_cast<char>(v >> 24), static_cast<char>(v >> 16), static_cast<char>(v >> 8),
          static_cast<char>(v)};
}

std::string tiff_entry(uint16_t tag, uint32_t value) {
  return le16(tag) + le16(4) + le32(1) + le32(value);
}

const std::string kCatalog = "<< /Type /Catalog /Pages 2 0 R >>";
const std::string kPages = "<< /Type /Pages /Kids [3 0 R] /Count 1 >>";

std::string repeat(const std::string& s, int n) {
  std::string out;
  for (int i = 0; i < n; ++i) out += s;
  return out;
}

// A page tree `depth` levels deep (each /Pages node has one kid), ending in a
// page, or, with `loop`, in a kid that is the root again.
std::string deep_page_tree(int depth, bool loop) {
  std::vector<std::string> objects = {kCatalog};
  for (int k = 0; k < depth; ++k) {
    const int self = 2 + k;
    const int kid = k + 1 < depth || !loop ? self + 1 : 2;
    objects.push_back("<< /Type /Pages " +
                      (k > 0 ? "/Parent " + std::to_string(self - 1) + " 0 R " : std::string()) +
                      "/Kids [" + std::to_string(kid) + " 0 R] /Count 1 >>");
  }
  if (!loop) {
    objects.push_back("<< /Type /Page /Parent " + std::to_string(depth + 1) +
                      " 0 R /MediaBox [0 0 612 792] >>");
  }
  return test::pdf_of(objects);
}

struct Corpus {
  std::vector<std::string> bad;   // files that must be reported unreadable
  std::vector<std::string> good;  // odd but valid files that must be read
};

// Writes the corpus into `dir` and says what is expected of each file.
Corpus write_corpus(const fs::path& dir) {
  Corpus c;
  fs::create_directories(dir);
  auto bad = [&](const std::string& name, const std::string& bytes) {
    test::write_file(dir / name, bytes);
    c.bad.push_back(name);
  };
  test::SheetSpec spec;
  spec.dpi = 100;
  const cv::Mat sheet = test::draw_sheet(spec);
  const std::string png = bytes_of(sheet, ".png"), jpg = bytes_of(sheet, ".jpg");
  cv::Mat bw;
  cv::threshold(sheet, bw, 128, 255, cv::THRESH_BINARY);
  cv::imwrite((dir / "tmp.tif").string(), bw);
  const std::string tif = test::read_file(dir / "tmp.tif");
  fs::remove(dir / "tmp.tif");
  const std::string pdf =
      test::read_file(fs::path(PETISCAN_TEST_DATA) / "ingest" / "broken_page.pdf");

  bad("zero.png", "");
  bad("zero.pdf", "");
  bad("text.png", "Ceci n'est pas une image.\n");
  bad("text.pdf", "hello\n");
  std::mt19937 rng(7);
  std::string noise(4096, '\0');
  for (auto& ch : noise) ch = static_cast<char>(rng());
  bad("noise.jpg", noise);
  for (double f : {0.02, 0.3, 0.6, 0.95})
    bad("cut-" + std::to_string(int(f * 100)) + ".png", png.substr(0, png.size() * f));
  for (double f : {0.01, 0.4, 0.9})
    bad("cut-" + std::to_string(int(f * 100)) + ".jpg", jpg.substr(0, jpg.size() * f));
  bad("cut-header.tif", tif.substr(0, 12));
  bad("cut-half.pdf", pdf.substr(0, pdf.size() / 2));
  // Huge dimensions claimed in a header.
  bad("huge.png", "\x89PNG\r\n\x1a\n" + be32(13) + "IHDR" + be32(60000) + be32(60000) +
                      std::string("\x08\0\0\0\0", 5) + be32(0));
  std::string sof =
      "\xFF\xD8\xFF\xC0" + std::string("\x00\x0B\x08\xFD\xE8\xFD\xE8\x01\x01\x11\x00", 11);
  bad("huge.jpg", sof + "\xFF\xD9");
  bad("huge.tif", "II*" + std::string(1, '\0') + le32(8) + le16(4) + tiff_entry(256, 100000) +
                      tiff_entry(257, 100000) + tiff_entry(273, 70) + tiff_entry(279, 10) +
                      le32(0) + std::string(16, '\0'));
  bad("huge-page.pdf",
      test::pdf_of(
          {kCatalog, kPages, "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 14400 14400] >>"}));
  // Malformed TIFF directories.
  bad("ifd-outside.tif", "II*" + std::string(1, '\0') + le32(1u << 30));
  bad("ifd-loop.tif", "II*" + std::string(1, '\0') + le32(8) + le16(3) + tiff_entry(256, 100) +
                          tiff_entry(257, 100) + tiff_entry(273, 99999) + le32(8));
  bad("ifd-count.tif", "II*" + std::string(1, '\0') + le32(8) + le16(0xFFFF));
  bad("bad-magic.tif", "II*" + std::string(1, '\0') + std::string(64, '\xAB'));
  // PDFs: encrypted, a page tree that loops, a page that is not a page, garbage.
  fs::copy_file(fs::path(PETISCAN_TEST_DATA) / "ingest" / "encrypted.pdf", dir / "locked.pdf");
  c.bad.push_back("locked.pdf");
  bad("tree-loop.pdf", test::pdf_of({kCatalog, "<< /Type /Pages /Kids [2 0 R] /Count 1 >>"}));
  bad("garbage.pdf", "%PDF-1.7\n" + noise);
  bad("no-pages.pdf", test::pdf_of({kCatalog, "<< /Type /Pages /Kids [] /Count 0 >>"}));
  bad("deep-tree-loop.pdf", deep_page_tree(500, true));
  // Other formats under our extensions.
  bad("anim.png", "GIF89a" + noise.substr(0, 200));
  bad("bitmap.jpg", bytes_of(sheet, ".bmp"));
  bad("archive.pdf", "PK\x03\x04" + noise.substr(0, 200));
  bad("png-bad-crc.png", png.substr(0, 29) + "\xDE\xAD\xBE\xEF" + png.substr(33));
  // Odd but valid: wrong extensions, deeply nested (harmless) PDFs: arrays,
  // dictionaries, a page tree 2,000 levels deep.
  test::write_file(dir / "really-png.tif", png);
  test::write_file(dir / "really-jpeg.png", jpg);
  c.good = {"really-png.tif", "really-jpeg.png"};
  test::write_file(dir / "nested.pdf",
                   test::pdf_of({kCatalog, kPages,
                                 "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Deep " +
                                     std::string(100000, '[') + std::string(100000, ']') + " >>"}));
  c.good.push_back("nested.pdf");
  test::write_file(
      dir / "deep-dict.pdf",
      test::pdf_of({kCatalog, kPages,
                    "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources " +
                        repeat("<< /A ", 50000) + repeat(">> ", 50000) + ">>"}));
  c.good.push_back("deep-dict.pdf");
  test::write_file(dir / "deep-tree.pdf", deep_page_tree(2000, false));
  c.good.push_back("deep-tree.pdf");
  // A folder that links to itself and a link to nothing.
  fs::create_directories(dir / "sub");
  fs::create_directory_symlink(dir, dir / "sub" / "loop");
  fs::create_symlink(dir / "gone.png", dir / "dangling.png");
  return c;
}

TEST(Hostile, EveryBadFileIsReportedAndTheRestIsRead) {
  TempDir dir;
  const Corpus corpus = write_corpus(dir / "in");
  ASSERT_GE(corpus.bad.size(), 30u);
  const fs::path db = dir / "p.db";
  auto r = run_petiscan({"scan", (dir / "in").string(), "--db", db.string()});
  EXPECT_EQ(r.exit_code, 1) << r.err;
  // "file: why", or "file, page N: why" when the file opened but a page did not.
  auto reported = [&](const std::string& name) {
    return r.out.find("/" + name + ":") != std::string::npos ||
           r.out.find("/" + name + ", page") != std::string::npos;
  };
  for (const auto& name : corpus.bad) {
    EXPECT_TRUE(reported(name)) << name << " not reported:\n" << r.out;
  }
  for (const auto& name : corpus.good) {
    EXPECT_FALSE(reported(name)) << name << " reported:\n" << r.out;
  }
  db::Connection conn(db, db::Connection::Mode::ReadOnly);
  auto ok = conn.prepare("SELECT count(*) FROM files WHERE status = 'done'");
  ASSERT_TRUE(ok.step());
  EXPECT_EQ(ok.int64(0), static_cast<std::int64_t>(corpus.good.size()));

  // Again: the same failures, and nothing recorded twice.
  auto again = run_petiscan({"scan", (dir / "in").string(), "--db", db.string()});
  EXPECT_EQ(again.exit_code, 1);
  auto files = conn.prepare("SELECT count(*), count(DISTINCT path) FROM files");
  ASSERT_TRUE(files.step());
  EXPECT_EQ(files.int64(0), files.int64(1));
}

// A tmpfs of a given size, unmounted at the end. Needs root (CI runs as root).
class SmallDisk {
 public:
  SmallDisk(const fs::path& at, const std::string& size) : at_(at) {
    fs::create_directories(at);
    mounted_ = mount("tmpfs", at.c_str(), "tmpfs", 0, ("size=" + size).c_str()) == 0;
  }
  ~SmallDisk() {
    if (mounted_) umount2(at_.c_str(), MNT_DETACH);
  }
  bool mounted() const { return mounted_; }
  bool remount(unsigned long flags, const std::string& size) {
    return mount("tmpfs", at_.c_str(), "tmpfs", MS_REMOUNT | flags, ("size=" + size).c_str()) == 0;
  }

 private:
  fs::path at_;
  bool mounted_ = false;
};

TEST(Hostile, AFullDiskStopsCleanlyAndTheScanResumesOnceThereIsRoom) {
  TempDir dir;
  const fs::path in = dir / "in";
  fs::create_directories(in);
  for (int i = 0; i < 8; ++i) {
    test::SheetSpec spec;
    spec.seed = i;
    for (int r = 0; r < 9; ++r) spec.rows[r] = {r <= i, std::string("H2E 2E9")};
    std::string name = "s";  // appended to: "s" + std::to_string() trips GCC 12's -Wrestrict
    name += std::to_string(i) + ".png";
    cv::imwrite((in / name).string(), test::draw_sheet(spec));
  }
  const fs::path reference = dir / "reference.db";
  ASSERT_EQ(run_petiscan({"scan", in.string(), "--db", reference.string()}).exit_code, 0);

  SmallDisk disk(dir / "disk", "96k");
  if (!disk.mounted()) GTEST_SKIP() << "cannot mount a tmpfs here (needs root)";
  const fs::path db = dir / "disk" / "p.db";
  auto full = run_petiscan({"scan", in.string(), "--db", db.string(), "--jobs", "1"});
  EXPECT_EQ(full.exit_code, 3) << full.out << full.err;
  EXPECT_NE(full.err.find("full"), std::string::npos)
      << full.err;  // SQLite: "database or disk is full"

  ASSERT_TRUE(disk.remount(0, "64m"));
  auto resumed = run_petiscan({"scan", in.string(), "--db", db.string()});
  EXPECT_EQ(resumed.exit_code, 0) << resumed.err;
  auto exp = [&](const fs::path& p) {
    return run_petiscan({"export", "--db", p.string(), "--format", "jsonl"}).out;
  };
  EXPECT_EQ(exp(db), exp(reference));
  db::Connection conn(db, db::Connection::Mode::ReadOnly);
  auto check = conn.prepare("PRAGMA integrity_check");
  ASSERT_TRUE(check.step());
  EXPECT_EQ(check.text(0), "ok");
}

TEST(Hostile, AReadOnlyDatabaseIsAClearErrorAndStaysIntact) {
  TempDir dir;
  SmallDisk disk(dir / "disk", "16m");
  if (!disk.mounted()) GTEST_SKIP() << "cannot mount a tmpfs here (needs root)";
  const fs::path in = dir / "in";
  fs::create_directories(in);
  cv::imwrite((in / "a.png").string(), test::draw_sheet({}));
  const fs::path db = dir / "disk" / "p.db";
  ASSERT_EQ(run_petiscan({"scan", in.string(), "--db", db.string()}).exit_code, 0);
  const std::string before = test::read_file(db);
  ASSERT_TRUE(disk.remount(MS_RDONLY, "16m"));
  cv::imwrite((in / "b.png").string(), test::draw_sheet({}));
  auto r = run_petiscan({"scan", in.string(), "--db", db.string()});
  EXPECT_EQ(r.exit_code, 3) << r.out << r.err;
  EXPECT_NE(r.err.find("p.db"), std::string::npos) << r.err;
  EXPECT_EQ(test::read_file(db), before);
}

}  // namespace
}  // namespace petiscan
