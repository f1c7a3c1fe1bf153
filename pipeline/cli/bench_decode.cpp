// petiscan-bench-decode: decodes every page of the given files with
// petiscan's own ingest and nothing else, to give scripts/bench the cost of
// plain decoding, the floor any pipeline on these files sits on.
//
//   petiscan-bench-decode [--jobs N] FILE...
//   prints: {"pages": P, "seconds": S, "jobs": N}
#include <atomic>
#include <chrono>
#include <cstdio>
#include <string>
#include <thread>
#include <vector>

#include "core/errors.h"
#include "ingest/ingest.h"

int main(int argc, char** argv) {
  using namespace petiscan;
  int jobs = 1;
  std::vector<std::filesystem::path> files;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--jobs" && i + 1 < argc) {
      jobs = std::max(1, std::atoi(argv[++i]));
    } else {
      files.emplace_back(a);
    }
  }
  if (files.empty()) {
    std::fprintf(stderr, "usage: petiscan-bench-decode [--jobs N] FILE...\n");
    return 2;
  }
  const IngestSettings settings;
  keep_page_buffers_in_heap();  // as petiscan scan does
  std::atomic<size_t> next{0};
  std::atomic<long> pages{0}, failed{0};
  const auto t0 = std::chrono::steady_clock::now();
  std::vector<std::thread> threads;
  for (int j = 0; j < jobs; ++j) {
    threads.emplace_back([&] {
      for (size_t i; (i = next++) < files.size();) {
        try {
          const ProbedFile probed = probe_file(files[i], settings);
          for (int p = 1; p <= probed.page_count; ++p) {
            PageImage page = load_page(files[i], probed, p, settings);
            pages += page.gray.empty() ? 0 : 1;
          }
        } catch (const InputError&) {
          ++failed;
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::printf("{\"pages\": %ld, \"failed_files\": %ld, \"seconds\": %.3f, \"jobs\": %d}\n",
              pages.load(), failed.load(), s, jobs);
  return 0;
}
