// `petiscan report`: index.html well-formed (XML parser), self-contained (no
// external address, no script, no image), French by default and English on
// request; CSV tables; the PDF opened with pdftotext and its total checked.
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <regex>

#include "aggregate/ridings.h"
#include "core/errors.h"
#include "core/i18n.h"
#include "report/format.h"
#include "report/report.h"
#include "report_fixture.h"
#include "support/test_support.h"

namespace petiscan {
namespace {

using test::HandProject;
using test::sig;
using test::TempDir;
namespace fs = std::filesystem;

struct Command {
  int status = -1;
  std::string out;
};

Command run(const std::string& cmd) {
  Command c;
  FILE* p = popen((cmd + " 2>&1").c_str(), "r");
  if (!p) return c;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) c.out.append(buf, n);
  c.status = pclose(p);
  return c;
}

bool have(const char* tool) { return run(std::string("command -v ") + tool).status == 0; }

// A project of 1,234 signatures over 150 sheets with codes in a few places,
// a re-scan, rows in review, QA checks, and the sample ridings mapping.
void build_project(Store& store, int sheets = 150) {
  HandProject hp(store);
  hp.batch("boîte 1 <test> & \"guillemets\"");
  const char* codes[] = {"H2E 2E9", "H7N 1A1", "G1V 0A6", "J4Z 2B2",
                         "K1A 0B1", "H2Z 1A1", "G0A 1B0"};
  std::int64_t first = 0;
  int total = 0;
  for (int s = 0; s < sheets; ++s) {
    std::vector<test::HandRow> rows;
    const int signed_rows = 1 + s % 9;
    for (int r = 0; r < signed_rows; ++r) {
      rows.push_back(sig(r == 8 ? nullptr : codes[(s + r) % 7],
                         (s + r) % 13 == 0 ? RowStatus::Review : RowStatus::Accepted));
    }
    total += signed_rows;
    const auto id = hp.sheet(hp.file("env" + std::to_string(s) + ".png"), 1, rows);
    if (s == 0) first = id;
  }
  // A re-scan of the first sheet: not counted.
  hp.sheet(hp.file("env0-again.png"), 1, {sig(codes[0])}, first);
  auto& db = store.connection();
  db.exec(
      "INSERT INTO qa_checks(row_id, reviewer, correct) SELECT id, 'qa', 1 FROM rows "
      "WHERE status = 'accepted' LIMIT 40");
  ASSERT_GT(total, 0);
  import_ridings(store, fs::path(PETISCAN_SOURCE_DIR) / "samples" / "ridings.csv");
}

std::int64_t total_of(Store& store) { return compute_totals(store).signatures; }

TEST(Report, WritesAWellFormedSelfContainedFrenchReport) {
  TempDir dir;
  Store store(dir / "petition.db");
  build_project(store);
  set_lang(Lang::Fr);
  write_report(store, {dir / "out"});
  const fs::path html = dir / "out" / "index.html";
  ASSERT_TRUE(fs::exists(html));
  const std::string text = test::read_file(html);
  EXPECT_NE(text.find("<html lang=\"fr\""), std::string::npos);
  EXPECT_NE(text.find("Signatures comptées"), std::string::npos);
  EXPECT_NE(text.find(report::fmt_int(total_of(store))), std::string::npos);
  EXPECT_NE(text.find("<svg"), std::string::npos);
  EXPECT_NE(text.find("Fictive-Laval"), std::string::npos);
  EXPECT_NE(text.find("H2Z"), std::string::npos);  // the ambiguous code is listed apart
  // Self-contained: no address outside the file, no script, no image at all.
  for (const char* banned :
       {"http://", "https://", "<script", "<img", "data:image", "url(", "<link", "@import"}) {
    EXPECT_EQ(text.find(banned), std::string::npos) << banned;
  }
  // Well-formed: an XML parser reads it (stricter than HTML), and so does
  // Python's html.parser with every tag closed.
  if (have("xmllint")) {
    const auto r = run("xmllint --noout '" + html.string() + "'");
    EXPECT_EQ(r.status, 0) << r.out;
  }
  const std::string checker = R"PY(
import sys
from html.parser import HTMLParser
VOID = {"meta", "br", "hr", "img", "input", "link", "rect", "line", "circle", "polyline", "path"}
class P(HTMLParser):
    def __init__(self):
        super().__init__(); self.stack = []
    def handle_starttag(self, tag, attrs):
        if tag not in VOID: self.stack.append(tag)
    def handle_startendtag(self, tag, attrs): pass
    def handle_endtag(self, tag):
        if tag in VOID: return
        assert self.stack and self.stack[-1] == tag, f"</{tag}> closes {self.stack[-1:]} at {self.getpos()}"
        self.stack.pop()
p = P(); p.feed(open(sys.argv[1], encoding="utf-8").read()); p.close()
assert not p.stack, f"unclosed: {p.stack}"
print("ok")
)PY";
  test::write_file(dir / "check.py", checker);
  const auto r =
      run("/usr/bin/python3 '" + (dir / "check.py").string() + "' '" + html.string() + "'");
  EXPECT_EQ(r.status, 0) << r.out;

