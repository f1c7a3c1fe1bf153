#include "driver/health.h"

#include "core/i18n.h"

namespace petiscan {

void print_scan_health(Store& store, std::ostream& out) {
  auto& db = store.connection();
  auto count = [&](const char* sql) {
    auto st = db.prepare(sql);
    return st.step() ? st.int64(0) : 0;
  };
  const auto files_done = count("SELECT count(*) FROM files WHERE status = 'done'");
  const auto files_pending = count("SELECT count(*) FROM files WHERE status = 'pending'");
  const auto files_failed = count("SELECT count(*) FROM files WHERE status = 'failed'");
  const auto pages = count("SELECT count(*) FROM pages WHERE status != 'failed'");
  const auto pages_failed = count("SELECT count(*) FROM pages WHERE status = 'failed'");
  const auto sheets_unread =
      count("SELECT count(*) FROM pages WHERE kind = 'signatures' AND status = 'review'");
  out << tr("Numérisation", "Scanning") << "\n"
      << "  " << tr("fichiers lus", "files read") << " : " << files_done << "\n"
      << "  "
      << tr("fichiers inachevés (relancer scan pour reprendre)",
            "files unfinished (run scan again to resume)")
      << " : " << files_pending << "\n"
      << "  " << tr("fichiers en erreur", "files with errors") << " : " << files_failed << "\n"
      << "  " << tr("pages lues", "pages read") << " : " << pages << "\n"
      << "  " << tr("pages illisibles", "unreadable pages") << " : " << pages_failed << "\n"
      << "  "
      << tr("feuilles dont le tableau n'a pas été trouvé (à réviser)",
            "sheets whose table was not found (to review)")
      << " : " << sheets_unread << "\n";
  if (files_failed == 0) return;
  out << "\n" << tr("Ce qui n'a pas pu être lu :", "What could not be read:") << "\n";
  auto st = db.prepare(
      "SELECT path, coalesce(error, '') FROM files WHERE status = 'failed' ORDER BY path");
  while (st.step()) out << "  " << st.text(0) << " : " << st.text(1) << "\n";
}

}  // namespace petiscan
