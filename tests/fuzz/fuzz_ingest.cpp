// libFuzzer target: any bytes as an input file, through format sniffing,
// header checks and the decoding of every page (PNG, JPEG, TIFF, PDF).
// Built by the `fuzz` preset; scripts/fuzz runs it. Every input must end in
// pages or an InputError, never a crash, a leak or undefined behaviour.
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <string>

#include "core/errors.h"
#include "ingest/ingest.h"

namespace {

// Small limits keep each run fast; the limits' own code paths are still taken.
constexpr std::int64_t kFuzzMaxPixels = 4'000'000;
constexpr double kFuzzPdfDpi = 36;
constexpr int kFuzzMaxPages = 4;

std::string temp_path() {
  static const std::string path = "/dev/shm/petiscan-fuzz-" + std::to_string(getpid()) + ".bin";
  return path;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace petiscan;
  const std::string path = temp_path();
  if (FILE* f = std::fopen(path.c_str(), "wb")) {
    std::fwrite(data, 1, size, f);
    std::fclose(f);
  } else {
    return 0;
  }
  IngestSettings settings;
  settings.max_page_pixels = kFuzzMaxPixels;
  settings.pdf_dpi = kFuzzPdfDpi;
  try {
    const ProbedFile probed = probe_file(path, settings);
    for (int p = 1; p <= probed.page_count && p <= kFuzzMaxPages; ++p) {
      try {
        PageImage page = load_page(path, probed, p, settings);
        if (page.gray.type() != CV_8UC1 || page.dpi <= 0) __builtin_trap();
        (void)content_hash(page.gray);
      } catch (const InputError&) {
      }
    }
  } catch (const InputError&) {
  }
  return 0;
}
