// Aggregation over a database built by hand: totals, re-scans left out, rows in
// review shown apart, places, ridings (ambiguous codes counted once), QA error
// bars, and review decisions changing the numbers at once.
#include <gtest/gtest.h>

#include <chrono>
#include <numeric>
#include <sstream>

#include "aggregate/aggregate.h"
#include "aggregate/regions.h"
#include "aggregate/ridings.h"
#include "core/errors.h"
#include "core/i18n.h"
#include "driver/decide.h"
#include "report_fixture.h"
#include "support/test_support.h"

namespace petiscan {
namespace {

using test::HandProject;
using test::sig;
using test::TempDir;
constexpr auto kReview = RowStatus::Review;

const GroupCount* find(const std::vector<GroupCount>& groups, const std::string& key) {
  for (const auto& g : groups) {
    if (g.key == key) return &g;
  }
  return nullptr;
}

// Two batches; env1 is one file per page (a letter page and a sheet), env2 a
// two-sheet file whose second page re-scans the first, env3 unreadable, env4
// a sheet whose table was not found plus a re-scan a reviewer rejected.
struct Fixture {
  TempDir dir;
  Store store{dir / "p.db"};
  HandProject hp{store};
  std::int64_t sheet1 = 0, sheet2 = 0, rescan = 0, unread = 0, rejected = 0;

