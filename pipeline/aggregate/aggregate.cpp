#include "aggregate/aggregate.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <regex>
#include <set>

#include "aggregate/regions.h"
#include "aggregate/ridings.h"
#include "core/i18n.h"

namespace petiscan {

namespace {

// A page whose rows are counted: a signature sheet that is not a re-scan of an
// earlier one (unless a reviewer said the match was wrong).
constexpr const char* kCountedPage =
    "p.kind = 'signatures' AND p.status != 'failed' "
    "AND (p.duplicate_of IS NULL OR p.duplicate_status = 'rejected')";
// A sheet left out as a re-scan.
constexpr const char* kRescanPage =
    "p.kind = 'signatures' AND p.status != 'failed' AND p.duplicate_of IS NOT NULL "
    "AND coalesce(p.duplicate_status, 'suspected') != 'rejected'";
// The store keeps canonical codes or NULL; the pattern guards hand-made rows.
constexpr const char* kValidCode = "r.postal_code GLOB '[A-Z][0-9][A-Z] [0-9][A-Z][0-9]'";

// 1.96: the standard normal quantile for a two-sided 95 % interval.
constexpr double kZ95 = 1.959963984540054;

std::int64_t int_or_zero(db::Statement& st, int column) {
  return st.is_null(column) ? 0 : st.int64(column);
}

bool has_table(db::Connection& db, const char* name) {
  auto st = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?");
  st.bind(1, name);
  return st.step();
}

bool has_column(db::Connection& db, const char* table, const char* column) {
  auto st =
      db.prepare(std::string("SELECT 1 FROM pragma_table_info('") + table + "') WHERE name = ?");
  st.bind(1, column);
  return st.step();
}

std::string now_utc() {
  std::time_t t = std::time(nullptr);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&t));
  return buf;
}

void add_to(std::map<std::string, GroupCount>& groups, const std::string& key,
            const std::string& label, std::int64_t n, std::int64_t review) {
  auto& g = groups[key];
  g.key = key;
  g.label = label;
  g.signatures += n;
  g.in_review += review;
}

// Most signatures first, then by key: the order people read a table in.
std::vector<GroupCount> sorted_by_count(const std::map<std::string, GroupCount>& groups) {
  std::vector<GroupCount> out;
  for (const auto& [key, g] : groups) out.push_back(g);
  std::stable_sort(out.begin(), out.end(), [](const GroupCount& a, const GroupCount& b) {
    return a.signatures > b.signatures;
  });
  return out;
}

std::vector<GroupCount> sorted_by_key(const std::map<std::string, GroupCount>& groups) {
  std::vector<GroupCount> out;
  for (const auto& [key, g] : groups) out.push_back(g);
  return out;
}

}  // namespace

std::pair<double, double> wilson_interval(std::int64_t successes, std::int64_t trials) {
  if (trials <= 0) return {0.0, 1.0};
  const double n = static_cast<double>(trials);
  const double p = static_cast<double>(successes) / n;
  const double z2 = kZ95 * kZ95;
  const double denom = 1 + z2 / n;
  const double centre = (p + z2 / (2 * n)) / denom;
  const double half = kZ95 * std::sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / denom;
  return {std::max(0.0, centre - half), std::min(1.0, centre + half)};
}

std::string envelope_key(const std::string& file_name) {
  // "env0003_p2.png", "env0003-page-2.jpg" -> "env0003"; anything else is its own envelope.
  static const std::regex kPageSuffix(R"(^(.+?)[_\- ](?:p|page|pg)[_\-]?\d{1,4}$)",
                                      std::regex::icase);
  std::string stem = file_name;
  if (const auto dot = stem.find_last_of('.'); dot != std::string::npos && dot > 0) {
    stem = stem.substr(0, dot);
  }
  std::smatch m;
  if (std::regex_match(stem, m, kPageSuffix)) return m[1].str();
  return file_name;
}