  // CSV files of the same tables, the total included.
  for (const char* name :
       {"totals.csv", "by_province.csv", "by_fsa.csv", "by_quebec_region.csv", "by_riding.csv",
        "ambiguous_codes.csv", "by_batch.csv", "by_day.csv", "review_left.csv"}) {
    EXPECT_TRUE(fs::exists(dir / "out" / name)) << name;
  }
  const std::string totals = test::read_file(dir / "out" / "totals.csv");
  EXPECT_NE(totals.find("\nsignatures," + std::to_string(total_of(store)) + "\n"),
            std::string::npos)
      << totals;
  EXPECT_NE(totals.find("qa_rows_checked,40"), std::string::npos);
  const std::string batches = test::read_file(dir / "out" / "by_batch.csv");
  EXPECT_NE(batches.find("\"boîte 1 <test> & \"\"guillemets\"\"\""), std::string::npos) << batches;
  // PETISCAN_KEEP_REPORT=DIR keeps a copy to look at (pdftoppm, a browser).
  if (const char* keep = std::getenv("PETISCAN_KEEP_REPORT")) {
    fs::copy(dir / "out", keep, fs::copy_options::recursive | fs::copy_options::overwrite_existing);
  }
  // No leftovers of the atomic writes.
  for (const auto& e : fs::directory_iterator(dir / "out"))
    EXPECT_NE(e.path().extension(), ".part");
}

TEST(Report, PdfCarriesTheTotalAndOneSectionPerRiding) {
  if (!have("pdftotext")) GTEST_SKIP() << "pdftotext (poppler-utils) not installed";
  TempDir dir;
  Store store(dir / "petition.db");
  build_project(store);
  set_lang(Lang::Fr);
  write_report(store, {dir / "out"});
  const fs::path pdf = dir / "out" / "rapport.pdf";
  ASSERT_TRUE(fs::exists(pdf));
  const auto r = run("pdftotext -layout '" + pdf.string() + "' -");
  ASSERT_EQ(r.status, 0) << r.out;
  const Aggregate a = compute_aggregate(store);
  // The total, as printed on the cover (French thousands separator).
  EXPECT_NE(r.out.find(report::fmt_int(a.totals.signatures)), std::string::npos)
      << r.out.substr(0, 800);
  EXPECT_NE(r.out.find("signatures"), std::string::npos);
  // One page per riding with signatures, each with its name.
  ASSERT_FALSE(a.ridings.ridings.empty());
  for (const auto& riding : a.ridings.ridings) {
    EXPECT_NE(r.out.find(riding.label), std::string::npos) << riding.label;
  }
  const auto info = run("pdfinfo '" + pdf.string() + "'");
  std::smatch m;
  ASSERT_TRUE(std::regex_search(info.out, m, std::regex(R"(Pages:\s+(\d+))"))) << info.out;
  EXPECT_GE(std::stoi(m[1]), 1 + static_cast<int>(a.ridings.ridings.size()));
  // Text and drawn bars only: no image in the PDF.
  if (have("pdfimages")) {
    const auto imgs = run("pdfimages -list '" + pdf.string() + "'");
    EXPECT_EQ(std::count(imgs.out.begin(), imgs.out.end(), '\n'), 2) << imgs.out;  // header only
  }
}

TEST(Report, EnglishOnRequest) {
  TempDir dir;
  Store store(dir / "petition.db");
  build_project(store, 20);
  set_lang(Lang::En);
  write_report(store, {dir / "out"});
  set_lang(Lang::Fr);
  const std::string text = test::read_file(dir / "out" / "index.html");
  EXPECT_NE(text.find("<html lang=\"en\""), std::string::npos);
  EXPECT_NE(text.find("Signatures counted"), std::string::npos);
  EXPECT_EQ(text.find("Signatures comptées"), std::string::npos);
  if (have("pdftotext")) {
    const auto r = run("pdftotext '" + (dir / "out" / "rapport.pdf").string() + "' -");
    EXPECT_NE(r.out.find("Petition"), std::string::npos);
  }
}

TEST(Report, SaysSoWithoutQaOrRidings) {
  TempDir dir;
  Store store(dir / "petition.db");
  HandProject hp(store);
  hp.batch("b");
  hp.sheet(hp.file("a.png"), 1, {sig("H2E 2E9")});
  set_lang(Lang::Fr);
  write_report(store, {dir / "out"});
  const std::string text = test::read_file(dir / "out" / "index.html");
  EXPECT_NE(text.find("Aucun contrôle qualité"), std::string::npos);
  EXPECT_NE(text.find("Aucune correspondance"), std::string::npos);
  EXPECT_FALSE(fs::exists(dir / "out" / "by_riding.csv"));
}

TEST(Report, UnwritableFolderIsAnOutputError) {
  TempDir dir;
  Store store(dir / "petition.db");
  test::write_file(dir / "file", "x");
  EXPECT_THROW(write_report(store, {dir / "file" / "out"}), OutputError);
}

TEST(ReportFormat, FrenchAndEnglishNumbers) {
  set_lang(Lang::Fr);
  EXPECT_EQ(report::fmt_int(1234567), "1\u202F234\u202F567");
  EXPECT_EQ(report::fmt_pct(0.025), "2,5\u00A0%");
  EXPECT_EQ(report::fmt_date("2026-11-01"), "1er novembre 2026");
  set_lang(Lang::En);
  EXPECT_EQ(report::fmt_int(1234567), "1,234,567");
  EXPECT_EQ(report::fmt_date("2026-11-28"), "November 28, 2026");
  set_lang(Lang::Fr);
  EXPECT_EQ(report::html_escape("<a & \"b\">"), "&lt;a &amp; &quot;b&quot;&gt;");
  EXPECT_EQ(report::csv_field("a,\"b\""), "\"a,\"\"b\"\"\"");
}

}  // namespace
}  // namespace petiscan