  Fixture() {
    hp.batch("boîte 1");
    hp.other_page(hp.file("env1_p1.png"), 1);
    sheet1 = hp.sheet(hp.file("env1_p2.png"), 1,
                      {sig("H2E 2E9"), sig("H2E 2E9"), sig("H7N 1A1", kReview), sig(),
                       test::empty_row(), sig("K1A 0B1")});
    const auto env2 = hp.file("env2.tif");
    sheet2 = hp.sheet(env2, 1, {sig("G1V 0A6"), sig("J0K 1A0"), sig("H2E 2E9")});
    rescan = hp.sheet(env2, 2, {sig("G1V 0A6"), sig("J0K 1A0"), sig("H2E 2E9")}, sheet2);
    hp.file("env3.pdf", "failed");
    hp.batch("boîte 2");
    const auto env4 = hp.file("env4.tif");
    unread = hp.sheet(env4, 1, std::vector<test::HandRow>(9, test::HandRow{false, {}, kReview}),
                      std::nullopt, "review");
    rejected = hp.sheet(env4, 2, {sig("H3Z 2Y7")}, sheet1);
    store.connection()
        .prepare("UPDATE pages SET duplicate_status = 'rejected' WHERE id = ?")
        .bind(1, rejected)
        .run();
  }
};

TEST(AggregateTotals, CountEachSheetOnceAndShowReviewApart) {
  Fixture f;
  const Totals t = compute_totals(f.store);
  EXPECT_EQ(t.files, 5);
  EXPECT_EQ(t.envelopes, 4);  // env1_p1 + env1_p2 are one envelope
  EXPECT_EQ(t.files_unreadable, 1);
  EXPECT_EQ(t.pages, 6);
  EXPECT_EQ(t.sheets, 4);  // sheet1, sheet2, the unread sheet, the rejected re-scan
  EXPECT_EQ(t.sheets_unread, 1);
  EXPECT_EQ(t.rescans, 1);
  EXPECT_EQ(t.rescans_to_confirm, 1);
  EXPECT_EQ(t.signatures, 5 + 3 + 1);
  EXPECT_EQ(t.signatures_in_review, 1);
  EXPECT_EQ(t.signatures_with_code, 4 + 3 + 1);
  EXPECT_EQ(t.rows_in_review, 1 + 9);
}

TEST(AggregateTotals, ReviewDecisionsChangeTheNumbersAtOnce) {
  Fixture f;
  auto& db = f.store.connection();
  const auto before = compute_totals(f.store);
  // A reviewer says row 4 of sheet 1 carries no signature ...
  db.prepare("UPDATE rows SET signed = 0, status = 'corrected' WHERE id = ?")
      .bind(1, f.hp.row_id(f.sheet1, 4))
      .run();
  // ... and that the suspected re-scan is a different sheet after all.
  db.prepare("UPDATE pages SET duplicate_status = 'rejected' WHERE id = ?").bind(1, f.rescan).run();
  const auto after = compute_totals(f.store);
  EXPECT_EQ(after.signatures, before.signatures - 1 + 3);
  EXPECT_EQ(after.rescans, 0);
  EXPECT_EQ(after.rows_corrected, before.rows_corrected + 1);
  // A confirmed re-scan stays out.
  db.prepare("UPDATE pages SET duplicate_status = 'confirmed' WHERE id = ?")
      .bind(1, f.rescan)
      .run();
  EXPECT_EQ(compute_totals(f.store).signatures, before.signatures - 1);
}

TEST(AggregatePlaces, ByProvinceFsaAndQuebecArea) {
  Fixture f;
  set_lang(Lang::Fr);
  const Aggregate a = compute_aggregate(f.store);
  ASSERT_NE(find(a.by_province, "QC"), nullptr);
  EXPECT_EQ(find(a.by_province, "QC")->signatures, 7);
  EXPECT_EQ(find(a.by_province, "ON")->signatures, 1);
  EXPECT_EQ(find(a.by_province, "~none")->signatures, 1);
  EXPECT_EQ(find(a.by_fsa, "H2E")->signatures, 3);
  EXPECT_EQ(find(a.by_fsa, "H7N")->in_review, 1);
  EXPECT_EQ(find(a.by_letter, "H")->signatures, 5);
  EXPECT_EQ(find(a.by_quebec_area, "montreal")->signatures, 4);  // H2E x3, H3Z
  EXPECT_EQ(find(a.by_quebec_area, "montreal")->label, "Montréal (île)");
  EXPECT_EQ(find(a.by_quebec_area, "laval")->signatures, 1);
  EXPECT_EQ(find(a.by_quebec_area, "quebec-city")->signatures, 1);
  EXPECT_EQ(find(a.by_quebec_area, "west-rural")->signatures, 1);
  EXPECT_EQ(find(a.by_quebec_area, "ON"), nullptr);
  // Every counted signature is in exactly one province line.
  const auto sum =
      std::accumulate(a.by_province.begin(), a.by_province.end(), std::int64_t{0},
                      [](std::int64_t s, const GroupCount& g) { return s + g.signatures; });
  EXPECT_EQ(sum, a.totals.signatures);
  ASSERT_EQ(a.by_batch.size(), 2u);
  EXPECT_EQ(a.by_batch[0].signatures, 8);
  EXPECT_EQ(a.by_batch[1].signatures, 1);
  ASSERT_EQ(a.by_day.size(), 1u);
  EXPECT_EQ(a.by_day[0].cumulative, 9);
  ASSERT_FALSE(a.review_left.empty());
  EXPECT_EQ(a.review_left[0].rows, 10);
  EXPECT_FALSE(a.qa.has_value());
  EXPECT_FALSE(a.ridings.mapping_loaded);
}

TEST(AggregatePlaces, PostalGrammarAndQuebecAreas) {
  EXPECT_EQ(canonical_postal_code("h2e2e9"), "H2E 2E9");
  EXPECT_EQ(canonical_postal_code("H2E-2E9"), "H2E 2E9");
  EXPECT_FALSE(canonical_postal_code("D2E 2E9"));  // D never starts a code
  EXPECT_FALSE(canonical_postal_code("H2E 2O9"));  // O is never used
  EXPECT_EQ(canonical_fsa("g1v"), "G1V");
  EXPECT_EQ(quebec_area_of("H9X")->key, "montreal");
  EXPECT_EQ(quebec_area_of("H0M")->key, "akwesasne");
  EXPECT_EQ(quebec_area_of("H0H")->key, "quebec-unknown");  // Santa Claus
  EXPECT_EQ(quebec_area_of("G2N")->key, "quebec-city");
  EXPECT_EQ(quebec_area_of("G5L")->key, "east-other");
  EXPECT_EQ(quebec_area_of("J8Y")->key, "west-other");
  EXPECT_FALSE(quebec_area_of("K1A"));
  EXPECT_EQ(province_of('x')->key, "NT-NU");
}

TEST(AggregateRidings, AmbiguousCodesAreCountedOnceAndApart) {
  Fixture f;
  // Latin-1, ';', a title line above the header, quoted names, Elections
  // Québec-like column names, one FSA in two ridings, one full code that
  // overrides its FSA.
  const std::string csv =
      "Liste des codes postaux;;\n"
      "Code postal;Code de la circonscription;Nom de la circonscription\n"
      "H2E;346;\"Rosemont\"\n"
      "H2E 2E9;347;Gouin\n"
      "H7N;400;Laval-des-Rapides\n"
      "G1V;500;Jean-Talon\n"
      "G1V;501;Louis-H\xE9"
      "bert\n"
      "K1A 0B1;;\n";
  test::write_file(f.dir / "ridings.csv", csv);
  const auto imp = import_ridings(f.store, f.dir / "ridings.csv");
  EXPECT_EQ(imp.rows_read, 6);
  EXPECT_EQ(imp.codes, 4);
  EXPECT_EQ(imp.ridings, 5);
  EXPECT_EQ(imp.ambiguous_codes, 1);
  ASSERT_EQ(imp.warnings.size(), 1u);  // the line without a riding
  EXPECT_NE(imp.warnings[0].find("ridings.csv:8"), std::string::npos) << imp.warnings[0];

  const Aggregate a = compute_aggregate(f.store);
  ASSERT_TRUE(a.ridings.mapping_loaded);
  EXPECT_EQ(find(a.ridings.ridings, "347")->signatures, 3);  // full code H2E 2E9 wins
  EXPECT_EQ(find(a.ridings.ridings, "346"), nullptr);
  EXPECT_EQ(find(a.ridings.ridings, "400")->signatures, 1);
  EXPECT_EQ(find(a.ridings.ridings, "500"), nullptr);
  EXPECT_EQ(a.ridings.ambiguous, 1);  // G1V 0A6, once
  ASSERT_EQ(a.ridings.ambiguous_codes.size(), 1u);
  EXPECT_EQ(a.ridings.ambiguous_codes[0].code, "G1V");
  EXPECT_EQ(a.ridings.ambiguous_codes[0].ridings.size(), 2u);
  EXPECT_EQ(a.ridings.ambiguous_codes[0].ridings[1], "501 Louis-Hébert");  // Latin-1 read
  EXPECT_EQ(a.ridings.outside_mapping, 3);  // J0K 1A0, K1A 0B1, H3Z 2Y7
  EXPECT_EQ(a.ridings.without_code, 1);
  std::int64_t sum = a.ridings.ambiguous + a.ridings.outside_mapping + a.ridings.without_code;
  for (const auto& r : a.ridings.ridings) sum += r.signatures;
  EXPECT_EQ(sum, a.totals.signatures);  // never counted twice

  // A second import replaces the first.
  test::write_file(f.dir / "r2.csv", "postal_code,riding_code,riding_name\nH2E,9,Neuf\n");
  EXPECT_EQ(import_ridings(f.store, f.dir / "r2.csv").ridings, 1);
  EXPECT_EQ(compute_aggregate(f.store).ridings.ridings_in_mapping, 1);
}

TEST(AggregateRidings, BadFilesAreRefusedWithFileAndLine) {
  Fixture f;
  test::write_file(f.dir / "no-header.csv", "a;b;c\n1;2;3\n");
  try {
    import_ridings(f.store, f.dir / "no-header.csv");
    FAIL() << "no header accepted";
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("no-header.csv:1"), std::string::npos) << e.what();
  }
  test::write_file(f.dir / "junk.csv", "code postal;circonscription\nhello;X\nworld;Y\nH2E;Z\n");
  try {
    import_ridings(f.store, f.dir / "junk.csv");
    FAIL() << "mostly junk accepted";
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("junk.csv:2"), std::string::npos) << e.what();
  }
  EXPECT_THROW(import_ridings(f.store, f.dir / "missing.csv"), UsageError);
}

