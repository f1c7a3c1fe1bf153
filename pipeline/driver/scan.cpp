#include "driver/scan.h"

#include <spdlog/spdlog.h>

#include <chrono>
#include <condition_variable>
#include <ctime>
#include <mutex>
#include <opencv2/core/utility.hpp>
#include <optional>
#include <set>
#include <thread>

#include "core/i18n.h"
#include "driver/progress.h"
#include "driver/records.h"
#include "store/store.h"

namespace petiscan {

namespace fs = std::filesystem;

std::atomic<bool> g_stop_requested{false};

ExitCode ScanSummary::exit_code() const {
  if (interrupted) return ExitCode::Interrupted;
  return failures.empty() ? ExitCode::Ok : ExitCode::InputFailed;
}

namespace {

struct FileJob {
  fs::path path;
  std::int64_t file_id = 0;
  ProbedFile probed;
  int pages_left = 0;  // tasks of this file not yet written
};

struct PageTask {
  size_t file = 0;  // index into the FileJob list
  int page_no = 0;
};

struct PageResult {
  bool failed = false;
  std::string error;
  PageFacts facts;  // the decoded image's facts; its pixels stay in the worker
  PageOutcome outcome;
};

std::string default_batch_name() {
  std::time_t t = std::time(nullptr);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M", std::localtime(&t));
  return buf;
}

double ms_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
}

PageResult run_task(const FileJob& job, const PageTask& task, PageProcessor& processor,
                    const ScanOptions& options) {
  PageResult r;
  try {
    const auto t0 = std::chrono::steady_clock::now();
    PageImage page = load_page(job.path, job.probed, task.page_no, options.ingest);
    const double decode_ms = ms_since(t0);
    r.facts = {page.gray.cols, page.gray.rows, page.dpi, page.dpi_estimated,
               content_hash(page.gray)};
    DebugWriter debug(options.debug_dir, job.path.stem().string(), task.page_no);
    r.outcome = processor.process(page, debug);
    r.outcome.timings_ms["decode"] = decode_ms;
  } catch (const InputError& e) {
    r.failed = true;
    r.error = e.what();
  } catch (const std::exception& e) {
    // A bug or an engine failure on this page: recorded, the batch goes on.
    r.failed = true;
    r.error = std::string("internal error: ") + e.what();
  }
  return r;
}

}  // namespace

