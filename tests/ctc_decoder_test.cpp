// The grammar-constrained CTC decoder on hand-made score matrices: each frame
// is a distribution written out by hand (the rest of its mass spread evenly
// over the other classes), so every expectation can be checked by reasoning.
#include "recognize/ctc_decoder.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <ctime>
#include <map>
#include <random>

#include "core/errors.h"
#include "recognize/postal_code.h"

namespace petiscan {
namespace {

// Class order of most tests: the 36 symbols, blank last (as the shipped model).
const std::string kFull = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";
const std::string kWithSeparators = kFull + " -";
constexpr char kBlank = '_';

// One frame: class symbol ('_' = blank) -> probability; the mass left over is
// spread evenly over the classes not named.
using Frame = std::map<char, double>;

cv::Mat matrix(const std::string& alphabet, int blank, const std::vector<Frame>& frames) {
  const int C = static_cast<int>(alphabet.size()) + 1;
  cv::Mat lp(static_cast<int>(frames.size()), C, CV_32F);
  for (int t = 0; t < lp.rows; ++t) {
    const Frame& f = frames[t];
    double named = 0;
    for (const auto& [c, p] : f) named += p;
    EXPECT_LE(named, 1 + 1e-9);
    const double rest = (1 - named) / (C - static_cast<int>(f.size()));
    for (int k = 0; k < C; ++k) {
      const char s = k == blank ? kBlank : alphabet[k < blank ? k : k - 1];
      const auto it = f.find(s);
      lp.at<float>(t, k) = static_cast<float>(std::log(it != f.end() ? it->second : rest));
    }
  }
  return lp;
}

// A path: one frame per character of `frames` with probability `peak`.
std::vector<Frame> path(const std::string& frames, double peak) {
  std::vector<Frame> out;
  for (char c : frames) out.push_back({{c, peak}});
  return out;
}

DecodeResult decode(const cv::Mat& lp, const std::string& alphabet = kFull, int blank = -1,
                    const DecoderSettings& settings = default_decoder_settings(), int n_best = 5) {
  if (blank < 0) blank = static_cast<int>(alphabet.size());
  return decode_postal_code(lp, alphabet, blank, settings, n_best);
}

std::string best_code(const DecodeResult& r) { return r.best.empty() ? "" : r.best[0].code; }

TEST(CtcDecoder, CleanPathReadsWithProbabilityNearOne) {
  const auto lp = matrix(kFull, 36, path("__H_2_E___2_E_9__", 0.995));
  const auto r = decode(lp);
  ASSERT_FALSE(r.best.empty());
  EXPECT_EQ(r.best[0].code, "H2E 2E9");
  EXPECT_GT(r.best[0].probability, 0.9);  // 0.995^17 = 0.92 for the main alignment alone
  EXPECT_LT(r.blank_probability, 1e-6);
}

TEST(CtcDecoder, BlankClassMayComeFirst) {
  const std::string frames = "__H_2_E___2_E_9__";
  const auto lp = matrix(kFull, 0, path(frames, 0.995));
  const auto r = decode(lp, kFull, 0);
  EXPECT_EQ(best_code(r), "H2E 2E9");
  EXPECT_NEAR(r.best[0].probability,
              decode(matrix(kFull, 36, path(frames, 0.995))).best[0].probability, 1e-6);
}

// A letter slot whose frame prefers the look-alike digit, and a digit slot
// whose frame prefers the look-alike letter: position decides.
struct Confusion {
  char letter, digit;
};

TEST(CtcDecoder, LookAlikesResolvedByPosition) {
  for (const Confusion c : std::vector<Confusion>{{'Z', '2'}, {'S', '5'}, {'B', '8'}, {'G', '6'}}) {
    // L D L D L D; slot 2 (letter) looks like the digit, slot 3 (digit) like the letter.
    std::vector<Frame> frames = path("H_2_", 0.99);
    frames.push_back({{c.digit, 0.6}, {c.letter, 0.38}});
    frames.push_back({{kBlank, 0.99}});
    frames.push_back({{c.letter, 0.6}, {c.digit, 0.38}});
    for (const Frame& f : path("_E_9_", 0.99)) frames.push_back(f);
    const auto r = decode(matrix(kFull, 36, frames));
    const std::string want = std::string("H2") + c.letter + " " + c.digit + "E9";
    EXPECT_EQ(best_code(r), want) << c.letter << '/' << c.digit;
    // No code with the look-alike in the wrong slot is ever proposed.
    for (const auto& d : r.best) EXPECT_TRUE(is_valid_postal_code(d.code)) << d.code;
  }
}

TEST(CtcDecoder, ZAtADigitSlotReadsAsTwo) {
  // The unconstrained best paths read "HZE2E9" and "H2EZE9".
  for (const char* frames : {"H_Z_E_2_E_9", "H_2_E_Z_E_9"}) {
    std::vector<Frame> f = path(frames, 0.99);
    for (Frame& fr : f)
      if (fr.count('Z')) fr = {{'Z', 0.7}, {'2', 0.25}};
    const auto r = decode(matrix(kFull, 36, f));
    EXPECT_EQ(best_code(r), "H2E 2E9") << frames;
    EXPECT_GT(r.best[0].probability, 0.15);
    EXPECT_LT(r.best[0].probability, 0.35);  // about 0.25 of a clean read
  }
  // And a 'Z' first never wins (W and Z are never first): '2' at slot 0 neither.
  std::vector<Frame> f = path("Z_2_E_2_E_9", 0.99);
  f[0] = {{'Z', 0.8}, {'2', 0.15}, {'H', 0.04}};
  EXPECT_EQ(best_code(decode(matrix(kFull, 36, f))), "H2E 2E9");
}

TEST(CtcDecoder, ForbiddenLettersLoseToAllowedLetters) {
  // O (never a letter of a code) at a letter slot: the allowed letter wins even
  // though O and 0 together hold most of the mass.
  std::vector<Frame> f = path("G_1_R_4_S_9", 0.99);
  f[4] = {{'O', 0.6}, {'0', 0.3}, {'C', 0.08}};
  EXPECT_EQ(best_code(decode(matrix(kFull, 36, f))), "G1C 4S9");
  // O at a digit slot reads 0.
  f = path("G_1_R_4_S_9", 0.99);
  f[6] = {{'O', 0.8}, {'0', 0.15}};
  EXPECT_EQ(best_code(decode(matrix(kFull, 36, f))), "G1R 0S9");
  // I at a letter slot loses to L; I at a digit slot reads 1.
  f = path("J_8_Y_3_Z_5", 0.99);
  f[4] = {{'I', 0.7}, {'1', 0.2}, {'L', 0.08}};
  f[10] = {{'I', 0.75}, {'1', 0.2}};
  EXPECT_EQ(best_code(decode(matrix(kFull, 36, f))), "J8L 3Z1");
  // Every forbidden letter, alone at every letter slot, never appears.
  for (char bad : kForbiddenPostalLetters) {
    for (int slot : {0, 4, 8}) {
      f = path("K_1_K_1_K_1", 0.99);
      f[slot] = {{bad, 0.9}, {'K', 0.05}};
      const auto r = decode(matrix(kFull, 36, f));
      EXPECT_EQ(best_code(r), "K1K 1K1") << bad << " at " << slot;
    }
  }
}

TEST(CtcDecoder, RepeatsNeedABlankAndDoubledFramesCollapse) {
  // Every symbol held two frames, no blank: CTC merges them.
  const auto held = decode(matrix(kFull, 36, path("HH22EE22EE99", 0.995)));
  EXPECT_EQ(best_code(held), "H2E 2E9");
  EXPECT_GT(held.best[0].probability, 0.9);
  // K1K 1K1: the repeated K and 1 are separated by other symbols and blanks.
  const auto k = decode(matrix(kFull, 36, path("_K_1_K__1_K_1_", 0.995)));
  EXPECT_EQ(best_code(k), "K1K 1K1");
  EXPECT_GT(k.best[0].probability, 0.9);
  // H _ H is two H's for CTC, which the grammar cannot take: one of the H
  // frames must be read as a blank, so the code is far less likely than when
  // the two H frames touch.
  const auto split = decode(matrix(kFull, 36, path("H_H2E2E9", 0.995)));
  const auto merged = decode(matrix(kFull, 36, path("HH2E2E9", 0.995)));
  EXPECT_EQ(best_code(split), "H2E 2E9");
  EXPECT_EQ(best_code(merged), "H2E 2E9");
  EXPECT_GT(merged.best[0].probability, 0.9);
  EXPECT_LT(split.best[0].probability, 0.05);
}

TEST(CtcDecoder, SeparatorsOnlyBetweenTheHalves) {
  const int blank = static_cast<int>(kWithSeparators.size());
  for (const char* frames : {"H_2_E_-_2_E_9", "H_2_E_ _2_E_9", "H_2_E_2_E_9"}) {
    const auto r = decode(matrix(kWithSeparators, blank, path(frames, 0.995)), kWithSeparators);
    EXPECT_EQ(best_code(r), "H2E 2E9") << frames;
    EXPECT_GT(r.best[0].probability, 0.9) << frames;
  }
  // A hyphen elsewhere is not a separator: its frame must be explained as a blank.
  const auto wrong =
      decode(matrix(kWithSeparators, blank, path("H_-_2_E_2_E_9", 0.995)), kWithSeparators);
  EXPECT_EQ(best_code(wrong), "H2E 2E9");
  EXPECT_LT(wrong.best[0].probability, 0.05);
  // Two separators between the halves are one too many.
  const auto two =
      decode(matrix(kWithSeparators, blank, path("H_2_E_-_ _2_E_9", 0.995)), kWithSeparators);
  EXPECT_LT(two.best[0].probability, 0.05);
  // Spellings with and without the separator add up to one code: half the
  // separator frame's mass on '-', half on blank.
  std::vector<Frame> f = path("H_2_E_-_2_E_9", 0.995);
  f[6] = {{'-', 0.5}, {kBlank, 0.495}};
  const auto both = decode(matrix(kWithSeparators, blank, f), kWithSeparators);
  EXPECT_EQ(best_code(both), "H2E 2E9");
  EXPECT_GT(both.best[0].probability, 0.9);
  ASSERT_GE(both.best.size(), 2u);
  EXPECT_NE(both.best[1].code, "H2E 2E9");  // one entry per code
}

TEST(CtcDecoder, EmptyCellIsBlank) {
  const auto r = decode(matrix(kFull, 36, path(std::string(40, kBlank), 0.999)));
  EXPECT_GT(r.blank_probability, 0.95);
  double sum = r.blank_probability;
  for (const auto& d : r.best) sum += d.probability;
  EXPECT_LE(sum, 1 + 1e-9);
  for (const auto& d : r.best) EXPECT_LT(d.probability, 1e-3);
  // Separator-only frames count as empty too.
  const int blank = static_cast<int>(kWithSeparators.size());
  std::vector<Frame> f = path(std::string(40, kBlank), 0.999);
  f[20] = {{'-', 0.9}, {kBlank, 0.099}};
  const auto s = decode(matrix(kWithSeparators, blank, f), kWithSeparators);
  EXPECT_GT(s.blank_probability, 0.95);
  // No frame at all: certainly empty; fewer frames than symbols: no code.
  const auto none = decode(cv::Mat());
  EXPECT_EQ(none.blank_probability, 1.0);
  EXPECT_TRUE(none.best.empty());
  EXPECT_TRUE(decode(matrix(kFull, 36, path("H2E2E", 0.99))).best.empty());
}

TEST(CtcDecoder, FirstLetterPriorChangesTheWinner) {
  std::vector<Frame> f = path("Y_1_A_9_Z_9", 0.99);
  f[0] = {{'Y', 0.55}, {'G', 0.44}};
  const auto lp = matrix(kFull, 36, f);
  std::array<double, 26> uniform{};
  for (char c = 'A'; c <= 'Z'; ++c) uniform[c - 'A'] = is_postal_letter(c, 0) ? 1 : 0;

  // A network without a first-letter bias, read for a Yukon-neutral campaign: Y.
  DecoderSettings neutral;
  neutral.first_letter_prior = uniform;
  neutral.model_first_letter_prior = uniform;
  const auto y = decode(lp, kFull, 36, neutral);
  EXPECT_EQ(best_code(y), "Y1A 9Z9");
  EXPECT_GT(y.best[0].probability, 0.45);  // about 0.55 of a clean read
  EXPECT_LT(y.best[0].probability, 0.6);

  // The same network read for a Quebec campaign: G, H, J far more likely.
  DecoderSettings quebec = neutral;
  quebec.first_letter_prior = training_first_letter_prior();
  const auto g = decode(lp, kFull, 36, quebec);
  EXPECT_EQ(best_code(g), "G1A 9Z9");
  ASSERT_GE(g.best.size(), 2u);
  EXPECT_EQ(g.best[1].code, "Y1A 9Z9");
  // The re-weighting is Bayes' rule: posterior odds = CTC odds x prior odds.
  const double prior_odds =
      quebec.first_letter_prior['G' - 'A'] / quebec.first_letter_prior['Y' - 'A'];
  const double ctc_odds = y.best[1].probability / y.best[0].probability;  // G over Y, neutral
  EXPECT_EQ(y.best[1].code, "G1A 9Z9");
  // (up to the alignments each beam kept: 1e-3 relative)
  EXPECT_NEAR(g.best[0].probability / g.best[1].probability, ctc_odds * prior_odds,
              1e-3 * ctc_odds * prior_odds);

  // With the default priors (campaign = training) nothing is re-weighted.
  const auto plain = decode(lp);
  EXPECT_EQ(best_code(plain), "Y1A 9Z9");
  EXPECT_NEAR(plain.best[0].probability, y.best[0].probability, 1e-9);

  // A prior of 0 excludes the letter.
  DecoderSettings no_y = neutral;
  no_y.first_letter_prior['Y' - 'A'] = 0;
  for (const auto& d : decode(lp, kFull, 36, no_y).best) EXPECT_NE(d.code[0], 'Y');
}

TEST(CtcDecoder, SettingsAreValidated) {
  EXPECT_NO_THROW(default_decoder_settings().validate());
  DecoderSettings s;
  s.beam_width = 0;
  EXPECT_THROW(s.validate(), UsageError);
  s = DecoderSettings{};
  s.first_letter_prior['W' - 'A'] = 1;  // no code starts with W
  EXPECT_THROW(s.validate(), UsageError);
  s = DecoderSettings{};
  s.first_letter_prior['H' - 'A'] = -1;
  EXPECT_THROW(s.validate(), UsageError);
  s = DecoderSettings{};
  s.first_letter_prior.fill(0);
  EXPECT_THROW(s.validate(), UsageError);
  // The default campaign: Quebec letters likely, every other first letter possible.
  const auto p = default_decoder_settings().first_letter_prior;
  double sum = 0;
  for (char c = 'A'; c <= 'Z'; ++c) {
    sum += p[c - 'A'];
    EXPECT_EQ(p[c - 'A'] > 0, is_postal_letter(c, 0)) << c;
  }
  EXPECT_NEAR(sum, 1, 1e-12);
  EXPECT_GT(p['H' - 'A'], 20 * p['T' - 'A']);
  EXPECT_EQ(default_decoder_settings().beam_width, kDefaultBeamWidth);
}

TEST(CtcDecoder, BadInputIsAProgrammerError) {
  const auto lp = matrix(kFull, 36, path("H_2_E_2_E_9", 0.99));
  EXPECT_THROW(decode(lp, kFull.substr(1), 35), cv::Exception);  // one class too many
  EXPECT_THROW(decode(lp, kFull, 37), cv::Exception);            // no such blank
  cv::Mat doubles;
  lp.convertTo(doubles, CV_64F);
  EXPECT_THROW(decode(doubles), cv::Exception);
  EXPECT_TRUE(decode(lp, kFull, 36, default_decoder_settings(), 0).best.empty());
}

// Random log-softmax rows, peaky like a trained network's (logit scale 4).
cv::Mat random_matrix(std::mt19937& rng, int T, int C, double scale) {
  std::normal_distribution<double> normal(0, scale);
  cv::Mat lp(T, C, CV_32F);
  for (int t = 0; t < T; ++t) {
    std::vector<double> z(C);
    double m = -1e300;
    for (double& v : z) m = std::max(m, v = normal(rng));
    double s = 0;
    for (double v : z) s += std::exp(v - m);
    for (int k = 0; k < C; ++k) lp.at<float>(t, k) = static_cast<float>(z[k] - m - std::log(s));
  }
  return lp;
}

// Exact CTC probability of one label sequence (forward algorithm).
double ctc_probability(const cv::Mat& prob, const std::vector<int>& labels, int blank) {
  std::vector<int> ext{blank};
  for (int l : labels) ext.insert(ext.end(), {l, blank});
  const int S = static_cast<int>(ext.size());
  std::vector<double> a(S, 0), b(S);
  a[0] = prob.at<double>(0, blank);
  if (S > 1) a[1] = prob.at<double>(0, ext[1]);
  for (int t = 1; t < prob.rows; ++t) {
    for (int s = 0; s < S; ++s) {
      double v = a[s] + (s >= 1 ? a[s - 1] : 0);
      if (s >= 2 && ext[s] != blank && ext[s] != ext[s - 2]) v += a[s - 2];
      b[s] = v * prob.at<double>(t, ext[s]);
    }
    std::swap(a, b);
  }
  return a[S - 1] + (S > 1 ? a[S - 2] : 0);
}

// Every grammar-valid code over `alphabet` with its exact CTC probability (the
// spellings with each separator added).
std::map<std::string, double> exhaustive(const cv::Mat& lp, const std::string& alphabet,
                                         int blank) {
  std::map<std::string, double> out;
  cv::Mat prob;
  lp.convertTo(prob, CV_64F);
  cv::exp(prob, prob);
  const auto cls = [&](char c) {
    const int i = static_cast<int>(alphabet.find(c));
    return i < blank ? i : i + 1;
  };
  std::vector<std::vector<char>> slots(kPostalSymbols);
  for (int pos = 0; pos < kPostalSymbols; ++pos)
    for (char c : alphabet)
      if (is_postal_symbol(c, pos)) slots[pos].push_back(c);
  std::vector<int> idx(kPostalSymbols, 0);
  while (true) {
    std::string code;
    for (int pos = 0; pos < kPostalSymbols; ++pos) code += slots[pos][idx[pos]];
    std::vector<int> labels;
    for (char c : code) labels.push_back(cls(c));
    double p = ctc_probability(prob, labels, blank);
    for (char sep : alphabet) {
      if (sep != ' ' && sep != '-') continue;
      auto with = labels;
      with.insert(with.begin() + kPostalSeparatorAfter, cls(sep));
      p += ctc_probability(prob, with, blank);
    }
    out[code.substr(0, 3) + " " + code.substr(3)] = p;
    int pos = kPostalSymbols - 1;
    while (pos >= 0 && ++idx[pos] == static_cast<int>(slots[pos].size())) idx[pos--] = 0;
    if (pos < 0) break;
  }
  return out;
}

TEST(CtcDecoder, BeamFindsTheExhaustiveBest) {
  // Reduced alphabets (with a forbidden letter, Z and separators) so that
  // every valid code can be enumerated: 3 x 4 x 4 x 4 x 4 x 4 = 3072 codes.
  for (const std::string& alphabet : {std::string("0123ABCOZ"), std::string("0123ABCOZ -")}) {
    const int blank = static_cast<int>(alphabet.size());
    const int C = blank + 1;
    DecoderSettings wide = default_decoder_settings();
    wide.beam_width = 20000;  // keeps every prefix: the sums are exact
    std::mt19937 rng(11);
    int found_best = 0;
    constexpr int kTrials = 40;
    for (int trial = 0; trial < kTrials; ++trial) {
      const bool peaky = trial % 2 == 1;
      const cv::Mat lp = random_matrix(rng, 8, C, peaky ? 4.0 : 2.0);
      const auto exact = exhaustive(lp, alphabet, blank);
      std::string arg;
      double best = -1, total = 0;
      for (const auto& [code, p] : exact) {
        total += p;
        if (p > best) best = p, arg = code;
      }
      const auto r = decode(lp, alphabet, blank, default_decoder_settings(), 3);
      ASSERT_FALSE(r.best.empty());
      // The beam is a search, not an enumeration: on peaky (network-like)
      // matrices it must find the best code; on flat ones a code at least
      // 90 % as likely (a beam of 32 found the exact best in 79 of these 80).
      const double ratio = exact.at(r.best[0].code) / best;
      if (peaky) {
        EXPECT_EQ(r.best[0].code, arg) << alphabet << " trial " << trial;
      }
      EXPECT_GE(ratio, 0.9) << alphabet << " trial " << trial;
      found_best += r.best[0].code == arg;
      EXPECT_LE(r.best[0].probability, best * (1 + 1e-4) + 1e-12);  // a lower bound
      // A beam wide enough keeps every prefix and gives the exact sums.
      const auto w = decode(lp, alphabet, blank, wide, 50);
      ASSERT_EQ(w.best[0].code, arg);
      for (const auto& d : w.best) EXPECT_NEAR(d.probability, exact.at(d.code), 1e-4 * best + 1e-9);
      // The empty label sequence: every frame blank or separator.
      double empty = 1;
      for (int t = 0; t < lp.rows; ++t) {
        double f = std::exp(lp.at<float>(t, blank));
        for (int k = 0; k < blank; ++k)
          if (alphabet[k] == ' ' || alphabet[k] == '-') f += std::exp(lp.at<float>(t, k));
        empty *= f;
      }
      EXPECT_NEAR(w.blank_probability, empty, 1e-5 * empty + 1e-12);
      EXPECT_LE(total + empty, 1 + 1e-5);
    }
    EXPECT_GE(found_best, kTrials - 2) << alphabet;
  }
}

TEST(CtcDecoder, NBestIsADistribution) {
  std::mt19937 rng(3);
  DecoderSettings neutral;  // re-weighting on: a campaign unlike the training prior
  neutral.first_letter_prior.fill(0);
  for (char c = 'A'; c <= 'Z'; ++c) neutral.first_letter_prior[c - 'A'] = is_postal_letter(c, 0);
  for (int trial = 0; trial < 200; ++trial) {
    const cv::Mat lp = random_matrix(rng, 40, 37, 1.0 + trial % 5);
    for (const DecoderSettings& s : {default_decoder_settings(), neutral}) {
      const auto r = decode(lp, kFull, 36, s, 10);
      double sum = r.blank_probability;
      EXPECT_GE(r.blank_probability, 0);
      for (size_t i = 0; i < r.best.size(); ++i) {
        EXPECT_TRUE(is_valid_postal_code(r.best[i].code)) << r.best[i].code;
        EXPECT_GE(r.best[i].probability, 0);
        EXPECT_LE(r.best[i].probability, 1);
        if (i > 0) {
          EXPECT_LE(r.best[i].probability, r.best[i - 1].probability);
        }
        for (size_t j = 0; j < i; ++j) EXPECT_NE(r.best[i].code, r.best[j].code);
        sum += r.best[i].probability;
      }
      EXPECT_LE(sum, 1 + 1e-9);
    }
  }
}

TEST(CtcDecoder, AveragedViewsAreADistributionThatFavoursAgreement) {
  // View 1 prefers a code the other two rank low or not at all.
  const DecodeResult a{{{"H2E 2E9", 0.5}, {"H2E 2E8", 0.3}}, 0.1};
  const DecodeResult b{{{"H2E 2E8", 0.6}, {"H2E 2E9", 0.2}}, 0.1};
  const DecodeResult c{{{"H2E 2E8", 0.7}}, 0.25};
  const DecodeResult avg = average_views({a, b, c}, 5);
  ASSERT_EQ(avg.best.size(), 2u);
  EXPECT_EQ(avg.best[0].code, "H2E 2E8");
  EXPECT_NEAR(avg.best[0].probability, (0.3 + 0.6 + 0.7) / 3, 1e-12);
  EXPECT_NEAR(avg.best[1].probability, (0.5 + 0.2 + 0.0) / 3, 1e-12);
  EXPECT_NEAR(avg.blank_probability, 0.15, 1e-12);
  double sum = avg.blank_probability;
  for (const auto& d : avg.best) sum += d.probability;
  EXPECT_LE(sum, 1 + 1e-12);
  // One view is that view; n_best bounds the list; no view, no reading.
  const DecodeResult one = average_views({a}, 1);
  ASSERT_EQ(one.best.size(), 1u);
  EXPECT_EQ(one.best[0].code, "H2E 2E9");
  EXPECT_DOUBLE_EQ(one.best[0].probability, 0.5);
  EXPECT_TRUE(average_views({}, 5).best.empty());
  // Random decodings averaged stay sorted, distinct and summing to at most 1.
  std::mt19937 rng(11);
  for (int trial = 0; trial < 50; ++trial) {
    std::vector<DecodeResult> views;
    for (int v = 0; v < 1 + trial % 4; ++v)
      views.push_back(
          decode(random_matrix(rng, 40, 37, 1.0 + v), kFull, 36, default_decoder_settings(), 10));
    const DecodeResult r = average_views(views, 5);
    EXPECT_LE(r.best.size(), 5u);
    double total = r.blank_probability;
    for (size_t i = 0; i < r.best.size(); ++i) {
      if (i > 0) {
        EXPECT_LE(r.best[i].probability, r.best[i - 1].probability);
      }
      for (size_t j = 0; j < i; ++j) EXPECT_NE(r.best[i].code, r.best[j].code);
      total += r.best[i].probability;
    }
    EXPECT_LE(total, 1 + 1e-9);
  }
}

// Prints the decoding time of a realistic cell (T = 40, 37 and 39 classes,
// beams 8, 32, 128); asserts the result, not the time.
TEST(CtcDecoderBenchmark, DecodeTime) {
  for (const std::string& alphabet : {kFull, kWithSeparators}) {
    const int blank = static_cast<int>(alphabet.size());
    // A clean read of "H2E 2E9" over 40 frames with noise on every frame.
    std::vector<Frame> frames = path("____H___2___E______2___E___9____________", 0.9);
    frames[8] = {{'2', 0.5}, {'Z', 0.4}};
    cv::Mat lp = matrix(alphabet, blank, frames);
    cv::Mat noise(lp.size(), CV_32F);
    cv::randn(noise, 0, 0.3);
    lp += noise;
    for (int t = 0; t < lp.rows; ++t) {  // back to a log-softmax
      double s = 0;
      for (int k = 0; k < lp.cols; ++k) s += std::exp(lp.at<float>(t, k));
      for (int k = 0; k < lp.cols; ++k) lp.at<float>(t, k) -= static_cast<float>(std::log(s));
    }
    constexpr int kRuns = 2000;
    for (int beam : {8, kDefaultBeamWidth, 128}) {
      DecoderSettings settings;
      settings.beam_width = beam;
      DecodeResult r;
      // CPU time of this process (the machine may be busy with other work).
      const std::clock_t start = std::clock();
      for (int i = 0; i < kRuns; ++i) r = decode(lp, alphabet, blank, settings, 5);
      const double us = 1e6 * static_cast<double>(std::clock() - start) / CLOCKS_PER_SEC / kRuns;
      EXPECT_EQ(best_code(r), "H2E 2E9");
      std::printf("decode_postal_code: T=%d C=%d beam=%d: %.1f us CPU per cell\n", lp.rows, lp.cols,
                  beam, us);
    }
  }
}

}  // namespace
}  // namespace petiscan