TEST(AggregateQa, WilsonIntervalAndTotalRange) {
  auto [lo, hi] = wilson_interval(2, 20);
  EXPECT_NEAR(lo, 0.0279, 1e-3);
  EXPECT_NEAR(hi, 0.3010, 1e-3);
  std::tie(lo, hi) = wilson_interval(0, 50);
  EXPECT_NEAR(lo, 0.0, 1e-12);
  EXPECT_NEAR(hi, 0.0713, 1e-3);

  Fixture f;
  auto& db = f.store.connection();
  // 4 accepted rows checked; one was wrong on its code only, one on its signature.
  auto check = [&](std::int64_t row, bool correct) {
    db.prepare("INSERT INTO qa_checks(row_id, reviewer, correct) VALUES (?, 'qa', ?)")
        .bind(1, row)
        .bind(2, correct)
        .run();
  };
  auto decision = [&](std::int64_t row, const char* before, const char* after) {
    db.prepare(
          "INSERT INTO decisions(row_id, reviewer, action, before, after) "
          "VALUES (?, 'qa', 'qa_correct', ?, ?)")
        .bind(1, row)
        .bind(2, before)
        .bind(3, after)
        .run();
  };
  check(f.hp.row_id(f.sheet1, 1), true);
  check(f.hp.row_id(f.sheet1, 2), true);
  check(f.hp.row_id(f.sheet2, 1), false);
  decision(f.hp.row_id(f.sheet2, 1), R"({"signed":true,"postal_code":"G1V 0A6"})",
           R"({"signed":true,"postal_code":"G1V 0A7"})");
  check(f.hp.row_id(f.sheet1, 5), false);
  decision(f.hp.row_id(f.sheet1, 5), R"({"signed":false,"postal_code":null})",
           R"({"signed":true,"postal_code":null})");
  const auto qa = compute_qa(f.store, 9);
  ASSERT_TRUE(qa);
  EXPECT_EQ(qa->checked, 4);
  EXPECT_EQ(qa->wrong, 2);
  EXPECT_EQ(qa->wrong_signed, 1);
  EXPECT_NEAR(qa->error_rate, 0.5, 1e-9);
  const auto [slo, shi] = wilson_interval(1, 4);
  EXPECT_NEAR(qa->signed_error_high, shi, 1e-12);
  // Accepted rows on counted sheets not yet checked: 4 sheets' accepted rows minus 4.
  EXPECT_EQ(qa->accepted_unchecked, 8 + 9 + 9 - 4);
  const auto margin = static_cast<std::int64_t>(std::ceil(22 * shi));
  EXPECT_EQ(qa->total_low, std::max<std::int64_t>(0, 9 - margin));
  EXPECT_EQ(qa->total_high, 9 + margin);
}

