// `petiscan status`: the totals in the terminal, from a few indexed queries.
#include <iomanip>
#include <sstream>

#include "aggregate/aggregate.h"
#include "core/i18n.h"

namespace petiscan {

namespace {

void line(std::ostream& out, const std::string& label, std::int64_t value,
          const std::string& note = "") {
  out << "  " << std::left << std::setw(44) << label << std::right << std::setw(9) << value;
  if (!note.empty()) out << "  " << note;
  out << "\n";
}

std::string percent(double p) {
  std::ostringstream s;
  s << std::fixed << std::setprecision(1) << 100.0 * p << " %";
  return s.str();
}

}  // namespace

void print_status(Store& store, std::ostream& out) {
  const Totals t = compute_totals(store);
  out << tr("Signatures", "Signatures") << "\n";
  line(out, tr("signatures comptées", "signatures counted"), t.signatures);
  line(out, tr("  dont en attente de révision", "  of which waiting for review"),
       t.signatures_in_review);
  line(out, tr("  dont avec un code postal valide", "  of which with a valid postal code"),
       t.signatures_with_code);
  if (const auto qa = compute_qa(store, t.signatures)) {
    out << "  " << tr("contrôle qualité : ", "quality check: ") << qa->wrong << "/" << qa->checked
        << tr(" lignes acceptées fausses (", " accepted rows wrong (") << percent(qa->error_rate)
        << tr(", IC 95 % ", ", 95 % CI ") << percent(qa->error_low) << " – "
        << percent(qa->error_high) << ")\n"
        << "  " << tr("total probable (95 %) : ", "likely total (95 %): ") << qa->total_low << " – "
        << qa->total_high << "\n";
  } else {
    out << "  "
        << tr("aucun contrôle qualité encore : pas de marge d'erreur",
              "no quality check yet: no error margin")
        << "\n";
  }
  out << "\n" << tr("Feuilles et fichiers", "Sheets and files") << "\n";
  line(out, tr("enveloppes", "envelopes"), t.envelopes);
  line(out, tr("fichiers", "files"), t.files);
  line(out, tr("  dont illisibles", "  of which unreadable"), t.files_unreadable);
  line(out, tr("  dont inachevés (relancer scan)", "  of which unfinished (run scan again)"),
       t.files_unfinished);
  line(out, tr("pages lues", "pages read"), t.pages);
  line(out, tr("pages illisibles", "unreadable pages"), t.pages_unreadable);
  line(out, tr("feuilles de signatures (distinctes)", "signature sheets (distinct)"), t.sheets);
  line(out, tr("re-numérisations écartées", "re-scans left out"), t.rescans,
       t.rescans_to_confirm
           ? std::to_string(t.rescans_to_confirm) + tr(" à confirmer", " to confirm")
           : "");
  out << "\n" << tr("Révision", "Review") << "\n";
  line(out, tr("lignes en attente de révision", "rows waiting for review"), t.rows_in_review);
  line(out, tr("  dont feuilles sans tableau trouvé", "  sheets whose table was not found"),
       t.sheets_unread);
  line(out, tr("lignes décidées par une personne", "rows decided by a person"), t.rows_corrected);
}

}  // namespace petiscan
