#include "report/report.h"

#include <fstream>
#include <system_error>

#include "core/errors.h"
#include "core/i18n.h"

namespace petiscan {

namespace fs = std::filesystem;

namespace {

// Writes next to the target then renames, so a reader never sees half a file.
void write_text(const fs::path& file, const std::string& content) {
  const fs::path tmp = file.string() + ".part";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) throw OutputError(file.string() + ": " + tr("impossible d'écrire", "cannot write"));
    out << content;
    out.flush();
    if (!out) {
      throw OutputError(file.string() + ": " + tr("écriture interrompue", "write failed"));
    }
  }
  std::error_code ec;
  fs::rename(tmp, file, ec);
  if (ec) throw OutputError(file.string() + ": " + ec.message());
}

}  // namespace

void write_report(Store& store, const ReportOptions& options) {
  const fs::path& dir = options.out_dir;
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec || !fs::is_directory(dir)) {
    throw OutputError(
        dir.string() + ": " +
        tr("impossible de créer le dossier du rapport", "cannot create the report folder") +
        (ec ? " (" + ec.message() + ")" : ""));
  }
  const Aggregate a = compute_aggregate(store);
  const std::string project = store.connection().path().filename().string();
  write_text(dir / "index.html", report::render_html(a, project));
  for (const auto& [name, content] : report::render_csv(a)) write_text(dir / name, content);
  const fs::path pdf = dir / "rapport.pdf";
  const fs::path tmp = pdf.string() + ".part";
  report::write_pdf(a, project, tmp);
  fs::rename(tmp, pdf, ec);
  if (ec) throw OutputError(pdf.string() + ": " + ec.message());
}

}  // namespace petiscan
