// The project database: schema migrations, WAL, one transaction per page.
#include "store/store.h"

#include <gtest/gtest.h>

#include "core/errors.h"
#include "store/schema.h"
#include "support/test_support.h"

namespace petiscan {
namespace {

using test::TempDir;

std::int64_t scalar(Store& store, const char* sql) {
  auto st = store.connection().prepare(sql);
  EXPECT_TRUE(st.step()) << sql;
  return st.int64(0);
}

std::vector<RowRecord> nine_rows() {
  std::vector<RowRecord> rows(9);
  for (int i = 0; i < 9; ++i) {
    rows[i].row_no = i + 1;
    rows[i].is_signed = i < 4;
    if (i < 3) rows[i].postal_code = "H2E 2E9";
    rows[i].confidence = 0.99;
    rows[i].status = i == 3 ? RowStatus::Review : RowStatus::Accepted;
  }
  return rows;
}

TEST(Store, ANewDatabaseIsMigratedToTheCurrentSchemaInWalMode) {
  TempDir dir;
  Store store(dir / "p.db");
  EXPECT_EQ(scalar(store, "PRAGMA user_version"), db::schema_version());
  auto st = store.connection().prepare("PRAGMA journal_mode");
  ASSERT_TRUE(st.step());
  EXPECT_EQ(st.text(0), "wal");
  for (const char* table : {"batches", "files", "pages", "rows", "decisions"}) {
    auto q = store.connection().prepare("SELECT count(*) FROM sqlite_master WHERE name = ?");
    q.bind(1, table);
    ASSERT_TRUE(q.step());
    EXPECT_EQ(q.int64(0), 1) << table;
  }
}

TEST(Store, ReopeningMigratesNothingAndKeepsRecords) {
  TempDir dir;
  {
    Store store(dir / "p.db");
    auto batch = store.begin_batch("b1", "petiscan scan x");
    FileRecord f;
    f.sha256 = "abc";
    f.path = "x/a.png";
    f.name = "a.png";
    store.add_file(f, batch);
  }
  Store again(dir / "p.db");
  EXPECT_EQ(scalar(again, "SELECT count(*) FROM files"), 1);
  EXPECT_EQ(scalar(again, "PRAGMA user_version"), db::schema_version());
}

TEST(Store, AnOlderSchemaIsUpgradedInPlace) {
  TempDir dir;
  {
    // A database as the first release left it: only migration 1 applied.
    db::Connection conn(dir / "old.db");
    db::migrate(conn, 1);
    conn.exec(
        "INSERT INTO batches(name) VALUES ('old'); INSERT INTO files(sha256, path, name, size, "
        "batch_id, status) VALUES ('h', 'a.png', 'a.png', 1, 1, 'done')");
  }
  Store store(dir / "old.db");
  EXPECT_EQ(scalar(store, "PRAGMA user_version"), db::schema_version());
  EXPECT_EQ(scalar(store, "SELECT count(*) FROM files WHERE sha256 = 'h'"), 1);
}

TEST(Store, ADatabaseFromANewerPetiscanIsRefused) {
  TempDir dir;
  {
    db::Connection conn(dir / "new.db");
    conn.exec("PRAGMA user_version = 999");
  }
  try {
    Store store(dir / "new.db");
    FAIL() << "expected DatabaseError";
  } catch (const DatabaseError& e) {
    EXPECT_NE(std::string(e.what()).find("newer petiscan"), std::string::npos);
    EXPECT_NE(std::string(e.what()).find("new.db"), std::string::npos);
  }
}

TEST(Store, NotADatabaseIsAClearError) {
  TempDir dir;
  test::write_file(dir / "notes.db", std::string(4096, 'x'));
  EXPECT_THROW(Store(dir / "notes.db"), DatabaseError);
}

TEST(Store, APageAndItsRowsAreSavedTogetherOrNotAtAll) {
  TempDir dir;
  Store store(dir / "p.db");
  auto batch = store.begin_batch("b", "");
  FileRecord f;
  f.sha256 = "h1";
  f.path = f.name = "a.tif";
  const auto file_id = store.add_file(f, batch);
  PageRecord page;
  page.file_id = file_id;
  page.page_no = 1;
  page.content_hash = "c1";
  page.kind = PageKind::Signatures;
  store.save_page(page, nine_rows());
  EXPECT_EQ(scalar(store, "SELECT count(*) FROM rows"), 9);
  EXPECT_EQ(store.recorded_pages(file_id), std::set<int>{1});

  // The same page again violates UNIQUE(file_id, page_no): nothing of it stays.
  auto rows = nine_rows();
  EXPECT_THROW(store.save_page(page, rows), DatabaseError);
  EXPECT_EQ(scalar(store, "SELECT count(*) FROM pages"), 1);
  EXPECT_EQ(scalar(store, "SELECT count(*) FROM rows"), 9);

  // A bad row (row 10) rolls its page back.
  page.page_no = 2;
  rows[8].row_no = 10;
  EXPECT_THROW(store.save_page(page, rows), DatabaseError);
  EXPECT_EQ(scalar(store, "SELECT count(*) FROM pages"), 1);
  EXPECT_EQ(scalar(store, "SELECT count(*) FROM rows"), 9);
}

TEST(Store, CloseFileSummarisesUnreadablePages) {
  TempDir dir;
  Store store(dir / "p.db");
  auto batch = store.begin_batch("b", "");
  FileRecord f;
  f.sha256 = "h1";
  f.path = f.name = "a.pdf";
  const auto id = store.add_file(f, batch);
  PageRecord ok;
  ok.file_id = id;
  ok.page_no = 1;
  ok.content_hash = "c1";
  store.save_page(ok, {});
  EXPECT_EQ(store.close_file(id), std::nullopt);
  EXPECT_EQ(store.find_file("h1")->status, "done");
  PageRecord bad = ok;
  bad.page_no = 2;
  bad.content_hash = "c2";
  bad.status = "failed";
  bad.reason = "the page cannot be rendered";
  store.save_page(bad, {});
  auto error = store.close_file(id);
  ASSERT_TRUE(error.has_value());
  EXPECT_EQ(*error, "page 2: the page cannot be rendered");
  EXPECT_EQ(store.find_file("h1")->status, "failed");
}

}  // namespace
}  // namespace petiscan
