// The PDF for elected members (cairo): a cover page with the total and how
// sure it is, then one page per riding, then the signatures no riding could
// take. Text only and drawn bars: no image of any scan.
#include <cairo-pdf.h>
#include <cairo.h>

#include <algorithm>
#include <memory>

#include "core/errors.h"
#include "core/i18n.h"
#include "report/format.h"
#include "report/report.h"

namespace petiscan::report {

namespace {

// US Letter, in points; margins of 3/4 inch.
constexpr double kPageW = 612, kPageH = 792, kMargin = 54;
constexpr const char* kFont = "DejaVu Sans";
struct Rgb {
  double r, g, b;
};
constexpr Rgb kInk{0.114, 0.208, 0.341};   // #1d3557
constexpr Rgb kSoft{0.659, 0.773, 0.878};  // #a8c5e0
constexpr Rgb kText{0.106, 0.122, 0.141};
constexpr Rgb kMuted{0.36, 0.39, 0.44};
constexpr Rgb kLine{0.85, 0.87, 0.90};

class Pdf {
 public:
  explicit Pdf(const std::filesystem::path& file)
      : surface_(cairo_pdf_surface_create(file.string().c_str(), kPageW, kPageH),
                 cairo_surface_destroy) {
    if (cairo_surface_status(surface_.get()) != CAIRO_STATUS_SUCCESS) {
      throw OutputError(file.string() + ": " +
                        tr("impossible d'écrire le PDF", "cannot write the PDF"));
    }
    cr_ = cairo_create(surface_.get());
    y = kMargin;
  }
  ~Pdf() {
    if (cr_) cairo_destroy(cr_);
  }
  Pdf(const Pdf&) = delete;
  Pdf& operator=(const Pdf&) = delete;

  void metadata(const std::string& title) {
    cairo_pdf_surface_set_metadata(surface_.get(), CAIRO_PDF_METADATA_TITLE, title.c_str());
    cairo_pdf_surface_set_metadata(surface_.get(), CAIRO_PDF_METADATA_CREATOR, "petiscan");
  }

  void finish(const std::filesystem::path& file) {
    footer();
    cairo_show_page(cr_);
    cairo_destroy(cr_);
    cr_ = nullptr;
    cairo_surface_finish(surface_.get());
    if (cairo_surface_status(surface_.get()) != CAIRO_STATUS_SUCCESS) {
      throw OutputError(file.string() + ": " +
                        tr("écriture du PDF interrompue", "PDF write failed"));
    }
  }

  void new_page() {
    footer();
    cairo_show_page(cr_);
    ++page_;
    y = kMargin;
  }
  // Leaves room for `h` points, or starts a new page.
  void need(double h) {
    if (y + h > kPageH - kMargin - 20) new_page();
  }

  double text(double x, double at_y, const std::string& s, double size, bool bold = false,
              Rgb color = kText, bool right = false) {
    font(size, bold);
    cairo_text_extents_t e;
    cairo_text_extents(cr_, s.c_str(), &e);
    cairo_set_source_rgb(cr_, color.r, color.g, color.b);
    cairo_move_to(cr_, right ? x - e.x_advance : x, at_y);
    cairo_show_text(cr_, s.c_str());
    return e.x_advance;
  }

  // Writes `s` wrapped to the text width, from the cursor.
  void paragraph(const std::string& s, double size, Rgb color = kText, bool bold = false) {
    font(size, bold);
    const double width = kPageW - 2 * kMargin;
    std::string line, word;
    auto flush = [&] {
      need(size * 1.45);
      y += size * 1.45;
      text(kMargin, y, line, size, bold, color);
      line.clear();
    };
    auto fits = [&](const std::string& candidate) {
      cairo_text_extents_t e;
      cairo_text_extents(cr_, candidate.c_str(), &e);
      return e.x_advance <= width;
    };
    for (size_t i = 0; i <= s.size(); ++i) {
      if (i == s.size() || s[i] == ' ') {
        const std::string candidate = line.empty() ? word : line + " " + word;
        if (!line.empty() && !fits(candidate)) {
          flush();
          line = word;
        } else {
          line = candidate;
        }
        word.clear();
      } else {
        word.push_back(s[i]);
      }
    }
    if (!line.empty()) flush();
    y += size * 0.5;
  }

  void rect(double x, double ry, double w, double h, Rgb c) {
    cairo_set_source_rgb(cr_, c.r, c.g, c.b);
    cairo_rectangle(cr_, x, ry, w, h);
    cairo_fill(cr_);
  }

  void rule(double at_y) { rect(kMargin, at_y, kPageW - 2 * kMargin, 0.8, kLine); }

  void heading(const std::string& s) {
    need(60);
    y += 28;
    text(kMargin, y, s, 15, true, kInk);
    y += 8;
    rule(y);
    y += 6;
  }

