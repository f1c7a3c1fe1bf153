// petiscan's command line. Exit codes are decided in exactly one place:
// exit_code_for() below (documented in README.md, "Exit codes").
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <csignal>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <thread>

#include "aggregate/aggregate.h"
#include "aggregate/ridings.h"
#include "core/errors.h"
#include "core/i18n.h"
#include "driver/export.h"
#include "driver/health.h"
#include "driver/process_page.h"
#include "driver/progress.h"
#include "driver/scan.h"
#include "report/report.h"
#include "review/review.h"
#include "store/store.h"

#ifndef PETISCAN_VERSION
#define PETISCAN_VERSION "0.0.0"
#endif

namespace petiscan {
namespace {

namespace fs = std::filesystem;

struct Globals {
  int verbose = 0;
  bool quiet = false;
  std::string lang;
};

void on_stop_signal(int) { g_stop_requested = true; }

void install_signal_handlers() {
  struct sigaction sa {};
  sa.sa_handler = on_stop_signal;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = SA_RESETHAND;  // a second Ctrl-C stops at once
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
}

std::string joined_command_line(int argc, char** argv) {
  std::string s;
  for (int i = 0; i < argc; ++i) s += (i ? " " : "") + std::string(argv[i]);
  return s;
}

int exit_code_for(ExitCode code) { return static_cast<int>(code); }

// ---------------------------------------------------------------- scan

struct ScanArgs {
  std::vector<std::string> inputs;
  std::string db = "petition.db";
  std::string batch;
  int jobs = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  std::string debug_dir;
  std::string model_dir;
  bool print_config = false;
};

int run_scan_command(const ScanArgs& a, const std::string& command_line) {
  PipelineSettings settings;
  if (!a.model_dir.empty()) settings.recognizer.model_dir = a.model_dir;
  settings.validate();
  if (a.print_config) {
    std::cout << settings.to_json().dump(2) << "\n";
    return exit_code_for(ExitCode::Ok);
  }
  if (a.inputs.empty())
    throw UsageError(tr("aucun fichier ni dossier à numériser", "no file or folder to scan"));
  if (a.jobs < 1 || a.jobs > 256) throw UsageError("--jobs: 1 to 256");
  ScanOptions options;
  for (const auto& in : a.inputs) options.inputs.emplace_back(in);
  options.db_path = a.db;
  options.batch_name = a.batch;
  options.command_line = command_line;
  options.jobs = a.jobs;
  options.debug_dir = a.debug_dir;
  options.progress_bar = isatty(STDERR_FILENO) != 0;
  options.ingest.validate();
  auto factory = sheet_processor_factory(settings);
  install_signal_handlers();
  const ScanSummary s = run_scan(options, factory);

  std::cout << tr("Lot terminé", "Batch finished") << " : " << s.pages_processed << " "
            << tr("pages lues", "pages read") << ", " << s.sheets << " "
            << tr("feuilles de signatures", "signature sheets") << ", " << s.rows_signed << " "
            << tr("signatures", "signatures") << ", " << s.rows_review << " "
            << tr("lignes à réviser", "rows to review") << ".\n";
  if (s.files_already) {
    std::cout << s.files_already << " "
              << tr("fichier(s) déjà numérisé(s), ignoré(s).", "file(s) already scanned, skipped.")
              << "\n";
  }
  if (!s.failures.empty()) {
    std::cout << tr("Illisible(s)", "Could not be read") << " (" << s.failures.size() << ") :\n";
    for (const auto& f : s.failures) std::cout << "  " << f << "\n";
  }
  if (s.interrupted) {
    std::cout << tr("Interrompu : relancez la même commande pour reprendre.",
                    "Interrupted: run the same command again to resume.")
              << "\n";
  }
  return exit_code_for(s.exit_code());
}

// ---------------------------------------------------------------- export / status

Store open_existing(const std::string& db, db::Connection::Mode mode) {
  if (!fs::exists(db)) throw DatabaseError(db + ": " + tr("base introuvable", "no such database"));
  return Store(db, mode);
}

int run_export_command(const std::string& db, const std::string& format, const std::string& out) {
  Store store = open_existing(db, db::Connection::Mode::ReadOnly);
  std::ofstream file;
  std::ostream* os = &std::cout;
  if (!out.empty() && out != "-") {
    file.open(out, std::ios::binary);
    if (!file) throw OutputError(out + ": " + tr("impossible d'écrire", "cannot write"));
    os = &file;
  }
  if (format == "jsonl")
    export_jsonl(store, *os);
  else
    export_csv(store, *os);
  os->flush();
  if (!*os)
    throw OutputError((out.empty() ? "stdout" : out) + ": " +
                      tr("écriture interrompue", "write failed"));
  return exit_code_for(ExitCode::Ok);
}

int run_status_command(const std::string& db) {
  Store store = open_existing(db, db::Connection::Mode::ReadOnly);
  print_status(store, std::cout);
  std::cout << "\n";
  print_scan_health(store, std::cout);
  return exit_code_for(ExitCode::Ok);
}

int run_report_command(const std::string& db, const std::string& out_dir) {
  Store store = open_existing(db, db::Connection::Mode::ReadOnly);
  write_report(store, {out_dir});
  std::cout << tr("Rapport écrit dans ", "Report written to ") << out_dir << "/index.html\n";
  return exit_code_for(ExitCode::Ok);
}

int run_ridings_import(const std::string& db, const std::string& csv) {
  Store store = open_existing(db, db::Connection::Mode::ReadWrite);
  const RidingsImport r = import_ridings(store, csv);
  for (const auto& w : r.warnings) spdlog::warn("{}", w);
  std::cout << r.rows_read << tr(" lignes lues, ", " lines read, ") << r.codes
            << tr(" codes ou RTA, ", " codes or FSAs, ") << r.ridings
            << tr(" circonscriptions, ", " ridings, ") << r.ambiguous_codes
            << tr(" codes ambigus (plusieurs circonscriptions).\n",
                  " ambiguous codes (several ridings).\n");
  return exit_code_for(ExitCode::Ok);
}

// The language is known before the command line is parsed, so that --help
// speaks it too: PETISCAN_LANG, then any --lang on the line.
void set_language_early(int argc, char** argv) {
  Lang lang = Lang::Fr;
  if (const char* env = std::getenv("PETISCAN_LANG")) parse_lang(env, lang);
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--lang" && i + 1 < argc) parse_lang(argv[i + 1], lang);
    if (a.rfind("--lang=", 0) == 0) parse_lang(a.substr(7), lang);
  }
  set_lang(lang);
}

int run(int argc, char** argv) {
  set_language_early(argc, argv);
  CLI::App app{tr("petiscan : compte les signatures des pétitions papier numérisées.",
                  "petiscan: counts the signatures on scanned paper petitions.")};
  app.set_version_flag("--version", std::string("petiscan ") + PETISCAN_VERSION);
  app.require_subcommand(1);
  app.fallthrough();
  Globals g;
  app.add_flag("-v,--verbose", g.verbose, tr("plus de détails (répéter pour plus)", "more detail"));
  app.add_flag("-q,--quiet", g.quiet,
               tr("seulement les erreurs et avertissements", "only errors and warnings"));
  app.add_option(
         "--lang", g.lang,
         tr("langue des messages : fr (défaut) ou en", "message language: fr (default) or en"))
      ->check(CLI::IsMember({"fr", "en"}));

  ScanArgs scan;
  auto* scan_cmd = app.add_subcommand(
      "scan", tr("numériser des fichiers et dossiers", "scan files and folders"));
  scan_cmd->add_option(
      "INPUT", scan.inputs,
      tr("fichiers ou dossiers (PNG, JPEG, TIFF, PDF)", "files or folders (PNG, JPEG, TIFF, PDF)"));
  scan_cmd->add_option("--db", scan.db, tr("base du projet", "project database"))
      ->capture_default_str();
  scan_cmd->add_option(
      "--batch", scan.batch,
      tr("nom du lot (défaut : date et heure)", "batch name (default: date and time)"));
  scan_cmd
      ->add_option("--jobs,-j", scan.jobs,
                   tr("pages traitées en parallèle", "pages processed in parallel"))
      ->capture_default_str();
  scan_cmd->add_option(
      "--debug-dir", scan.debug_dir,
      tr("écrire les images intermédiaires ici", "write intermediate images here"));
  scan_cmd->add_option("--model-dir", scan.model_dir,
                       tr("dossier des modèles (lecture des codes, genre de page)",
                          "models folder (postal-code reader, page kind)"));
  scan_cmd->add_flag("--print-config", scan.print_config,
                     tr("afficher les réglages et quitter", "print the settings and exit"));

  std::string db = "petition.db", format, out;
  auto* export_cmd =
      app.add_subcommand("export", tr("exporter les résultats", "export the results"));
  export_cmd->add_option("--db", db, tr("base du projet", "project database"))
      ->capture_default_str();
  export_cmd->add_option("--format", format, "jsonl | csv")
      ->required()
      ->check(CLI::IsMember({"jsonl", "csv"}));
  export_cmd->add_option(
      "--out", out,
      tr("fichier de sortie (défaut : sortie standard)", "output file (default: standard output)"));

  ReviewOptions review;
  std::string review_db = "petition.db", review_token;
  auto* review_cmd = app.add_subcommand(
      "review", tr("ouvrir la page de révision (navigateur)", "serve the review page (browser)"));
  review_cmd->add_option("--db", review_db, tr("base du projet", "project database"))
      ->capture_default_str();
  review_cmd
      ->add_option("--host", review.host,
                   tr("adresse d'écoute (autre que 127.0.0.1 : jeton obligatoire)",
                      "address to listen on (other than 127.0.0.1: token required)"))
      ->capture_default_str();
  review_cmd->add_option("--port", review.port, tr("port", "port"))
      ->capture_default_str()
      ->check(CLI::Range(0, 65535));
  review_cmd->add_option("--token", review_token,
                         tr("jeton d'accès (généré s'il manque hors de 127.0.0.1)",
                            "access token (generated when missing off loopback)"));

  auto* status_cmd =
      app.add_subcommand("status", tr("où en est le projet", "where the project stands"));
  status_cmd->add_option("--db", db, tr("base du projet", "project database"))
      ->capture_default_str();

  std::string report_out;
  auto* report_cmd = app.add_subcommand(
      "report", tr("écrire le rapport (HTML, CSV, PDF)", "write the report (HTML, CSV, PDF)"));
  report_cmd->add_option("--db", db, tr("base du projet", "project database"))
      ->capture_default_str();
  report_cmd->add_option("--out", report_out, tr("dossier du rapport", "report folder"))
      ->required();

  std::string ridings_csv;
  auto* ridings_cmd =
      app.add_subcommand("ridings", tr("circonscriptions électorales", "electoral ridings"));
  ridings_cmd->require_subcommand(1);
  auto* ridings_import_cmd = ridings_cmd->add_subcommand(
      "import", tr("charger la correspondance code postal → circonscription (CSV)",
                   "load the postal code → riding mapping (CSV)"));
  ridings_import_cmd->add_option("FILE", ridings_csv, tr("fichier CSV", "CSV file"))->required();
  ridings_import_cmd->add_option("--db", db, tr("base du projet", "project database"))
      ->capture_default_str();

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? exit_code_for(ExitCode::Ok) : exit_code_for(ExitCode::Usage);
  }
  install_console_logger(g.quiet ? -1 : g.verbose);

  if (*scan_cmd) return run_scan_command(scan, joined_command_line(argc, argv));
  if (*export_cmd) return run_export_command(db, format, out);
  if (*status_cmd) return run_status_command(db);
  if (*report_cmd) return run_report_command(db, report_out);
  if (*ridings_import_cmd) return run_ridings_import(db, ridings_csv);
  if (*review_cmd) {
    review.db = review_db;
    if (!review_token.empty()) review.token = review_token;
    return run_review_server(review);
  }
  return exit_code_for(ExitCode::Usage);
}

}  // namespace
}  // namespace petiscan

int main(int argc, char** argv) {
  using namespace petiscan;
  try {
    return run(argc, argv);
  } catch (const FatalError& e) {
    Progress::clear_line();
    std::cerr << "petiscan: " << e.what() << "\n";
    return exit_code_for(e.exit_code());
  } catch (const std::exception& e) {
    Progress::clear_line();
    std::cerr << "petiscan: "
              << tr("erreur interne (à signaler) : ", "internal error (please report): ")
              << e.what() << "\n";
    return exit_code_for(ExitCode::Internal);
  }
}
