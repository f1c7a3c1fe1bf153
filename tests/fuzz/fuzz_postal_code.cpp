// libFuzzer target: any bytes through the postal-code normaliser (as typed by
// a reviewer or read from a CSV) and, read as a small score matrix, through
// the grammar-constrained CTC decoder. Built by the `fuzz` preset; scripts/fuzz
// runs it. Every input must give nothing or a valid canonical code, never a
// crash or undefined behaviour; a violated invariant aborts.
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "recognize/ctc_decoder.h"
#include "recognize/postal_code.h"

namespace {

// The shipped model's classes: 30 postal symbols, blank last; plus separators.
const std::string kAlphabet = "0123456789ABCEGHJKLMNPRSTVWXYZ -";
// Frames of a fuzzed matrix at most (a real cell has about 40).
constexpr int kFuzzMaxFrames = 48;
// A byte b becomes the logit (b - 128) / kLogitScale: up to about +-21 nats.
constexpr double kLogitScale = 6.0;

void check(bool ok) {
  if (!ok) std::abort();
}

void fuzz_normalizer(std::string_view text) {
  const auto code = petiscan::normalize_postal_code(text);
  if (!code) return;
  check(petiscan::is_valid_postal_code(*code));
  check(petiscan::normalize_postal_code(*code) == code);
  check(petiscan::postal_fsa(*code) == std::string_view(*code).substr(0, 3));
  check(!petiscan::postal_province((*code)[0]).empty());
}

void fuzz_decoder(const std::uint8_t* data, std::size_t size) {
  const int C = static_cast<int>(kAlphabet.size()) + 1;
  const int T = std::min<int>(kFuzzMaxFrames, static_cast<int>(size / C));
  cv::Mat lp(T, C, CV_32F);
  for (int t = 0; t < T; ++t) {  // log-softmax of the bytes
    float* row = lp.ptr<float>(t);
    double sum = 0;
    for (int k = 0; k < C; ++k) sum += std::exp((data[t * C + k] - 128) / kLogitScale);
    for (int k = 0; k < C; ++k)
      row[k] = static_cast<float>((data[t * C + k] - 128) / kLogitScale - std::log(sum));
  }
  petiscan::DecoderSettings settings;
  if (size % 2) settings.beam_width = 1 + static_cast<int>(size % 7);
  const auto r = petiscan::decode_postal_code(lp, kAlphabet, C - 1, settings, 4);
  double total = r.blank_probability;
  check(r.blank_probability >= 0 && r.blank_probability <= 1);
  for (std::size_t i = 0; i < r.best.size(); ++i) {
    check(petiscan::is_valid_postal_code(r.best[i].code));
    check(r.best[i].probability >= 0 && r.best[i].probability <= 1);
    check(i == 0 || r.best[i].probability <= r.best[i - 1].probability);
    total += r.best[i].probability;
  }
  check(total <= 1 + 1e-6);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  fuzz_normalizer(std::string_view(reinterpret_cast<const char*>(data), size));
  fuzz_decoder(data, size);
  return 0;
}