  // A table of (label, value, in review) lines with a bar for the value.
  void bar_table(const std::vector<GroupCount>& rows, const std::string& label_header,
                 bool with_bars, std::int64_t scale_max) {
    constexpr double kRow = 19;
    const double value_x = kPageW - kMargin - 90;
    const double review_x = kPageW - kMargin;
    auto header = [&] {
      need(kRow * 2);
      y += kRow;
      text(kMargin, y, label_header, 9.5, false, kMuted);
      text(value_x, y, tr("Signatures", "Signatures"), 9.5, false, kMuted, true);
      text(review_x, y, tr("en révision", "in review"), 9.5, false, kMuted, true);
      y += 5;
      rule(y);
    };
    header();
    for (const auto& g : rows) {
      if (y + kRow > kPageH - kMargin - 20) {
        new_page();
        header();
      }
      y += kRow;
      const bool apart = !g.key.empty() && g.key[0] == '~';
      std::string label = g.label;
      if (label.size() > 60) label = label.substr(0, 57) + "...";
      text(kMargin, y, label, 10.5, false, apart ? kMuted : kText);
      if (with_bars && scale_max > 0 && !apart) {
        const double bar_x = kMargin + 250, span = value_x - 60 - bar_x;
        const double w = span * static_cast<double>(g.signatures) / static_cast<double>(scale_max);
        const double wr = span * static_cast<double>(g.in_review) / static_cast<double>(scale_max);
        rect(bar_x, y - 10, std::max(w, 1.0), 11, kInk);
        if (wr > 0) rect(bar_x + w - wr, y - 10, wr, 11, kSoft);
      }
      text(value_x, y, fmt_int(g.signatures), 10.5, true, kInk, true);
      text(review_x, y, fmt_int(g.in_review), 10.5, false, kMuted, true);
    }
    y += 6;
  }

  double y = 0;

 private:
  void font(double size, bool bold) {
    cairo_select_font_face(cr_, kFont, CAIRO_FONT_SLANT_NORMAL,
                           bold ? CAIRO_FONT_WEIGHT_BOLD : CAIRO_FONT_WEIGHT_NORMAL);
    cairo_set_font_size(cr_, size);
  }
  void footer() {
    const std::string s = "petiscan · " + tr("page ", "page ") + std::to_string(page_) + " · " +
                          tr("aucune image de signature", "no signature image");
    text(kPageW / 2 - 90, kPageH - kMargin / 2, s, 8, false, kMuted);
  }