TEST(AggregateStatus, PrintsTheTotalsInFrenchAndEnglish) {
  Fixture f;
  std::ostringstream fr, en;
  set_lang(Lang::Fr);
  print_status(f.store, fr);
  set_lang(Lang::En);
  print_status(f.store, en);
  set_lang(Lang::Fr);
  EXPECT_NE(fr.str().find("signatures comptées"), std::string::npos) << fr.str();
  EXPECT_NE(fr.str().find("aucun contrôle qualité"), std::string::npos);
  EXPECT_NE(en.str().find("signatures counted"), std::string::npos) << en.str();
  EXPECT_NE(en.str().find(" 9\n"), std::string::npos) << en.str();
}

TEST(ReviewReasons, AnUncertainOrientationSendsEveryRowToReviewWithItsReason) {
  // A sheet read with every row sure, but which way up is in doubt.
  std::vector<RowResult> rows;
  for (int i = 1; i <= 9; ++i) {
    PostalReading reading;
    reading.blank = i > 3;
    reading.code = i > 3 ? std::nullopt : std::optional<std::string>("H2X 1Y4");
    reading.confidence = 0.999;
    RowGeometry g;
    g.is_signed = i <= 4;
    g.signed_confidence = 0.999;
    rows.push_back(decide_row(i, g, reading, 0.98, 0.9));
  }
  EXPECT_EQ(rows[0].status, RowStatus::Accepted);
  EXPECT_EQ(rows[3].reason, reason::kSignatureWithoutCode);
  send_rows_to_review(rows, reason::kUncertainOrientation);
  for (const auto& r : rows) {
    EXPECT_EQ(r.status, RowStatus::Review) << r.index;
    EXPECT_EQ(r.reason.rfind("uncertain_orientation", 0), 0u) << r.reason;
  }
  EXPECT_EQ(rows[3].reason, "uncertain_orientation,signature_without_code");
  // The reviewer reads it in words, French first.
  set_lang(Lang::Fr);
  EXPECT_EQ(review_reason_label(reason::kUncertainOrientation), "sens de la feuille incertain");
  set_lang(Lang::En);
  EXPECT_EQ(review_reason_label(reason::kUncertainOrientation), "uncertain sheet orientation");
  set_lang(Lang::Fr);
}