std::string review_reason_label(const std::string& reason) {
  struct Label {
    const char* reason;
    const char* fr;
    const char* en;
  };
  static constexpr Label kLabels[] = {
      {"table_not_found", "tableau introuvable sur la feuille", "table not found on the sheet"},
      {"uncertain_orientation", "sens de la feuille incertain", "uncertain sheet orientation"},
      {"uncertain_signature", "signature incertaine", "uncertain signature"},
      {"uncertain_code", "code postal incertain", "uncertain postal code"},
      {"signature_without_code", "signature sans code postal", "signature without a postal code"},
      {"code_without_signature", "code postal sans signature", "postal code without a signature"},
  };
  for (const auto& l : kLabels) {
    if (reason == l.reason) return tr(l.fr, l.en);
  }
  return reason.empty() ? tr("autre", "other") : reason;
}

Totals compute_totals(Store& store) {
  auto& db = store.connection();
  Totals t;
  {
    auto st =
        db.prepare("SELECT count(*), sum(status = 'failed'), sum(status = 'pending') FROM files");
    if (st.step()) {
      t.files = int_or_zero(st, 0);
      t.files_unreadable = int_or_zero(st, 1);
      t.files_unfinished = int_or_zero(st, 2);
    }
  }
  {
    std::set<std::pair<std::int64_t, std::string>> envelopes;
    auto st = db.prepare("SELECT batch_id, name FROM files");
    while (st.step()) envelopes.emplace(st.int64(0), envelope_key(st.text(1)));
    t.envelopes = static_cast<std::int64_t>(envelopes.size());
  }
  {
    auto st =
        db.prepare(std::string("SELECT sum(p.status != 'failed'), sum(p.status = 'failed'), "
                               "sum(") +
                   kCountedPage + "), sum((" + kCountedPage + ") AND p.status = 'review'), sum(" +
                   kRescanPage + "), sum((" + kRescanPage +
                   ") AND coalesce(p.duplicate_status, 'suspected') = 'suspected') "
                   "FROM pages p");
    if (st.step()) {
      t.pages = int_or_zero(st, 0);
      t.pages_unreadable = int_or_zero(st, 1);
      t.sheets = int_or_zero(st, 2);
      t.sheets_unread = int_or_zero(st, 3);
      t.rescans = int_or_zero(st, 4);
      t.rescans_to_confirm = int_or_zero(st, 5);
    }
  }
  {
    auto st = db.prepare(std::string("SELECT sum(r.signed), sum(r.signed AND r.status = 'review'), "
                                     "sum(r.signed AND ") +
                         kValidCode +
                         "), sum(r.status = 'review'), sum(r.status = 'corrected') "
                         "FROM rows r JOIN pages p ON p.id = r.page_id WHERE " +
                         kCountedPage);
    if (st.step()) {
      t.signatures = int_or_zero(st, 0);
      t.signatures_in_review = int_or_zero(st, 1);
      t.signatures_with_code = int_or_zero(st, 2);
      t.rows_in_review = int_or_zero(st, 3);
      t.rows_corrected = int_or_zero(st, 4);
    }
  }
  return t;
}

std::optional<QaEstimate> compute_qa(Store& store, std::int64_t signatures) {
  auto& db = store.connection();
  if (!has_table(db, "qa_checks")) return std::nullopt;
  QaEstimate qa;
  {
    auto st = db.prepare("SELECT count(*), coalesce(sum(correct = 0), 0) FROM qa_checks");
    if (st.step()) {
      qa.checked = st.int64(0);
      qa.wrong = st.int64(1);
    }
  }
  if (qa.checked == 0) return std::nullopt;
  {
    // A wrong row found by QA is corrected at once (decision 'qa_correct');
    // its before/after say whether the signed decision itself was wrong. A
    // wrong check without that decision counts as a signed error (cautious).
    const bool undo_column = has_column(db, "decisions", "undone_by");
    auto st = db.prepare(
        std::string("SELECT count(*) FROM qa_checks q WHERE q.correct = 0 AND NOT EXISTS ("
                    "SELECT 1 FROM decisions d WHERE d.row_id = q.row_id AND d.action = "
                    "'qa_correct' ") +
        (undo_column ? "AND d.undone_by IS NULL " : "") +
        "AND json_extract(d.before, '$.signed') = "
        "json_extract(d.after, '$.signed'))");
    if (st.step()) qa.wrong_signed = st.int64(0);
  }
  qa.error_rate = static_cast<double>(qa.wrong) / static_cast<double>(qa.checked);
  std::tie(qa.error_low, qa.error_high) = wilson_interval(qa.wrong, qa.checked);
  qa.signed_error_rate = static_cast<double>(qa.wrong_signed) / static_cast<double>(qa.checked);
  std::tie(qa.signed_error_low, qa.signed_error_high) =
      wilson_interval(qa.wrong_signed, qa.checked);
  {
    auto st = db.prepare(std::string("SELECT count(*) FROM rows r JOIN pages p ON p.id = r.page_id "
                                     "WHERE r.status = 'accepted' AND ") +
                         kCountedPage +
                         " AND NOT EXISTS (SELECT 1 FROM qa_checks q WHERE q.row_id = r.id)");
    if (st.step()) qa.accepted_unchecked = st.int64(0);
  }
  const auto margin = static_cast<std::int64_t>(
      std::ceil(static_cast<double>(qa.accepted_unchecked) * qa.signed_error_high));
  qa.total_low = std::max<std::int64_t>(0, signatures - margin);
  qa.total_high = signatures + margin;
  return qa;
}

