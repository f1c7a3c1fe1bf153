// The database schema, as an ordered list of migrations. PRAGMA user_version
// holds how many have been applied. Append new migrations at the end; never
// edit one that has shipped.
#include "store/schema.h"

#include <array>
#include <string>

#include "core/errors.h"

namespace petiscan::db {

namespace {

constexpr std::array kMigrations = {
    // 1: the pipeline's records.
    R"sql(
CREATE TABLE batches (
  id          INTEGER PRIMARY KEY,
  name        TEXT NOT NULL,
  command     TEXT NOT NULL DEFAULT '',
  started_at  TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now')),
  finished_at TEXT
);
CREATE TABLE files (
  id          INTEGER PRIMARY KEY,
  sha256      TEXT NOT NULL UNIQUE,
  path        TEXT NOT NULL,
  name        TEXT NOT NULL,
  size        INTEGER NOT NULL,
  format      TEXT NOT NULL DEFAULT '',
  page_count  INTEGER,
  batch_id    INTEGER NOT NULL REFERENCES batches(id),
  status      TEXT NOT NULL CHECK (status IN ('pending', 'done', 'failed')),
  error       TEXT,
  scanned_at  TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now'))
);
CREATE TABLE pages (
  id              INTEGER PRIMARY KEY,
  file_id         INTEGER NOT NULL REFERENCES files(id),
  page_no         INTEGER NOT NULL CHECK (page_no >= 1),
  content_hash    TEXT NOT NULL,
  width           INTEGER NOT NULL DEFAULT 0,
  height          INTEGER NOT NULL DEFAULT 0,
  dpi             REAL NOT NULL DEFAULT 0,
  dpi_estimated   INTEGER NOT NULL DEFAULT 0,
  kind            TEXT NOT NULL CHECK (kind IN ('signatures', 'other', 'blank')),
  kind_confidence REAL NOT NULL DEFAULT 0,
  status          TEXT NOT NULL CHECK (status IN ('done', 'review', 'failed')),
  reason          TEXT NOT NULL DEFAULT '',
  geometry        TEXT NOT NULL DEFAULT '{}',
  fingerprint     TEXT,
  duplicate_of    INTEGER REFERENCES pages(id),
  duplicate_status TEXT CHECK (duplicate_status IN ('suspected', 'confirmed', 'rejected')),
  timings         TEXT NOT NULL DEFAULT '{}',
  version         INTEGER NOT NULL DEFAULT 1,
  processed_at    TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now')),
  UNIQUE (file_id, page_no)
);
CREATE INDEX pages_content ON pages(content_hash);
CREATE TABLE rows (
  id                INTEGER PRIMARY KEY,
  page_id           INTEGER NOT NULL REFERENCES pages(id),
  row_no            INTEGER NOT NULL CHECK (row_no BETWEEN 1 AND 9),
  signed            INTEGER NOT NULL,
  postal_code       TEXT,
  confidence        REAL NOT NULL,
  status            TEXT NOT NULL CHECK (status IN ('accepted', 'review', 'corrected')),
  reason            TEXT NOT NULL DEFAULT '',
  machine_signed    INTEGER NOT NULL,
  machine_code      TEXT,
  signed_confidence REAL NOT NULL DEFAULT 0,
  code_confidence   REAL NOT NULL DEFAULT 0,
  alternatives      TEXT NOT NULL DEFAULT '[]',
  boxes             TEXT NOT NULL DEFAULT '{}',
  version           INTEGER NOT NULL DEFAULT 1,
  UNIQUE (page_id, row_no)
);
CREATE INDEX rows_status ON rows(status, confidence);
CREATE TABLE decisions (
  id         INTEGER PRIMARY KEY,
  row_id     INTEGER REFERENCES rows(id),
  page_id    INTEGER REFERENCES pages(id),
  reviewer   TEXT NOT NULL,
  decided_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
  action     TEXT NOT NULL,
  before     TEXT NOT NULL,
  after      TEXT NOT NULL
);
CREATE INDEX decisions_row ON decisions(row_id);
)sql",
    // 2: review (pipeline/review): QA spot checks, leases of items to one
    // reviewer at a time, and undo links between decisions.
    R"sql(
CREATE TABLE qa_checks (
  id         INTEGER PRIMARY KEY,
  row_id     INTEGER NOT NULL REFERENCES rows(id),
  reviewer   TEXT NOT NULL,
  checked_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
  correct    INTEGER NOT NULL,
  note       TEXT
);
CREATE INDEX qa_checks_row ON qa_checks(row_id);
CREATE TABLE review_leases (
  item       TEXT PRIMARY KEY,
  holder     TEXT NOT NULL,
  reviewer   TEXT NOT NULL,
  expires_at REAL NOT NULL
);
ALTER TABLE decisions ADD COLUMN undone_by INTEGER REFERENCES decisions(id);
CREATE INDEX decisions_reviewer ON decisions(reviewer, id);
)sql",
    // 3: report (pipeline/aggregate, pipeline/dedup): the postal-code -> riding
    // mapping loaded by `petiscan ridings import`, and an index for finding
    // re-scans by their fingerprint's prefix (the pattern of signed rows).
    R"sql(
CREATE TABLE ridings (
  code TEXT PRIMARY KEY,
  name TEXT NOT NULL
);
CREATE TABLE riding_codes (
  postal TEXT NOT NULL,
  riding TEXT NOT NULL REFERENCES ridings(code),
  PRIMARY KEY (postal, riding)
) WITHOUT ROWID;
CREATE TABLE riding_imports (
  id          INTEGER PRIMARY KEY,
  file        TEXT NOT NULL,
  imported_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now')),
  rows_read   INTEGER NOT NULL,
  codes       INTEGER NOT NULL,
  ridings     INTEGER NOT NULL,
  ambiguous   INTEGER NOT NULL
);
CREATE INDEX pages_fingerprint ON pages(fingerprint) WHERE fingerprint IS NOT NULL;
)sql",
};

}  // namespace

int schema_version() { return static_cast<int>(kMigrations.size()); }

void migrate(Connection& conn, int target) {
  if (target < 0 || target > schema_version()) target = schema_version();
  int current = 0;
  {
    auto st = conn.prepare("PRAGMA user_version");
    if (st.step()) current = st.integer(0);
  }
  if (current > schema_version()) {
    throw DatabaseError(conn.path().string() + ": made by a newer petiscan (schema " +
                        std::to_string(current) + ", this one knows " +
                        std::to_string(schema_version()) + "); upgrade petiscan");
  }
  for (int v = current; v < target; ++v) {
    Transaction tx(conn);
    conn.exec(kMigrations[static_cast<size_t>(v)]);
    conn.exec("PRAGMA user_version = " + std::to_string(v + 1));
    tx.commit();
  }
}

}  // namespace petiscan::db
