// Grammar-constrained CTC decoding of a postal-code cell: a prefix beam search
// whose prefixes can only grow along letter-digit-letter [separator]
// digit-letter-digit, so the best *valid* code is found directly (never a
// regex applied afterwards).
#pragma once

#include <array>
#include <opencv2/core.hpp>
#include <string>
#include <vector>

namespace petiscan {

// Prefixes kept per time step. On T = 8 random matrices (tests) a width of 32
// already returns the exhaustive best code; cost grows linearly with it.
inline constexpr int kDefaultBeamWidth = 32;

// The first-letter distribution the shipped model was trained with
// (scripts/recognizer_cells.py P_QUEBEC: 85 % G/H/J evenly, 15 % spread evenly
// over the 18 letters a code may start with). Index 0 = 'A'; 0 = never first.
// It is also the default campaign prior: a Quebec campaign.
std::array<double, 26> training_first_letter_prior();

struct DecoderSettings {
  int beam_width = kDefaultBeamWidth;
  // The campaign's belief about first letters (index 0 = 'A'), any positive
  // scale (normalised by the decoder); 0 = a letter this campaign never
  // accepts first. Default: Quebec-heavy (G, H, J likely, every other allowed
  // first letter small but non-zero), equal to the training distribution.
  std::array<double, 26> first_letter_prior = training_first_letter_prior();
  // What the network learned to expect; the decoder divides it out, so only
  // the *change* of belief re-weights the network's output.
  std::array<double, 26> model_first_letter_prior = training_first_letter_prior();
  void validate() const;  // throws UsageError
};

// The defaults above (a Quebec campaign, beam 32).
DecoderSettings default_decoder_settings();

struct DecodedCode {
  std::string code;    // canonical "A1A 1A1"
  double probability;  // P(code | image) in [0, 1], see decode_postal_code()
};

struct DecodeResult {
  std::vector<DecodedCode> best;  // most probable first, at most n_best
  double blank_probability = 0;   // P(the cell holds no symbol), same scale as `best`
};

// `log_probs`: T x C, CV_32F, a log-softmax over each row (time step); values
// finite or -inf. `alphabet`: the C-1 symbols of the non-blank classes in class
// order (class k is alphabet[k] below `blank`, alphabet[k - 1] above it), e.g.
// "0123456789ABCEGHJKLMNPRSTVWXYZ"; lower case counts as upper case; ' ' and
// '-' are separators. `blank`: the CTC blank class. Violations throw
// cv::Exception (programmer errors).
//
// Search: a CTC prefix beam search (p_blank / p_non_blank per prefix; a symbol
// repeated in a code needs a blank between its two emissions) whose prefixes
// follow the grammar automaton L D L [sep] D L D: a prefix grows only by a
// class allowed at its position; at most one separator, and only between the
// third and fourth symbols (symbols that are never allowed, e.g. 'O' or a
// separator elsewhere, are never emitted). Only complete six-symbol codes are
// returned; the label sequences "H2E2E9", "H2E 2E9" and "H2E-2E9" are one code.
//
// Probabilities. Let P(c) be the CTC probability of code c, summed over the
// alignments of the prefixes the beam kept (a lower bound of the exact sum,
// equal to it when the beam is wide enough), K the complete codes left in the
// beam, and w(c) = prior(c0) / model_prior(c0) for the first letter c0 (both
// normalised to sum 1). Then
//   probability(c)    = P(c) w(c) / Z,
//   blank_probability = P(empty) / Z,
//   Z = sum_{c' in K} P(c') w(c') + (1 - sum_{c' in K} P(c')),
// where P(empty) = prod_t (p_blank(t) + sum of the separators' p(t)) is the
// probability of a label sequence with no symbol. The mass outside K (other
// codes, invalid sequences, the empty cell) keeps weight 1. So the n-best and
// blank_probability are one distribution (their sum is at most 1), and with
// the default priors (w = 1) probability(c) is the network's own P(c).
DecodeResult decode_postal_code(const cv::Mat& log_probs, const std::string& alphabet, int blank,
                                const DecoderSettings& settings, int n_best);

// One cell read several ways (views of it: crops, stretches) combined into one
// distribution: probability(c) = the mean over views of probability_v(c), a
// code missing from a view's n-best counting 0 there; blank_probability = the
// mean of the views' blank probabilities. Each view's sum is at most 1, so the
// result's is too. A code every view ranks high keeps its probability; one
// that a single view proposes is divided by the number of views.
DecodeResult average_views(const std::vector<DecodeResult>& views, int n_best);

}  // namespace petiscan
