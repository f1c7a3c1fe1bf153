// The counts a committee can trust, computed from the project database at call
// time (so every review decision shows at once).
//
// What is counted: the signed rows of signature sheets, each physical sheet
// once. A sheet recognised as a re-scan of an earlier one (pages.duplicate_of
// set, unless a reviewer rejected the match) is left out. Rows still waiting
// for review count with the machine's reading, and are also shown apart.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "store/store.h"

namespace petiscan {

struct Totals {
  std::int64_t envelopes = 0;             // files grouped by envelope (see envelope_key())
  std::int64_t files = 0;                 // files recorded, readable or not
  std::int64_t files_unreadable = 0;      // files that could not be read (status failed)
  std::int64_t files_unfinished = 0;      // files a scan did not finish (status pending)
  std::int64_t pages = 0;                 // pages read
  std::int64_t pages_unreadable = 0;      // pages that could not be decoded
  std::int64_t sheets = 0;                // distinct signature sheets (re-scans left out)
  std::int64_t sheets_unread = 0;         // of which the table was not found (rows to review)
  std::int64_t rescans = 0;               // sheets left out as re-scans of another one
  std::int64_t rescans_to_confirm = 0;    // of which no reviewer has confirmed the match yet
  std::int64_t signatures = 0;            // signed rows on distinct sheets
  std::int64_t signatures_in_review = 0;  // of which still waiting for review
  std::int64_t signatures_with_code = 0;  // of which with a valid postal code
  std::int64_t rows_in_review = 0;        // rows of distinct sheets waiting for review
  std::int64_t rows_corrected = 0;        // rows a person decided
};

// One line of a table "where the signatures come from".
struct GroupCount {
  std::string key;    // stable key: "H2E", "QC", "montreal", a riding's code ...
  std::string label;  // shown to people, in the current language
  std::int64_t signatures = 0;
  std::int64_t in_review = 0;  // of which still waiting for review
};

// A postal code (or FSA) that maps to several ridings: its signatures are
// counted once, under "ambiguous", never in any riding.
struct AmbiguousCode {
  std::string code;
  std::vector<std::string> ridings;  // "code name"
  std::int64_t signatures = 0;
};

struct RidingCounts {
  bool mapping_loaded = false;
  std::string source;  // file of the last import, and when
  std::int64_t ridings_in_mapping = 0;
  std::vector<GroupCount> ridings;  // ridings with at least one signature, most first
  // For each riding's key: its signatures by FSA (key = FSA, label = Quebec area).
  std::map<std::string, std::vector<GroupCount>> fsas_by_riding;
  std::int64_t ambiguous = 0;  // signatures whose code maps to several ridings
  std::int64_t ambiguous_in_review = 0;
  std::vector<AmbiguousCode> ambiguous_codes;
  std::int64_t outside_mapping = 0;  // signatures with a valid code the mapping lacks
  std::int64_t outside_in_review = 0;
  std::int64_t without_code = 0;  // signatures without a valid code
  std::int64_t without_code_in_review = 0;
};

// The QA estimate: reviewers check a random sample of rows the machine
// accepted (review issue); the share found wrong estimates the error among
// all accepted rows, with a 95 % Wilson score interval.
struct QaEstimate {
  std::int64_t checked = 0;
  std::int64_t wrong = 0;         // signed or code wrong
  std::int64_t wrong_signed = 0;  // of which the signed decision was wrong
  double error_rate = 0, error_low = 0, error_high = 0;
  double signed_error_rate = 0, signed_error_low = 0, signed_error_high = 0;
  std::int64_t accepted_unchecked = 0;  // accepted rows no one has looked at
  // The signature total's 95 % range: each accepted row whose signed decision
  // is wrong moves the total by one, in either direction.
  std::int64_t total_low = 0, total_high = 0;
};

struct BatchCount {
  std::int64_t id = 0;
  std::string name;
  std::string started_at;
  std::int64_t files = 0;
  std::int64_t sheets = 0;
  std::int64_t signatures = 0;
  std::int64_t in_review = 0;
};

struct DayCount {
  std::string date;                // YYYY-MM-DD (UTC)
  std::int64_t sheets = 0;         // distinct sheets scanned that day
  std::int64_t signatures = 0;     // their signatures
  std::int64_t cumulative = 0;     // signatures scanned up to that day
  std::int64_t rows_reviewed = 0;  // rows decided by a person that day
};

struct ReviewLeft {
  std::string reason;  // machine word, e.g. "uncertain_code"
  std::string label;   // in the current language
  std::int64_t rows = 0;
};

struct Aggregate {
  std::string computed_at;  // UTC, ISO 8601
  Totals totals;
  std::vector<GroupCount> by_province;  // by first letter's province
  std::vector<GroupCount> by_letter;    // by first letter
  std::vector<GroupCount> by_fsa;
  std::vector<GroupCount> by_quebec_area;  // Quebec codes only
  RidingCounts ridings;
  std::vector<BatchCount> by_batch;
  std::vector<DayCount> by_day;
  std::vector<ReviewLeft> review_left;
  std::optional<QaEstimate> qa;  // nullopt: no QA check yet
};

// Only the totals (what `petiscan status` prints), a few indexed queries.
Totals compute_totals(Store& store);
// Everything the report shows.
Aggregate compute_aggregate(Store& store);
std::optional<QaEstimate> compute_qa(Store& store, std::int64_t signatures);

// Files of one envelope: a file per envelope, or one file per page named
// "<envelope>_p<N>" / "<envelope>-page<N>" in the same batch. Returns the key
// grouping `file_name` within its batch.
std::string envelope_key(const std::string& file_name);

// 95 % Wilson score interval for `successes` out of `trials`: {low, high}.
std::pair<double, double> wilson_interval(std::int64_t successes, std::int64_t trials);

// A review reason word in the current language.
std::string review_reason_label(const std::string& reason);

// `petiscan status`: the totals in the terminal.
void print_status(Store& store, std::ostream& out);

}  // namespace petiscan
