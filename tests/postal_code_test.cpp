#include "recognize/postal_code.h"

#include <gtest/gtest.h>

#include <random>
#include <string>

namespace petiscan {
namespace {

TEST(PostalCode, NormalisesWhatPeopleType) {
  EXPECT_EQ(normalize_postal_code("H2E 2E9"), "H2E 2E9");
  EXPECT_EQ(normalize_postal_code("h2e2e9"), "H2E 2E9");
  EXPECT_EQ(normalize_postal_code("H2E-2E9"), "H2E 2E9");
  EXPECT_EQ(normalize_postal_code("h2e-2e9"), "H2E 2E9");
  EXPECT_EQ(normalize_postal_code(" h2e 2e9 "), "H2E 2E9");
  EXPECT_EQ(normalize_postal_code("\t G1R 4S9\r\n"), "G1R 4S9");
  EXPECT_EQ(normalize_postal_code("j8Y3z5"), "J8Y 3Z5");
  EXPECT_EQ(normalize_postal_code("K1A 0B1"), "K1A 0B1");
}

TEST(PostalCode, RejectsMalformedText) {
  for (const char* bad : {"",         " ",        "H2E",     "H2E 2E",     "H2E 2E99", "H2E  2E9",
                          "H2E--2E9", "H2E_2E9",  "H 2E2E9", "H2E2 E9",    "-H2E2E9",  "H2E2E9-",
                          "H2E2E9 x", "22E 2E9",  "HHE 2E9", "H2E 2EE",    "H2E 229",  "H2E\t2E9",
                          "H2E.2E9",  "H2E 2E9.", "abcdef",  "hello world"}) {
    EXPECT_EQ(normalize_postal_code(bad), std::nullopt) << '"' << bad << '"';
  }
}

TEST(PostalCode, ForbiddenLettersNeverAppearAtAnyLetterPosition) {
  for (char c : kForbiddenPostalLetters) {
    for (int pos : {0, 2, 4}) {
      std::string code = "H2E2E9";
      code[pos] = c;
      EXPECT_EQ(normalize_postal_code(code), std::nullopt) << code;
      code[pos] = static_cast<char>(c - 'A' + 'a');
      EXPECT_EQ(normalize_postal_code(code), std::nullopt) << code;
    }
  }
}

TEST(PostalCode, WAndZNeverFirstButAllowedLater) {
  EXPECT_EQ(normalize_postal_code("W2E 2E9"), std::nullopt);
  EXPECT_EQ(normalize_postal_code("z2e2e9"), std::nullopt);
  EXPECT_EQ(normalize_postal_code("H2W 2Z9"), "H2W 2Z9");
  EXPECT_EQ(normalize_postal_code("h2z-2w9"), "H2Z 2W9");
}

TEST(PostalCode, RejectsNonAsciiAndControlBytes) {
  EXPECT_EQ(normalize_postal_code("H2É 2E9"), std::nullopt);
  EXPECT_EQ(normalize_postal_code("\xEF\xBC\xA8"
                                  "2E 2E9"),
            std::nullopt);  // full-width H
  EXPECT_EQ(normalize_postal_code(std::string_view("H2E\0"
                                                   "2E9",
                                                   7)),
            std::nullopt);
  EXPECT_EQ(normalize_postal_code(std::string_view("H2E2E9\0", 7)), std::nullopt);
  std::string high = "H2E2E9";
  high[2] = static_cast<char>('E' + 128);  // 'E' with the top bit set
  EXPECT_EQ(normalize_postal_code(high), std::nullopt);
}

TEST(PostalCode, HugeInputIsRejectedQuickly) {
  const std::string huge(100 * 1024, 'A');
  EXPECT_EQ(normalize_postal_code(huge), std::nullopt);
  std::string padded(100 * 1024, ' ');
  padded.replace(50 * 1024, 7, "h2e 2e9");
  EXPECT_EQ(normalize_postal_code(padded), "H2E 2E9");  // only white space around it
}

TEST(PostalCode, RandomBytesGiveNothingOrAValidIdempotentCode) {
  std::mt19937 rng(4);
  const std::string likely = "h2eH2E 9-\tOIZWzw0";
  int accepted = 0;
  for (int i = 0; i < 200000; ++i) {
    std::string s(rng() % 10, '\0');
    for (char& c : s)
      c = (rng() % 4 != 0) ? likely[rng() % likely.size()] : static_cast<char>(rng() % 256);
    const auto code = normalize_postal_code(s);
    if (!code) continue;
    ++accepted;
    ASSERT_TRUE(is_valid_postal_code(*code)) << *code;
    ASSERT_EQ(normalize_postal_code(*code), code);
  }
  EXPECT_GT(accepted, 0);  // the generator does hit valid codes
}

TEST(PostalCode, ValidityWantsTheCanonicalForm) {
  EXPECT_TRUE(is_valid_postal_code("H2E 2E9"));
  EXPECT_TRUE(is_valid_postal_code("Y1A 9Z9"));
  EXPECT_FALSE(is_valid_postal_code("h2e 2e9"));
  EXPECT_FALSE(is_valid_postal_code("H2E2E9"));
  EXPECT_FALSE(is_valid_postal_code("H2E-2E9"));
  EXPECT_FALSE(is_valid_postal_code("H2E 2E9 "));
  EXPECT_FALSE(is_valid_postal_code("H2O 2E9"));
  EXPECT_FALSE(is_valid_postal_code("Z2E 2E9"));
  EXPECT_FALSE(is_valid_postal_code(""));
}

TEST(PostalCode, TablesHoldTheGrammar) {
  int first = 0, letters = 0, digits = 0;
  for (int c = 0; c < 256; ++c) {
    first += kPostalFirstLetterTable[c];
    letters += kPostalLetterTable[c];
    digits += kPostalDigitTable[c];
  }
  EXPECT_EQ(first, 18);    // 26 - D F I O Q U - W Z
  EXPECT_EQ(letters, 20);  // 26 - D F I O Q U
  EXPECT_EQ(digits, 10);
  EXPECT_TRUE(kPostalLetterTable['W'] && kPostalLetterTable['Z']);
  EXPECT_FALSE(kPostalFirstLetterTable['W'] || kPostalFirstLetterTable['Z']);
  for (char c : kForbiddenPostalLetters) EXPECT_FALSE(kPostalLetterTable[c]) << c;
  EXPECT_FALSE(kPostalLetterTable['h']);
  EXPECT_TRUE(is_postal_symbol('7', 1) && is_postal_symbol('7', 3) && is_postal_symbol('7', 5));
  EXPECT_FALSE(is_postal_symbol('7', 0) || is_postal_symbol('A', 1) || is_postal_symbol('A', 6));
  EXPECT_TRUE(is_postal_letter('Z', 4));
  EXPECT_FALSE(is_postal_letter('Z', 0));
}

TEST(PostalCode, ProvinceOfEveryFirstLetter) {
  EXPECT_EQ(postal_province('A'), "NL");
  EXPECT_EQ(postal_province('B'), "NS");
  EXPECT_EQ(postal_province('C'), "PE");
  EXPECT_EQ(postal_province('E'), "NB");
  for (char c : {'G', 'H', 'J', 'h'}) EXPECT_EQ(postal_province(c), "QC") << c;
  for (char c : {'K', 'L', 'M', 'N', 'P'}) EXPECT_EQ(postal_province(c), "ON") << c;
  EXPECT_EQ(postal_province('R'), "MB");
  EXPECT_EQ(postal_province('S'), "SK");
  EXPECT_EQ(postal_province('T'), "AB");
  EXPECT_EQ(postal_province('V'), "BC");
  EXPECT_EQ(postal_province('X'), "NT/NU");
  EXPECT_EQ(postal_province('Y'), "YT");
  // Exactly the allowed first letters have a province.
  for (char c = 'A'; c <= 'Z'; ++c)
    EXPECT_EQ(!postal_province(c).empty(), is_postal_letter(c, 0)) << c;
  EXPECT_EQ(postal_province('1'), "");
  EXPECT_EQ(postal_province('\xC3'), "");
}

TEST(PostalCode, ForwardSortationArea) {
  EXPECT_EQ(postal_fsa("H2E 2E9"), "H2E");
  EXPECT_EQ(postal_fsa("h2e 2e9"), "");
  EXPECT_EQ(postal_fsa("H2E"), "");
  EXPECT_EQ(postal_fsa(""), "");
}

}  // namespace
}  // namespace petiscan
