#include "recognize/ctc_decoder.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>
#include <map>
#include <numeric>

#include "core/errors.h"
#include "recognize/postal_code.h"

namespace petiscan {
namespace {

constexpr double kNegInf = -std::numeric_limits<double>::infinity();
// Labels of a complete prefix: six symbols and at most one separator.
constexpr int kMaxLabels = kPostalSymbols + 1;

// Shares of the training generator (scripts/recognizer_cells.py P_QUEBEC):
// 85 % of the codes start with G, H or J, chosen evenly.
constexpr double kTrainingQuebecShare = 0.85;
constexpr std::string_view kQuebecFirstLetters = "GHJ";

// Beyond this gap (in nats) the smaller term changes the sum by less than
// e^-40 = 4e-18 relative, below double precision: skip exp/log1p.
constexpr double kLogAddNegligibleGap = 40;

double log_add(double a, double b) {
  const double gap = std::abs(a - b);
  if (a == kNegInf || !(gap < kLogAddNegligibleGap)) return std::max(a, b);
  return std::max(a, b) + std::log1p(std::exp(-gap));
}

char to_upper(char c) { return (c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A') : c; }
bool is_separator(char c) { return c == ' ' || c == '-'; }

// One prefix of the beam: its labels (class indices), how many of them are
// code symbols, and the log probability of all alignments of frames 0..t that
// collapse to it and end in a blank (lp_b) or in its last label (lp_nb).
struct Prefix {
  std::array<int, kMaxLabels> labels{};
  int length = 0;   // labels, separator included
  int symbols = 0;  // code symbols, separator left out
  bool separated = false;
  uint64_t key = 0;  // the labels packed, unique per prefix (see Packing)
  double lp_b = kNegInf;
  double lp_nb = kNegInf;
  int last() const { return labels[length - 1]; }
};

// Labels packed into a 64-bit key, `bits` per label (class + 1, so 0 = none):
// a prefix's parent key is its key with the last label masked off.
struct Packing {
  int bits;
  explicit Packing(int classes) : bits(std::bit_width(static_cast<unsigned>(classes))) {
    CV_Assert(bits * kMaxLabels <= 64);
  }
  uint64_t child(uint64_t key, int length, int label) const {
    return key | (static_cast<uint64_t>(label + 1) << (bits * length));
  }
  uint64_t parent(uint64_t key, int length) const {
    return key & ((uint64_t{1} << (bits * (length - 1))) - 1);
  }
};

// An extension of beam `parent` by class `label` that is not a beam yet.
struct Candidate {
  int parent;
  int label;
  double lp_nb;
  double score;  // lp_nb + log first-letter weight: what the beam ranks by
};

std::array<double, 26> normalised(const std::array<double, 26>& p) {
  const double sum = std::accumulate(p.begin(), p.end(), 0.0);
  std::array<double, 26> out{};
  for (int i = 0; i < 26; ++i) out[i] = p[i] / sum;
  return out;
}

}  // namespace

std::array<double, 26> training_first_letter_prior() {
  std::array<double, 26> p{};
  int n_first = 0;
  for (char c = 'A'; c <= 'Z'; ++c) n_first += is_postal_letter(c, 0) ? 1 : 0;
  for (char c = 'A'; c <= 'Z'; ++c) {
    if (!is_postal_letter(c, 0)) continue;
    const bool quebec = kQuebecFirstLetters.find(c) != std::string_view::npos;
    p[c - 'A'] = (1 - kTrainingQuebecShare) / n_first +
                 (quebec ? kTrainingQuebecShare / kQuebecFirstLetters.size() : 0.0);
  }
  return p;
}

DecoderSettings default_decoder_settings() { return DecoderSettings{}; }

void DecoderSettings::validate() const {
  if (beam_width < 1) throw UsageError("decoder beam_width must be at least 1");
  double sum = 0, model_sum = 0;
  for (int i = 0; i < 26; ++i) {
    const char c = static_cast<char>('A' + i);
    if (!(first_letter_prior[i] >= 0) || !std::isfinite(first_letter_prior[i]) ||
        !(model_first_letter_prior[i] >= 0) || !std::isfinite(model_first_letter_prior[i]))
      throw UsageError("first-letter priors must be finite and >= 0");
    if (first_letter_prior[i] > 0 && !is_postal_letter(c, 0))
      throw UsageError(std::string("first_letter_prior: no postal code starts with ") + c);
    if (first_letter_prior[i] > 0 && !(model_first_letter_prior[i] > 0))
      throw UsageError(
          std::string("first_letter_prior: the model never saw a code starting with ") + c);
    sum += first_letter_prior[i];
    model_sum += model_first_letter_prior[i];
  }
  if (!(sum > 0) || !(model_sum > 0)) throw UsageError("first_letter_prior must not be all zero");
}

DecodeResult decode_postal_code(const cv::Mat& log_probs, const std::string& alphabet, int blank,
                                const DecoderSettings& settings, int n_best) {
  DecodeResult result;
  if (log_probs.empty()) {  // no frame: nothing was written
    result.blank_probability = 1;
    return result;
  }
  CV_Assert(log_probs.type() == CV_32FC1 && log_probs.dims == 2);
  const int T = log_probs.rows;
  const int C = log_probs.cols;
  CV_Assert(static_cast<int>(alphabet.size()) == C - 1 && blank >= 0 && blank < C);
  CV_Assert(settings.beam_width >= 1);
  const auto beam_width = static_cast<size_t>(settings.beam_width);

  // Log re-weighting of each first letter (kNegInf = the campaign excludes it).
  const auto prior = normalised(settings.first_letter_prior);
  const auto model_prior = normalised(settings.model_first_letter_prior);
  std::array<double, 26> log_w{};
  for (int i = 0; i < 26; ++i)
    log_w[i] = (prior[i] > 0 && model_prior[i] > 0) ? std::log(prior[i] / model_prior[i]) : kNegInf;

  // The grammar automaton: classes allowed at each symbol position, and the
  // separators (allowed once, after symbol kPostalSeparatorAfter).
  std::array<std::vector<int>, kPostalSymbols> allowed;
  std::vector<int> separators;
  std::vector<char> symbol_of(C, '\0');
  for (int k = 0; k < C; ++k) {
    if (k == blank) continue;
    const char s = to_upper(alphabet[k < blank ? k : k - 1]);
    symbol_of[k] = s;
    if (is_separator(s)) separators.push_back(k);
    for (int pos = 0; pos < kPostalSymbols; ++pos) {
      if (is_postal_symbol(s, pos) && (pos != 0 || log_w[s - 'A'] != kNegInf))
        allowed[pos].push_back(k);
    }
  }

  // P(no symbol): every frame is a blank or a separator.
  double log_empty = 0;
  for (int t = 0; t < T; ++t) {
    const float* lp = log_probs.ptr<float>(t);
    double frame = lp[blank];
    for (int k : separators) frame = log_add(frame, lp[k]);
    log_empty += frame;
  }

  const Packing packing(C);
  const auto first_weight = [&](const Prefix& p) {
    return p.symbols > 0 ? log_w[symbol_of[p.labels[0]] - 'A'] : 0.0;
  };

  std::vector<Prefix> beams(1);
  beams[0].lp_b = 0;  // the empty prefix before the first frame
  std::vector<Prefix> stays, next;
  std::vector<double> totals(beam_width);  // log P(prefix) of each beam
  std::vector<Candidate> candidates;
  std::vector<int> child(beam_width * static_cast<size_t>(C), -1);  // (beam, class) -> beam
  std::vector<std::pair<uint64_t, int>> by_key;                     // (key, beam), sorted by key
  std::vector<std::pair<double, int>> ranked;  // (score, index: stays first, then candidates)
  for (int t = 0; t < T; ++t) {
    const float* lp = log_probs.ptr<float>(t);
    const int frames_left = T - 1 - t;  // after this one
    // Which beam is another beam plus one label: extending the parent by that
    // label adds to the existing beam instead of making a twin.
    by_key.clear();
    for (size_t i = 0; i < beams.size(); ++i)
      by_key.emplace_back(beams[i].key, static_cast<int>(i));
    std::sort(by_key.begin(), by_key.end());
    for (size_t j = 0; j < beams.size(); ++j) {
      if (beams[j].length == 0) continue;
      const uint64_t parent = packing.parent(beams[j].key, beams[j].length);
      const auto it = std::lower_bound(by_key.begin(), by_key.end(), std::make_pair(parent, 0));
      if (it != by_key.end() && it->first == parent)
        child[static_cast<size_t>(it->second) * C + beams[j].last()] = static_cast<int>(j);
    }
    // Stay: a blank, or the last label again (merged by CTC).
    stays.assign(beams.begin(), beams.end());
    for (size_t i = 0; i < beams.size(); ++i) {
      const Prefix& b = beams[i];
      Prefix& s = stays[i];
      totals[i] = log_add(b.lp_b, b.lp_nb);
      s.lp_b = totals[i] + lp[blank];
      s.lp_nb = b.length > 0 ? b.lp_nb + lp[b.last()] : kNegInf;
    }
    // A new prefix scoring below every one of beam_width completable stays
    // cannot make the cut (their scores only grow below): skipped, exactly.
    double threshold = kNegInf;
    if (stays.size() == beam_width) {
      threshold = std::numeric_limits<double>::infinity();
      for (const Prefix& s : stays) {
        const double score = std::max(s.lp_b, s.lp_nb) + first_weight(s);  // a lower bound
        if (kPostalSymbols - s.symbols > frames_left || !(score >= kNegInf)) {
          threshold = kNegInf;
          break;
        }
        threshold = std::min(threshold, score);
      }
    }
    // Grow by one label allowed at the prefix's position in the grammar. A
    // repeated label needs a blank in between: only lp_b continues into it.
    candidates.clear();
    for (size_t i = 0; i < beams.size(); ++i) {
      const Prefix& b = beams[i];
      if (b.symbols == kPostalSymbols) continue;
      const double total = totals[i];
      const double w = first_weight(b);
      const auto grow = [&](int k) {
        const bool repeat = b.length > 0 && b.last() == k;
        const double lp_nb = (repeat ? b.lp_b : total) + lp[k];
        const int j = child[i * C + k];
        if (j >= 0) {
          stays[j].lp_nb = log_add(stays[j].lp_nb, lp_nb);
          return;
        }
        if (kPostalSymbols - b.symbols - (is_separator(symbol_of[k]) ? 0 : 1) > frames_left) return;
        const double score = lp_nb + (b.symbols > 0 ? w : log_w[symbol_of[k] - 'A']);
        if (score >= threshold) candidates.push_back({static_cast<int>(i), k, lp_nb, score});
      };
      if (b.symbols == kPostalSeparatorAfter && !b.separated)
        for (int k : separators) grow(k);
      for (int k : allowed[b.symbols]) grow(k);
    }
    // Keep the beam_width best, ranked by prefix probability times the
    // first-letter weight; drop prefixes that can no longer be completed.
    ranked.clear();
    const auto rank = [&](double score, size_t index) {  // NaN (a broken network) ranks last
      ranked.emplace_back(std::isnan(score) ? kNegInf : score, static_cast<int>(index));
    };
    for (size_t i = 0; i < stays.size(); ++i) {
      if (kPostalSymbols - stays[i].symbols > frames_left) continue;
      rank(log_add(stays[i].lp_b, stays[i].lp_nb) + first_weight(stays[i]), i);
    }
    for (size_t c = 0; c < candidates.size(); ++c) rank(candidates[c].score, stays.size() + c);
    if (ranked.size() > beam_width) {
      std::nth_element(ranked.begin(), ranked.begin() + static_cast<long>(beam_width), ranked.end(),
                       [](const auto& a, const auto& b) { return a.first > b.first; });
      ranked.resize(beam_width);
    }
    next.clear();
    for (const auto& [score, index] : ranked) {
      if (index < static_cast<int>(stays.size())) {
        next.push_back(stays[index]);
        continue;
      }
      const Candidate& c = candidates[index - stays.size()];
      Prefix p = beams[c.parent];
      p.key = packing.child(p.key, p.length, c.label);
      p.labels[p.length++] = c.label;
      if (is_separator(symbol_of[c.label])) {
        p.separated = true;
      } else {
        ++p.symbols;
      }
      p.lp_b = kNegInf;
      p.lp_nb = c.lp_nb;
      next.push_back(p);
    }
    std::fill(child.begin(), child.begin() + static_cast<long>(beams.size()) * C, -1);
    std::swap(beams, next);
  }

  // Complete codes; the spellings with and without a separator are one code.
  std::map<std::string, double> log_p;
  for (const Prefix& b : beams) {
    if (b.symbols != kPostalSymbols) continue;
    std::string code;
    for (int i = 0; i < b.length; ++i) {
      if (!is_separator(symbol_of[b.labels[i]])) code += symbol_of[b.labels[i]];
    }
    code.insert(kPostalSeparatorAfter, 1, ' ');
    const double lp = log_add(b.lp_b, b.lp_nb);
    const auto [it, inserted] = log_p.try_emplace(code, lp);
    if (!inserted) it->second = log_add(it->second, lp);
  }
  // Re-weighting by the first letter, renormalised (see the header).
  double mass = 0, weighted = 0;
  for (const auto& [code, lp] : log_p) {
    mass += std::exp(lp);
    weighted += std::exp(lp + log_w[code[0] - 'A']);
  }
  const double z = weighted + std::max(0.0, 1 - mass);
  for (const auto& [code, lp] : log_p) {
    const double p = z > 0 ? std::exp(lp + log_w[code[0] - 'A']) / z : 0.0;
    result.best.push_back({code, std::isnan(p) ? 0.0 : std::clamp(p, 0.0, 1.0)});
  }
  const double empty = z > 0 ? std::exp(log_empty) / z : 0.0;
  result.blank_probability = std::isnan(empty) ? 0.0 : std::clamp(empty, 0.0, 1.0);
  std::stable_sort(
      result.best.begin(), result.best.end(),
      [](const DecodedCode& a, const DecodedCode& b) { return a.probability > b.probability; });
  result.best.resize(std::min(result.best.size(), static_cast<size_t>(std::max(0, n_best))));
  return result;
}

DecodeResult average_views(const std::vector<DecodeResult>& views, int n_best) {
  DecodeResult out;
  if (views.empty()) return out;
  const double share = 1.0 / static_cast<double>(views.size());
  for (const DecodeResult& v : views) {
    out.blank_probability += share * v.blank_probability;
    for (const DecodedCode& c : v.best) {
      auto it = std::find_if(out.best.begin(), out.best.end(),
                             [&](const DecodedCode& o) { return o.code == c.code; });
      if (it == out.best.end()) {
        out.best.push_back({c.code, share * c.probability});
      } else {
        it->probability += share * c.probability;
      }
    }
  }
  // Ties keep the order codes were first seen in (the first view's ranking).
  std::stable_sort(
      out.best.begin(), out.best.end(),
      [](const DecodedCode& a, const DecodedCode& b) { return a.probability > b.probability; });
  if (static_cast<int>(out.best.size()) > n_best) out.best.resize(std::max(0, n_best));
  return out;
}

}  // namespace petiscan