TEST(AggregateStatus, TotalsALargeProject) {
  // 20,000 sheets (180,000 rows): a big petition. Status must stay well under a second.
  TempDir dir;
  Store store(dir / "big.db");
  auto& db = store.connection();
  {
    db::Transaction tx(db);
    const auto batch = store.begin_batch("big", "test");
    auto file = db.prepare(
        "INSERT INTO files(sha256, path, name, size, batch_id, status) VALUES (?, ?, ?, 1, ?, "
        "'done')");
    auto page = db.prepare(
        "INSERT INTO pages(file_id, page_no, content_hash, kind, status) VALUES (?, 1, ?, "
        "'signatures', 'done')");
    auto row = db.prepare(
        "INSERT INTO rows(page_id, row_no, signed, postal_code, confidence, status, "
        "machine_signed) VALUES (?, ?, ?, ?, 0.99, ?, 0)");
    for (int s = 0; s < 20000; ++s) {
      const std::string name = "env" + std::to_string(s) + ".png";
      file.bind(1, "sha" + name).bind(2, name).bind(3, name).bind(4, batch).run();
      file.reset();
      page.bind(1, db.last_insert_id()).bind(2, "h" + name).run();
      page.reset();
      const auto page_id = db.last_insert_id();
      for (int r = 1; r <= 9; ++r) {
        // "H<r>A <s>B1", written in place (GCC 12 warns, wrongly, of
        // overlapping copies in "literal" + std::to_string(): -Wrestrict).
        std::string code = "H0A 0B1";
        code[1] = static_cast<char>('0' + r);
        code[4] = static_cast<char>('0' + s % 10);
        row.bind(1, page_id)
            .bind(2, r)
            .bind(3, r <= 6)
            .bind(4, code)
            .bind(5, r == 7 ? "review" : "accepted")
            .run();
        row.reset();
      }
    }
    tx.commit();
  }
  std::ostringstream out;
  const auto t0 = std::chrono::steady_clock::now();
  print_status(store, out);
  const double ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  EXPECT_EQ(compute_totals(store).signatures, 120000);
  // Printed, not asserted: no timed unit tests (the figure is quoted from here
  // and from scripts/bench, on a quiet machine).
  std::cout << "status on 20,000 sheets: " << ms << " ms\n";
}

}  // namespace
}  // namespace petiscan
