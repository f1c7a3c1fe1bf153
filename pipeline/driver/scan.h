// `petiscan scan`: every input file's pages through the pipeline into the
// project database. Pages are processed by N workers and committed in input
// order by one writer, so the result is the same whatever N; each page is its
// own transaction, so a crash loses at most the pages in flight and the same
// command finishes the batch.
#pragma once

#include <atomic>
#include <filesystem>
#include <string>
#include <vector>

#include "core/errors.h"
#include "driver/page_processor.h"
#include "ingest/ingest.h"

namespace petiscan {

struct ScanOptions {
  std::vector<std::filesystem::path> inputs;
  std::filesystem::path db_path = "petition.db";
  std::string batch_name;    // defaults to the date and time
  std::string command_line;  // recorded with the batch
  int jobs = 1;
  std::filesystem::path debug_dir;  // empty: no debug images
  IngestSettings ingest;
  bool progress_bar = false;  // draw a bar (a terminal) instead of log lines
  // Largest number of decoded-but-unwritten pages per worker: bounds memory.
  int pages_in_flight_per_job = 2;
};

struct ScanSummary {
  int files_found = 0;
  int files_new = 0;
  int files_resumed = 0;
  int files_already = 0;  // same content scanned before (maybe under another name)
  int files_failed = 0;
  int pages_processed = 0;
  int pages_failed = 0;
  int sheets = 0;
  int rows_signed = 0;
  int rows_review = 0;
  int pages_review = 0;
  bool interrupted = false;
  std::vector<std::string> failures;  // one line each: "file: reason" or "file, page N: reason"
  ExitCode exit_code() const;
};

// Set by a signal handler to stop a scan cleanly: the pages already done are
// committed and the files left are resumed by the next run.
extern std::atomic<bool> g_stop_requested;

ScanSummary run_scan(const ScanOptions& options, const ProcessorFactory& make_processor);

}  // namespace petiscan