  std::unique_ptr<cairo_surface_t, decltype(&cairo_surface_destroy)> surface_;
  cairo_t* cr_ = nullptr;
  int page_ = 1;
};

std::int64_t max_signatures(const std::vector<GroupCount>& rows) {
  std::int64_t m = 0;
  for (const auto& r : rows) {
    if (r.key.empty() || r.key[0] != '~') m = std::max(m, r.signatures);
  }
  return m;
}

}  // namespace

void write_pdf(const Aggregate& a, const std::string& project_name,
               const std::filesystem::path& file) {
  const Totals& t = a.totals;
  Pdf pdf(file);
  pdf.metadata(tr("Décompte des signatures", "Signature count") + " — " + project_name);

  // Cover: the total and how sure it is.
  pdf.rect(0, 0, kPageW, 8, kInk);
  pdf.y = kMargin + 10;
  pdf.text(kMargin, pdf.y, tr("Pétition — décompte des signatures", "Petition — signature count"),
           22, true, kInk);
  pdf.y += 20;
  pdf.text(kMargin, pdf.y, project_name + " · " + fmt_timestamp(a.computed_at), 10, false, kMuted);
  pdf.y += 80;
  const double w = pdf.text(kMargin, pdf.y, fmt_int(t.signatures), 64, true, kInk);
  pdf.text(kMargin + w + 14, pdf.y, tr("signatures", "signatures"), 20, false, kInk);
  pdf.y += 14;
  if (a.qa) {
    pdf.paragraph(tr("Intervalle de confiance à 95 % : entre ", "95 % confidence range: between ") +
                      fmt_int(a.qa->total_low) + tr(" et ", " and ") + fmt_int(a.qa->total_high) +
                      tr(" signatures, d'après un contrôle qualité de ",
                         " signatures, from a quality check of ") +
                      fmt_int(a.qa->checked) + tr(" lignes (", " rows (") + fmt_int(a.qa->wrong) +
                      tr(" erreurs).", " errors)."),
                  11.5, kText);
  } else {
    pdf.paragraph(tr("Pas encore de contrôle qualité : aucune marge d'erreur n'est donnée.",
                     "No quality check yet: no error margin is given."),
                  11.5, kMuted);
  }
  pdf.paragraph(fmt_int(t.sheets) +
                    tr(" feuilles de signatures distinctes, reçues dans ",
                       " distinct signature sheets, received in ") +
                    fmt_int(t.envelopes) + tr(" enveloppes. ", " envelopes. ") +
                    fmt_int(t.signatures_with_code) +
                    tr(" signatures portent un code postal valide. ",
                       " signatures carry a valid postal code. ") +
                    (t.signatures_in_review > 0
                         ? fmt_int(t.signatures_in_review) +
                               tr(" attendent encore une vérification humaine (comptées selon la "
                                  "lecture de la machine).",
                                  " still wait for a human check (counted as the machine read "
                                  "them).")
                         : tr("Toutes les signatures ont été vérifiées ou acceptées.",
                              "Every signature has been checked or accepted.")),
                11.5);

  pdf.heading(tr("Par région du Québec", "By Quebec region"));
  pdf.bar_table(a.by_quebec_area, tr("Région", "Region"), true, max_signatures(a.by_quebec_area));
  pdf.heading(tr("Par province", "By province"));
  pdf.bar_table(a.by_province, tr("Province", "Province"), false, 0);

  const auto& rd = a.ridings;
  pdf.heading(tr("Circonscriptions", "Ridings"));
  if (!rd.mapping_loaded) {
    pdf.paragraph(tr("Aucune correspondance codes postaux → circonscriptions n'a été importée : "
                     "le détail par circonscription n'est pas disponible.",
                     "No postal code → riding mapping has been imported: the detail by riding is "
                     "not available."),
                  11, kMuted);
  } else {
    pdf.paragraph(fmt_int(static_cast<std::int64_t>(rd.ridings.size())) +
                      tr(" circonscriptions représentées ; une page par circonscription suit. ",
                         " ridings represented; one page per riding follows. ") +
                      tr("Correspondance : ", "Mapping: ") + rd.source,
                  11);
    std::vector<GroupCount> summary = rd.ridings;
    summary.push_back(
        {"~ambiguous",
         tr("code ambigu (compté une fois, à part)", "ambiguous code (counted once, apart)"),
         rd.ambiguous, rd.ambiguous_in_review});
    summary.push_back({"~outside",
                       tr("code absent de la correspondance", "code not in the mapping"),
                       rd.outside_mapping, rd.outside_in_review});
    summary.push_back({"~none", tr("sans code postal valide", "without a valid postal code"),
                       rd.without_code, rd.without_code_in_review});
    pdf.bar_table(summary, tr("Circonscription", "Riding"), true, max_signatures(summary));

    // One section (page) per riding.
    for (const auto& r : rd.ridings) {
      pdf.new_page();
      pdf.rect(0, 0, kPageW, 8, kInk);
      pdf.y = kMargin + 10;
      pdf.text(kMargin, pdf.y, tr("Circonscription", "Riding"), 11, false, kMuted);
      pdf.y += 26;
      pdf.text(kMargin, pdf.y, r.label, 22, true, kInk);
      pdf.y += 18;
      pdf.text(kMargin, pdf.y, tr("code ", "code ") + r.key, 10, false, kMuted);
      pdf.y += 70;
      const double nw = pdf.text(kMargin, pdf.y, fmt_int(r.signatures), 54, true, kInk);
      pdf.text(kMargin + nw + 12, pdf.y, tr("signatures", "signatures"), 18, false, kInk);
      pdf.y += 10;
      const double share =
          t.signatures ? static_cast<double>(r.signatures) / static_cast<double>(t.signatures) : 0;
      pdf.paragraph(
          fmt_pct(share) + tr(" du total de ", " of the total of ") + fmt_int(t.signatures) +
              tr(" signatures. ", " signatures. ") +
              (r.in_review > 0
                   ? fmt_int(r.in_review) + tr(" encore en vérification.", " still being checked.")
                   : tr("Toutes vérifiées ou acceptées.", "All checked or accepted.")),
          11.5);
      const auto fsas = rd.fsas_by_riding.find(r.key);
      if (fsas != rd.fsas_by_riding.end()) {
        pdf.heading(
            tr("Par région de tri d'acheminement (RTA)", "By forward sortation area (FSA)"));
        std::vector<GroupCount> rows;
        for (auto g : fsas->second) {
          g.label = g.key + " — " + g.label;
          rows.push_back(g);
        }
        pdf.bar_table(rows, tr("RTA", "FSA"), true, max_signatures(rows));
      }
    }
    if (!rd.ambiguous_codes.empty()) {
      pdf.new_page();
      pdf.heading(tr("Codes rattachés à plusieurs circonscriptions", "Codes in several ridings"));
      pdf.paragraph(tr("Ces signatures sont comptées une seule fois dans le total, dans aucune "
                       "circonscription.",
                       "These signatures are counted once in the total, in no riding."),
                    10.5, kMuted);
      for (const auto& c : rd.ambiguous_codes) {
        std::string list;
        for (const auto& x : c.ridings) list += (list.empty() ? "" : " · ") + x;
        pdf.paragraph(c.code + " (" + fmt_int(c.signatures) + ") : " + list, 10.5);
      }
    }
  }
  pdf.heading(tr("Méthode", "Method"));
  pdf.paragraph(
      tr("Chaque ligne signée d'une feuille de signatures compte pour une signature. Une feuille "
         "numérisée deux fois n'est comptée qu'une fois. Les régions viennent des trois premiers "
         "caractères du code postal (structure des codes de Postes Canada). Ce document ne "
         "contient aucune image de signature.",
         "Each signed row of a signature sheet counts as one signature. A sheet scanned twice is "
         "counted once. Regions come from the postal code's first three characters (Canada Post's "
         "code structure). This document contains no image of any signature."),
      9.5, kMuted);
  pdf.finish(file);
}

}  // namespace petiscan::report