ScanSummary run_scan(const ScanOptions& options, const ProcessorFactory& make_processor) {
  ScanSummary summary;
  // The workers are the parallelism: OpenCV's own thread pool would put a
  // second set of threads on the same cores (and made "1 job" use two).
  struct SerialOpenCv {
    int previous = cv::getNumThreads();
    SerialOpenCv() { cv::setNumThreads(1); }
    ~SerialOpenCv() { cv::setNumThreads(previous); }
  } serial_opencv;
  keep_page_buffers_in_heap();
  // The engines first: a missing or broken model stops the run before
  // anything is read or recorded.
  std::vector<std::unique_ptr<PageProcessor>> processors;
  for (int i = 0; i < std::max(1, options.jobs); ++i) processors.push_back(make_processor());
  Store store(options.db_path);
  const std::string batch = options.batch_name.empty() ? default_batch_name() : options.batch_name;
  const std::int64_t batch_id = store.begin_batch(batch, options.command_line);
  if (const auto older = sheets_with_older_fingerprints(store.connection()); older > 0) {
    spdlog::warn("{} {}", older,
                 tr("feuilles de cette base ont été numérisées par une version antérieure de "
                    "petiscan : leurs réanalyses ne seront pas reconnues comme telles",
                    "sheets in this database were scanned by an older petiscan: their re-scans "
                    "will not be recognised as such"));
  }

  // 1. Find the files and identify each by content.
  std::vector<InputProblem> problems;
  const auto found = collect_inputs(options.inputs, problems);
  for (const auto& p : problems) {
    summary.failures.push_back(p.path.string() + ": " + p.reason);
    spdlog::error("{}: {}", p.path.string(), p.reason);
  }
  summary.files_found = static_cast<int>(found.size());

  std::vector<FileJob> jobs;
  std::vector<PageTask> tasks;
  // Files already planned in this run: a second file with the same bytes
  // (one sheet saved under two names) finds the first still pending, and must
  // not be read again into the same file's pages. (One that failed already
  // is probed again, so that its failure is reported under both names.)
  std::set<std::int64_t> planned;
  {
    Progress progress(tr("fichiers", "files"), static_cast<long>(found.size()),
                      options.progress_bar);
    long seen = 0;
    for (const auto& f : found) {
      progress.update(seen++);
      if (g_stop_requested) break;
      const std::string shown = f.path.string();
      std::string sha;
      try {
        sha = sha256_file(f.path);
      } catch (const InputError& e) {
        record_unreadable_file(store, f.path, e.what(), batch_id);
        summary.failures.push_back(shown + ": " + e.what());
        ++summary.files_failed;
        spdlog::error("{}: {}", shown, e.what());
        continue;
      }
      FileJob job;
      job.path = f.path;
      if (auto existing = store.find_file(sha)) {
        const bool pending_here = planned.count(existing->id) && existing->status != "failed";
        if (existing->status == "done" || pending_here) {
          ++summary.files_already;
          if (existing->path == shown) {
            spdlog::info("{}: {}", shown,
                         tr("déjà numérisé, rien à ajouter", "already scanned, nothing to add"));
          } else {
            spdlog::warn("{}: {} {}", shown,
                         tr("contenu identique à un fichier déjà numérisé :",
                            "same content as a file already scanned:"),
                         existing->path);
          }
          continue;
        }
        job.file_id = existing->id;
        ++summary.files_resumed;
        spdlog::info("{}: {}", shown, tr("reprise", "resuming"));
      } else {
        FileRecord rec;
        rec.sha256 = sha;
        rec.path = shown;
        rec.name = f.path.filename().string();
        std::error_code ec;
        rec.size = static_cast<std::int64_t>(fs::file_size(f.path, ec));
        job.file_id = store.add_file(rec, batch_id);
        forget_unreadable_file(store, f.path);
        ++summary.files_new;
      }
      planned.insert(job.file_id);
      try {
        job.probed = probe_file(f.path, options.ingest);
      } catch (const InputError& e) {
        store.fail_file(job.file_id, e.what());
        summary.failures.push_back(shown + ": " + e.what());
        ++summary.files_failed;
        spdlog::error("{}: {}", shown, e.what());
        continue;
      }
      store.set_file_pages(job.file_id, job.probed.page_count, to_string(job.probed.format));
      const auto recorded = store.recorded_pages(job.file_id);
      const size_t index = jobs.size();
      for (int p = 1; p <= job.probed.page_count; ++p) {
        if (recorded.count(p)) continue;
        tasks.push_back({index, p});
        ++job.pages_left;
      }
      if (job.pages_left == 0) {
        // Resumed with nothing left to read: report what the file had.
        if (auto error = store.close_file(job.file_id)) {
          summary.failures.push_back(shown + ": " + *error);
          ++summary.files_failed;
        }
      }
      jobs.push_back(std::move(job));
    }
    progress.update(seen);
  }

  // 2. Process the pages: workers decode and analyse, this thread writes in order.
  const int workers = std::max(1, std::min<int>(options.jobs, static_cast<int>(tasks.size())));
  processors.resize(tasks.empty() ? 0 : static_cast<size_t>(workers));

  std::vector<std::optional<PageResult>> slots(tasks.size());
  std::mutex mutex;
  std::condition_variable result_ready, space_free;
  size_t next_task = 0, written = 0;
  const size_t window = static_cast<size_t>(std::max(1, options.pages_in_flight_per_job)) *
                        static_cast<size_t>(workers);

  std::vector<std::thread> threads;
  // However the writer ends (done, interrupted, or a fatal database error such
  // as a full disk), the workers are stopped and joined before leaving.
  std::atomic<bool> writer_done{false};
  struct JoinWorkers {
    std::vector<std::thread>& threads;
    std::atomic<bool>& done;
    std::mutex& mutex;
    std::condition_variable& cv;
    ~JoinWorkers() {
      {
        std::lock_guard lock(mutex);
        done = true;
      }
      cv.notify_all();
      for (auto& t : threads) t.join();
    }
  } join_workers{threads, writer_done, mutex, space_free};
  for (auto& processor : processors) {
    threads.emplace_back([&, proc = processor.get()] {
      for (;;) {
        size_t idx;
        {
          std::unique_lock lock(mutex);
          space_free.wait(lock, [&] {
            return g_stop_requested || writer_done || next_task >= tasks.size() ||
                   next_task < written + window;
          });
          if (g_stop_requested || writer_done || next_task >= tasks.size()) break;
          idx = next_task++;
        }
        PageResult r = run_task(jobs[tasks[idx].file], tasks[idx], *proc, options);
        {
          std::lock_guard lock(mutex);
          slots[idx] = std::move(r);
        }
        result_ready.notify_all();
      }
      result_ready.notify_all();
    });
  }

  {
    Progress progress(tr("pages", "pages"), static_cast<long>(tasks.size()), options.progress_bar);
    // Decodes a page again (the re-scan search across tables); an empty
    // image, with a warning naming it, if it cannot be read any more.
    auto reload = [&](const fs::path& path, const ProbedFile* probed, int page_no) {
      try {
        const ProbedFile file = probed ? *probed : probe_file(path, options.ingest);
        return load_page(path, file, page_no, options.ingest).gray;
      } catch (const std::exception& e) {
        spdlog::warn("{}: {}", path.string(), e.what());
        return cv::Mat();
      }
    };
    const PageLoader reload_page = [&](std::int64_t page_id) {
      auto st = store.connection().prepare(
          "SELECT f.path, p.page_no FROM pages p JOIN files f ON f.id = p.file_id WHERE p.id = ?1");
      st.bind(1, page_id);
      return st.step() ? reload(st.text(0), nullptr, static_cast<int>(st.int64(1))) : cv::Mat();
    };
    for (size_t i = 0; i < tasks.size(); ++i) {
      PageResult r;
      {
        std::unique_lock lock(mutex);
        // A signal sets g_stop_requested without notifying: look again now and then.
        while (!result_ready.wait_for(lock, std::chrono::milliseconds(200), [&] {
          return slots[i].has_value() || (g_stop_requested && i >= next_task);
        })) {
        }
        if (!slots[i]) break;  // stopped before this page was started
        r = std::move(*slots[i]);
        slots[i].reset();
        written = i + 1;
      }
      space_free.notify_all();
      FileJob& job = jobs[tasks[i].file];
      const int page_no = tasks[i].page_no;
      const auto t0 = std::chrono::steady_clock::now();
      if (r.failed) {
        ++summary.pages_failed;
        const std::string line =
            job.path.string() + ", page " + std::to_string(page_no) + ": " + r.error;
        summary.failures.push_back(line);
        spdlog::error("{}", line);
        store.save_page(failed_page_record(job.file_id, page_no, r.error), {});
      } else {
        PageRecord page = page_record(job.file_id, page_no, r.facts, r.outcome);
        auto rows = row_records(r.outcome);
        link_duplicate(
            store, page, rows, r.outcome, [&] { return reload(job.path, &job.probed, page_no); },
            reload_page);
        page.timings["store"] = ms_since(t0);
        store.save_page(page, rows);
        ++summary.pages_processed;
        tally(summary, page, rows);
      }
      if (--job.pages_left == 0 && store.close_file(job.file_id)) ++summary.files_failed;
      progress.update(static_cast<long>(i + 1));
    }
  }
  summary.interrupted = g_stop_requested.load();
  store.finish_batch(batch_id);
  return summary;
}

}  // namespace petiscan