Aggregate compute_aggregate(Store& store) {
  auto& db = store.connection();
  Aggregate a;
  a.computed_at = now_utc();
  a.totals = compute_totals(store);

  // Where the signatures come from: one query grouped by code, then each
  // distinct code is placed (province, FSA, area, riding) in C++.
  std::map<std::string, GroupCount> provinces, letters, fsas, areas;
  RidingLookup ridings(db);
  a.ridings.mapping_loaded = ridings.loaded();
  a.ridings.source = ridings.source();
  a.ridings.ridings_in_mapping = ridings.riding_count();
  std::map<std::string, GroupCount> by_riding;
  std::map<std::string, std::map<std::string, GroupCount>> riding_fsas;
  {
    auto st = db.prepare(
        std::string("SELECT r.postal_code, count(*), sum(r.status = 'review') "
                    "FROM rows r JOIN pages p ON p.id = r.page_id WHERE r.signed = 1 AND ") +
        kCountedPage + " GROUP BY r.postal_code");
    while (st.step()) {
      const auto n = st.int64(1);
      const auto review = int_or_zero(st, 2);
      const auto code = st.is_null(0) ? std::nullopt : canonical_postal_code(st.text(0));
      if (!code) {
        const std::string none = tr("sans code postal valide", "without a valid postal code");
        add_to(provinces, "~none", none, n, review);
        add_to(letters, "~none", none, n, review);
        add_to(fsas, "~none", none, n, review);
        a.ridings.without_code += n;
        a.ridings.without_code_in_review += review;
        continue;
      }
      const std::string fsa = code->substr(0, 3);
      const auto province = province_of((*code)[0]);  // valid codes always have one
      add_to(provinces, province->key, province->text(), n, review);
      add_to(letters, fsa.substr(0, 1), fsa.substr(0, 1) + " — " + province->text(), n, review);
      const auto area = quebec_area_of(fsa);
      add_to(fsas, fsa, area ? area->text() : province->text(), n, review);
      if (area) add_to(areas, area->key, area->text(), n, review);
      if (!ridings.loaded()) continue;
      const auto match = ridings.find(*code);
      if (match.empty()) {
        a.ridings.outside_mapping += n;
        a.ridings.outside_in_review += review;
      } else if (match.size() == 1) {
        add_to(by_riding, match[0].code, match[0].name, n, review);
        add_to(riding_fsas[match[0].code], fsa, area ? area->text() : province->text(), n, review);
      } else {
        a.ridings.ambiguous += n;
        a.ridings.ambiguous_in_review += review;
        AmbiguousCode amb;
        amb.code = match.front().matched;
        amb.signatures = n;
        for (const auto& m : match) amb.ridings.push_back(m.code + " " + m.name);
        auto same = std::find_if(a.ridings.ambiguous_codes.begin(), a.ridings.ambiguous_codes.end(),
                                 [&](const AmbiguousCode& c) { return c.code == amb.code; });
        if (same != a.ridings.ambiguous_codes.end())
          same->signatures += n;  // several full codes of one ambiguous FSA
        else
          a.ridings.ambiguous_codes.push_back(std::move(amb));
      }
    }
  }
  a.by_province = sorted_by_count(provinces);
  a.by_letter = sorted_by_key(letters);
  a.by_fsa = sorted_by_key(fsas);
  a.by_quebec_area = sorted_by_count(areas);
  a.ridings.ridings = sorted_by_count(by_riding);
  for (const auto& [riding, groups] : riding_fsas) {
    a.ridings.fsas_by_riding[riding] = sorted_by_count(groups);
  }
  std::sort(a.ridings.ambiguous_codes.begin(), a.ridings.ambiguous_codes.end(),
            [](const AmbiguousCode& x, const AmbiguousCode& y) { return x.code < y.code; });

  // By batch.
  {
    std::map<std::int64_t, BatchCount> batches;
    auto st = db.prepare(
        "SELECT b.id, b.name, b.started_at, count(f.id) FROM batches b "
        "JOIN files f ON f.batch_id = b.id GROUP BY b.id");
    while (st.step()) {
      auto& b = batches[st.int64(0)];
      b.id = st.int64(0);
      b.name = st.text(1);
      b.started_at = st.text(2);
      b.files = st.int64(3);
    }
    auto rows = db.prepare(
        std::string("SELECT f.batch_id, count(DISTINCT p.id), sum(r.signed), "
                    "sum(r.signed AND r.status = 'review') FROM pages p "
                    "JOIN files f ON f.id = p.file_id JOIN rows r ON r.page_id = p.id WHERE ") +
        kCountedPage + " GROUP BY f.batch_id");
    while (rows.step()) {
      auto& b = batches[rows.int64(0)];
      b.sheets = rows.int64(1);
      b.signatures = int_or_zero(rows, 2);
      b.in_review = int_or_zero(rows, 3);
    }
    for (auto& [id, b] : batches) a.by_batch.push_back(b);
  }

  // Progress over time: sheets scanned and rows reviewed, by day.
  {
    std::map<std::string, DayCount> days;
    auto st =
        db.prepare(std::string("SELECT date(p.processed_at), count(DISTINCT p.id), sum(r.signed) "
                               "FROM pages p JOIN rows r ON r.page_id = p.id WHERE ") +
                   kCountedPage + " GROUP BY 1");
    while (st.step()) {
      auto& d = days[st.text(0)];
      d.sheets = st.int64(1);
      d.signatures = int_or_zero(st, 2);
    }
    const bool undo_column = has_column(db, "decisions", "undone_by");
    auto rev = db.prepare(std::string("SELECT date(decided_at), count(DISTINCT row_id) FROM "
                                      "decisions WHERE row_id IS NOT NULL AND action != 'undo'") +
                          (undo_column ? " AND undone_by IS NULL" : "") + " GROUP BY 1");
    while (rev.step()) days[rev.text(0)].rows_reviewed = rev.int64(1);
    std::int64_t cumulative = 0;
    for (auto& [date, d] : days) {
      d.date = date;
      cumulative += d.signatures;
      d.cumulative = cumulative;
      a.by_day.push_back(d);
    }
  }

  // What is left to review, by reason.
  {
    std::map<std::string, std::int64_t> reasons;
    auto st = db.prepare(std::string("SELECT r.reason, count(*) FROM rows r JOIN pages p ON p.id "
                                     "= r.page_id WHERE r.status = 'review' AND ") +
                         kCountedPage + " GROUP BY r.reason");
    while (st.step()) {
      // A row may carry several reasons ("a,b"): it is listed under the first.
      std::string reason = st.text(0);
      reason = reason.substr(0, reason.find(','));
      reasons[reason] += st.int64(1);
    }
    for (const auto& [reason, n] : reasons) {
      a.review_left.push_back({reason, review_reason_label(reason), n});
    }
    std::stable_sort(a.review_left.begin(), a.review_left.end(),
                     [](const ReviewLeft& x, const ReviewLeft& y) { return x.rows > y.rows; });
  }

  a.qa = compute_qa(store, a.totals.signatures);
  return a;
}

}  // namespace petiscan
