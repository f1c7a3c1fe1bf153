// index.html: one self-contained page (inline CSS and SVG, no script, no
// external address), written as well-formed XHTML-compatible markup so that
// any XML parser can check it.
#include <sstream>

#include "core/i18n.h"
#include "report/format.h"
#include "report/report.h"

namespace petiscan::report {

namespace {

constexpr const char* kCss = R"css(
:root { --ink: #1d3557; --soft: #a8c5e0; --muted: #5c6470; --line: #d9dee5; --bg: #f6f8fa; }
* { box-sizing: border-box; }
body { margin: 0; font: 16px/1.5 "DejaVu Sans", "Segoe UI", Helvetica, Arial, sans-serif;
       color: #1b1f24; background: #fff; }
main { max-width: 1000px; margin: 0 auto; padding: 32px 24px 64px; }
header h1 { margin: 0 0 4px; font-size: 28px; color: var(--ink); }
header p { margin: 0; color: var(--muted); }
h2 { margin: 40px 0 12px; font-size: 21px; color: var(--ink); border-bottom: 2px solid var(--line);
     padding-bottom: 6px; }
.hero { display: flex; flex-wrap: wrap; gap: 24px; align-items: stretch; margin-top: 24px; }
.total { flex: 1 1 320px; background: var(--ink); color: #fff; border-radius: 10px; padding: 24px 28px; }
.total .n { font-size: 64px; font-weight: bold; line-height: 1.1; }
.total .sub { opacity: .9; }
.cards { flex: 2 1 480px; display: grid; grid-template-columns: repeat(3, 1fr); gap: 12px; }
.card { background: var(--bg); border: 1px solid var(--line); border-radius: 8px; padding: 12px 14px; }
.card .n { font-size: 24px; font-weight: bold; color: var(--ink); }
.card .t { color: var(--muted); font-size: 14px; }
.note { background: #fff8e6; border-left: 4px solid #e0a800; padding: 10px 14px; margin: 12px 0; }
.ok { background: #eef7ee; border-left: 4px solid #3c8d3c; padding: 10px 14px; margin: 12px 0; }
table { border-collapse: collapse; width: 100%; margin: 8px 0 4px; font-size: 15px; }
th, td { text-align: left; padding: 6px 10px; border-bottom: 1px solid var(--line); }
th { background: var(--bg); color: var(--muted); font-weight: normal; font-size: 14px; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
tr.apart td { color: var(--muted); font-style: italic; }
.chart { max-width: 100%; height: auto; }
.chart .lbl { font-size: 14px; fill: #1b1f24; }
.chart .val { font-size: 14px; fill: var(--ink); font-weight: bold; }
.chart .ax { font-size: 12px; fill: var(--muted); }
.legend span { display: inline-block; width: 12px; height: 12px; margin: 0 6px 0 14px;
               vertical-align: -1px; }
.scroll { max-height: 480px; overflow-y: auto; border: 1px solid var(--line); border-radius: 6px; }
footer { margin-top: 48px; color: var(--muted); font-size: 14px; }
@media print { .scroll { max-height: none; overflow: visible; border: 0; } h2 { break-after: avoid; } }
)css";

std::string esc(const std::string& s) { return html_escape(s); }

void card(std::ostringstream& h, std::int64_t n, const std::string& label) {
  h << "<div class=\"card\"><div class=\"n\">" << fmt_int(n) << "</div><div class=\"t\">"
    << esc(label) << "</div></div>";
}

void group_table(std::ostringstream& h, const std::vector<GroupCount>& groups,
                 const std::string& key_header, bool show_key_and_label) {
  h << "<table><thead><tr><th>" << esc(key_header) << "</th>";
  if (show_key_and_label) h << "<th></th>";
  h << "<th class=\"num\">" << esc(tr("Signatures", "Signatures")) << "</th><th class=\"num\">"
    << esc(tr("dont en révision", "of which in review")) << "</th></tr></thead><tbody>";
  for (const auto& g : groups) {
    const bool apart = !g.key.empty() && g.key[0] == '~';
    h << "<tr" << (apart ? " class=\"apart\"" : "") << "><td>"
      << esc(show_key_and_label && !apart ? g.key : g.label) << "</td>";
    if (show_key_and_label) h << "<td>" << (apart ? "" : esc(g.label)) << "</td>";
    h << "<td class=\"num\">" << fmt_int(g.signatures) << "</td><td class=\"num\">"
      << fmt_int(g.in_review) << "</td></tr>";
  }
  h << "</tbody></table>";
}

}  // namespace

std::string render_html(const Aggregate& a, const std::string& project_name) {
  const Totals& t = a.totals;
  const bool fr = current_lang() == Lang::Fr;
  std::ostringstream h;
  h << "<!DOCTYPE html>\n<html lang=\"" << (fr ? "fr" : "en")
    << "\"><head><meta charset=\"utf-8\"/>"
    << "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"/>"
    << "<title>" << esc(tr("Décompte des signatures", "Signature count")) << " — "
    << esc(project_name) << "</title><style>" << kCss << "</style></head><body><main>";

  // Title and the total.
  h << "<header><h1>"
    << esc(tr("Décompte des signatures de la pétition", "Petition signature count")) << "</h1><p>"
    << esc(project_name) << " · " << esc(tr("calculé le ", "computed on "))
    << esc(fmt_timestamp(a.computed_at)) << "</p></header>";
  h << "<section class=\"hero\"><div class=\"total\"><div>"
    << esc(tr("Signatures comptées", "Signatures counted")) << "</div><div class=\"n\">"
    << fmt_int(t.signatures) << "</div><div class=\"sub\">";
  if (a.qa) {
    h << esc(tr("Intervalle à 95 % : ", "95 % range: ")) << fmt_int(a.qa->total_low) << " – "
      << fmt_int(a.qa->total_high) << "<br/>";
  }
  h << fmt_int(t.signatures_with_code) << " "
    << esc(tr("avec un code postal valide", "with a valid postal code")) << "<br/>"
    << fmt_int(t.signatures_in_review) << " "
    << esc(tr("encore en révision (lecture de la machine)", "still in review (machine reading)"))
    << "</div></div><div class=\"cards\">";
  card(h, t.sheets, tr("feuilles de signatures distinctes", "distinct signature sheets"));
  card(h, t.envelopes, tr("enveloppes", "envelopes"));
  card(h, t.files, tr("fichiers numérisés", "files scanned"));
  card(h, t.pages, tr("pages lues", "pages read"));
  card(h, t.rescans, tr("re-numérisations écartées", "re-scans left out"));
  card(h, t.files_unreadable, tr("fichiers illisibles", "unreadable files"));
  card(h, t.rows_in_review, tr("lignes à réviser", "rows to review"));
  card(h, t.rows_corrected, tr("lignes révisées", "rows reviewed"));
  card(h, a.ridings.mapping_loaded ? static_cast<std::int64_t>(a.ridings.ridings.size()) : 0,
       tr("circonscriptions représentées", "ridings represented"));
  h << "</div></section>";

  // How sure we are.
  h << "<h2>" << esc(tr("Marge d'erreur", "Error margin")) << "</h2>";
  if (a.qa) {
    const auto& q = *a.qa;
    h << "<div class=\"ok\"><p>"
      << esc(tr("Contrôle qualité : des bénévoles ont revérifié au hasard ",
                "Quality check: volunteers re-checked at random "))
      << fmt_int(q.checked)
      << esc(tr(" lignes acceptées automatiquement ; ", " rows accepted automatically; "))
      << fmt_int(q.wrong) << esc(tr(" étaient fausses (", " were wrong (")) << fmt_pct(q.error_rate)
      << esc(tr(", intervalle de confiance à 95 % : ", ", 95 % confidence interval: "))
      << fmt_pct(q.error_low) << " – " << fmt_pct(q.error_high) << ").</p><p>"
      << fmt_int(q.wrong_signed)
      << esc(tr(" de ces erreurs portaient sur la présence d'une signature (",
                " of these errors were about whether a row is signed ("))
      << fmt_pct(q.signed_error_low) << " – " << fmt_pct(q.signed_error_high)
      << esc(tr(" à 95 %). Appliqué aux ", " at 95 %). Applied to the "))
      << fmt_int(q.accepted_unchecked)
      << esc(tr(" lignes acceptées non revérifiées, le total se situe entre ",
                " accepted rows not re-checked, the total lies between "))
      << "<strong>" << fmt_int(q.total_low) << esc(tr(" et ", " and ")) << fmt_int(q.total_high)
      << "</strong>" << esc(tr(" (intervalle de Wilson, 95 %).", " (Wilson interval, 95 %)."))
      << "</p></div>";
  } else {
    h << "<div class=\"note\">"
      << esc(tr(
             "Aucun contrôle qualité n'a encore été fait : ce rapport ne peut pas donner de marge "
             "d'erreur. Faites revérifier un échantillon de lignes acceptées dans l'outil de "
             "révision (mode « contrôle qualité »).",
             "No quality check has been done yet: this report cannot give an error margin. Have "
             "a sample of accepted rows re-checked in the review tool (\"quality check\" mode)."))
      << "</div>";
  }
  if (t.signatures_in_review > 0) {
    h << "<div class=\"note\">" << fmt_int(t.signatures_in_review)
      << esc(tr(
             " signatures attendent encore une révision : elles sont comptées selon la lecture de "
             "la machine et montrées à part (en clair dans les graphiques).",
             " signatures still wait for review: they are counted as the machine read them and "
             "shown apart (light in the charts)."))
      << "</div>";
  }

  // Where the signatures come from.
  h << "<h2>" << esc(tr("Par région du Québec", "By Quebec region")) << "</h2>";
  {
    std::vector<Bar> bars;
    for (const auto& g : a.by_quebec_area) bars.push_back({g.label, g.signatures, g.in_review});
    if (bars.empty()) {
      h << "<p>"
        << esc(tr("Aucune signature avec un code postal du Québec.",
                  "No signature with a Quebec postal code."))
        << "</p>";
    } else {
      h << svg_bar_chart(bars,
                         tr("Signatures par région du Québec", "Signatures by Quebec region"));
      h << "<p class=\"legend\"><span style=\"background:#1d3557\"></span>"
        << esc(tr("décidées", "decided")) << "<span style=\"background:#a8c5e0\"></span>"
        << esc(tr("en révision", "in review")) << "</p>";
      h << "<p style=\"color:#5c6470;font-size:14px\">"
        << esc(tr("Régions tirées des trois premiers caractères du code postal (RTA) d'après la "
                  "structure des codes de Postes Canada : H7 = Laval, autres H = île de Montréal, "
                  "G1 et G2 = ville de Québec, un 0 en deuxième position = secteur rural.",
                  "Regions from the postal code's first three characters (FSA) following Canada "
                  "Post's structure: H7 = Laval, other H = island of Montreal, G1 and G2 = Québec "
                  "City, a 0 in second place = rural area."))
        << "</p>";
    }
  }
  h << "<h2>" << esc(tr("Par province", "By province")) << "</h2>";
  group_table(h, a.by_province, tr("Province", "Province"), false);

  // Ridings.
  h << "<h2>" << esc(tr("Par circonscription", "By riding")) << "</h2>";
  const auto& rd = a.ridings;
  if (!rd.mapping_loaded) {
    h << "<div class=\"note\">"
      << esc(tr("Aucune correspondance codes postaux → circonscriptions n'a été importée "
                "(petiscan ridings import FICHIER.csv).",
                "No postal code → riding mapping has been imported (petiscan ridings import "
                "FILE.csv)."))
      << "</div>";
  } else {
    h << "<p>" << esc(tr("Correspondance : ", "Mapping: ")) << esc(rd.source) << " · "
      << fmt_int(rd.ridings_in_mapping) << esc(tr(" circonscriptions", " ridings")) << "</p>";
    std::vector<GroupCount> rows;
    for (const auto& r : rd.ridings) {
      GroupCount g = r;
      rows.push_back(g);
    }
    rows.push_back({"~ambiguous",
                    tr("code ambigu (plusieurs circonscriptions), compté une fois",
                       "ambiguous code (several ridings), counted once"),
                    rd.ambiguous, rd.ambiguous_in_review});
    rows.push_back({"~outside", tr("code absent de la correspondance", "code not in the mapping"),
                    rd.outside_mapping, rd.outside_in_review});
    rows.push_back({"~none", tr("sans code postal valide", "without a valid postal code"),
                    rd.without_code, rd.without_code_in_review});
    h << "<div class=\"scroll\">";
    group_table(h, rows, tr("Circonscription", "Riding"), true);
    h << "</div>";
    if (!rd.ambiguous_codes.empty()) {
      h << "<p>" << esc(tr("Codes ambigus :", "Ambiguous codes:")) << "</p><table><thead><tr><th>"
        << esc(tr("Code", "Code")) << "</th><th>"
        << esc(tr("Circonscriptions possibles", "Possible ridings")) << "</th><th class=\"num\">"
        << esc(tr("Signatures", "Signatures")) << "</th></tr></thead><tbody>";
      for (const auto& c : rd.ambiguous_codes) {
        std::string list;
        for (const auto& r : c.ridings) list += (list.empty() ? "" : " · ") + r;
        h << "<tr><td>" << esc(c.code) << "</td><td>" << esc(list) << "</td><td class=\"num\">"
          << fmt_int(c.signatures) << "</td></tr>";
      }
      h << "</tbody></table>";
    }
  }

  h << "<h2>"
    << esc(tr("Par région de tri d'acheminement (RTA)", "By forward sortation area (FSA)"))
    << "</h2><div class=\"scroll\">";
  group_table(h, a.by_fsa, tr("RTA", "FSA"), true);
  h << "</div>";

  // Progress.
  h << "<h2>" << esc(tr("Progression", "Progress")) << "</h2>";
  if (a.by_day.empty()) {
    h << "<p>" << esc(tr("Rien n'a encore été numérisé.", "Nothing scanned yet.")) << "</p>";
  } else {
    h << svg_progress_chart(a.by_day, tr("Signatures numérisées par jour et cumul",
                                         "Signatures scanned per day and running total"));
    h << "<table><thead><tr><th>" << esc(tr("Jour", "Day")) << "</th><th class=\"num\">"
      << esc(tr("Feuilles", "Sheets")) << "</th><th class=\"num\">"
      << esc(tr("Signatures", "Signatures")) << "</th><th class=\"num\">"
      << esc(tr("Cumul", "Running total")) << "</th><th class=\"num\">"
      << esc(tr("Lignes révisées", "Rows reviewed")) << "</th></tr></thead><tbody>";
    for (const auto& d : a.by_day) {
      h << "<tr><td>" << esc(fmt_date(d.date)) << "</td><td class=\"num\">" << fmt_int(d.sheets)
        << "</td><td class=\"num\">" << fmt_int(d.signatures) << "</td><td class=\"num\">"
        << fmt_int(d.cumulative) << "</td><td class=\"num\">" << fmt_int(d.rows_reviewed)
        << "</td></tr>";
    }
    h << "</tbody></table>";
  }
  h << "<h2>" << esc(tr("Par lot de numérisation", "By scanning batch"))
    << "</h2><table><thead><tr><th>" << esc(tr("Lot", "Batch")) << "</th><th>"
    << esc(tr("Début", "Started")) << "</th><th class=\"num\">" << esc(tr("Fichiers", "Files"))
    << "</th><th class=\"num\">" << esc(tr("Feuilles", "Sheets")) << "</th><th class=\"num\">"
    << esc(tr("Signatures", "Signatures")) << "</th><th class=\"num\">"
    << esc(tr("dont en révision", "of which in review")) << "</th></tr></thead><tbody>";
  for (const auto& b : a.by_batch) {
    h << "<tr><td>" << esc(b.name) << "</td><td>" << esc(fmt_timestamp(b.started_at))
      << "</td><td class=\"num\">" << fmt_int(b.files) << "</td><td class=\"num\">"
      << fmt_int(b.sheets) << "</td><td class=\"num\">" << fmt_int(b.signatures)
      << "</td><td class=\"num\">" << fmt_int(b.in_review) << "</td></tr>";
  }
  h << "</tbody></table>";

  // What is left.
  h << "<h2>" << esc(tr("Reste à réviser", "Left to review")) << "</h2>";
  if (a.review_left.empty() && t.rescans_to_confirm == 0) {
    h << "<div class=\"ok\">" << esc(tr("Tout a été révisé.", "Everything has been reviewed."))
      << "</div>";
  } else {
    h << "<table><thead><tr><th>" << esc(tr("Raison", "Reason")) << "</th><th class=\"num\">"
      << esc(tr("Lignes", "Rows")) << "</th></tr></thead><tbody>";
    for (const auto& r : a.review_left) {
      h << "<tr><td>" << esc(r.label) << "</td><td class=\"num\">" << fmt_int(r.rows)
        << "</td></tr>";
    }
    h << "<tr><td>"
      << esc(tr("re-numérisations présumées à confirmer (feuilles)",
                "suspected re-scans to confirm (sheets)"))
      << "</td><td class=\"num\">" << fmt_int(t.rescans_to_confirm) << "</td></tr>";
    h << "</tbody></table>";
  }

  h << "<footer><p>"
    << esc(tr(
           "Méthode : chaque ligne signée d'une feuille de signatures compte pour une signature. "
           "Une feuille reconnue comme une nouvelle numérisation d'une feuille déjà lue n'est "
           "comptée qu'une fois (sauf si une personne a rejeté le rapprochement). ",
           "Method: each signed row of a signature sheet counts as one signature. A sheet "
           "recognised as another scan of a sheet already read is counted once (unless a person "
           "rejected the match). "))
    << esc(tr("Ce rapport ne contient aucune image de signature.",
              "This report contains no image of any signature."))
    << "</p><p>"
    << esc(tr("Produit par petiscan. Tableaux en CSV dans le même dossier.",
              "Made by petiscan. Tables as CSV in the same folder."))
    << "</p></footer></main></body></html>\n";
  return h.str();
}

}  // namespace petiscan::report
