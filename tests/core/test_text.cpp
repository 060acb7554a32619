// The string helpers: UTF-8 checks, edit distance, trimming, and numbers that read back exactly.
#include "core/text.h"

#include <gtest/gtest.h>

namespace n2v {
namespace {

TEST(Text, Utf8ValidationAndLatin1) {
  EXPECT_TRUE(is_valid_utf8("Caf\xC3\xA9"));
  EXPECT_FALSE(is_valid_utf8("Caf\xE9"));
  EXPECT_FALSE(is_valid_utf8("\xC3"));
  EXPECT_EQ(latin1_to_utf8("Caf\xE9"), "Caf\xC3\xA9");
}

TEST(Text, EditDistanceAndLowerCase) {
  EXPECT_EQ(edit_distance("kitten", "sitting"), 3u);
  EXPECT_EQ(edit_distance("", "abc"), 3u);
  EXPECT_EQ(edit_distance("abc", ""), 3u);
  EXPECT_EQ(edit_distance("walk.qq", "walk.q"), 1u);
  EXPECT_EQ(edit_distance("min_wieght", "min_weight"), 2u);
  EXPECT_EQ(edit_distance("same", "same"), 0u);
  EXPECT_EQ(to_lower("MiXeD Case 42"), "mixed case 42");
}

TEST(Text, TrimRemovesSpacesTabsAndLineEnds) {
  EXPECT_EQ(trim(" \t a b \r\n"), "a b");
  EXPECT_EQ(trim(" \t\r\n"), "");
  EXPECT_EQ(trim(""), "");
  EXPECT_EQ(trim("x"), "x");
}

TEST(Text, FormatDoubleIsShortAndReadsBackTheSameValue) {
  EXPECT_EQ(format_double(0.001), "0.001");
  EXPECT_EQ(format_double(1e-6), "1e-06");
  EXPECT_EQ(format_double(2.4527), "2.4527");
  EXPECT_EQ(format_double(100000), "100000");
  EXPECT_EQ(format_double(-3), "-3");
  EXPECT_EQ(format_double(0.1 + 0.2), "0.30000000000000004");
  for (double v : {0.1 + 0.2, 1.0 / 3.0, 6.02214076e23, -2.5e-300, 123456.789}) {
    double back = 0;
    ASSERT_TRUE(parse_double(format_double(v), back)) << format_double(v);
    EXPECT_EQ(back, v) << format_double(v);
  }
}

TEST(Text, NumbersParseOnlyWhenTheWholeStringIsOne) {
  double d = 0;
  EXPECT_TRUE(parse_double("1.5", d));
  EXPECT_EQ(d, 1.5);
  EXPECT_TRUE(parse_double("+2", d));
  EXPECT_EQ(d, 2.0);
  EXPECT_TRUE(parse_double("-1e-3", d));
  EXPECT_EQ(d, -0.001);
  EXPECT_FALSE(parse_double("1.5x", d));
  EXPECT_FALSE(parse_double(" 1", d));
  EXPECT_FALSE(parse_double("", d));
  EXPECT_FALSE(parse_double("abc", d));
  EXPECT_FALSE(parse_double("1e999", d)) << "overflow";

  long long i = 0;
  EXPECT_TRUE(parse_int64("42", i));
  EXPECT_EQ(i, 42);
  EXPECT_TRUE(parse_int64("+7", i));
  EXPECT_EQ(i, 7);
  EXPECT_TRUE(parse_int64("-3", i));
  EXPECT_EQ(i, -3);
  EXPECT_FALSE(parse_int64("2.5", i));
  EXPECT_FALSE(parse_int64("", i));
  EXPECT_FALSE(parse_int64("9223372036854775808", i)) << "overflow";
}

TEST(Text, QuoteExcerptIsShortPrintableAndCutsBetweenCharacters) {
  EXPECT_EQ(quote_excerpt("abc"), "'abc'");
  EXPECT_EQ(quote_excerpt(""), "''");
  EXPECT_EQ(quote_excerpt(std::string(100, 'x'), 10), "'xxxxxxxxxx'... (100 bytes)");
  EXPECT_EQ(quote_excerpt("a\nb\r\tc\\"), "'a\\nb\\r\\tc\\\\'");
  EXPECT_EQ(quote_excerpt(std::string("a\0b\x7f", 4)), "'a\\x00b\\x7F'");
  EXPECT_EQ(quote_excerpt("caf\xC3\xA9 ok"), "'caf\xC3\xA9 ok'");  // valid UTF-8 stays as it is
  EXPECT_EQ(quote_excerpt("caf\xE9"), "'caf\\xE9'");  // Latin-1: escaped
  // 4 bytes allowed, the é would be bytes 4 and 5: cut before it, never half of it.
  EXPECT_EQ(quote_excerpt("caf\xC3\xA9", 4), "'caf'... (5 bytes)");
  // A 10 MB value quotes 60 bytes.
  const std::string huge(10 << 20, 'z');
  EXPECT_EQ(quote_excerpt(huge), "'" + std::string(60, 'z') + "'... (10485760 bytes)");
  EXPECT_EQ(printable_excerpt("line\none", 100), "line\\none");
  EXPECT_EQ(printable_excerpt(huge, 5), "zzzzz... (10485760 bytes)");
}

TEST(Text, PrintableLineEscapesControlBytesButNotTheExcerptsInside) {
  // A message that already quotes an excerpt ('\\x1B' as text) reads the same after the guard.
  const std::string quoted = "value " + quote_excerpt("\x1b[31m") + " is bad";
  EXPECT_EQ(printable_line(quoted), quoted);
  EXPECT_EQ(printable_line("cannot read /tmp/a\nb\x1b[2J\x07: gone"), "cannot read /tmp/a\\nb\\x1B[2J\\x07: gone");
  EXPECT_EQ(printable_line("C:\\dir"), "C:\\dir");
  EXPECT_EQ(printable_line(std::string(10000, 'y'), 8), "yyyyyyyy... (10000 bytes)");
}

}  // namespace
}  // namespace n2v
