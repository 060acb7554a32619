#include "core/json.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

namespace n2v {
namespace {

TEST(Json, NumbersPrintLikeFormatDouble) {
  EXPECT_EQ(json_number(68.0).dump(), "68");  // not 68.0
  EXPECT_EQ(json_number(-3.0).dump(), "-3");
  EXPECT_EQ(json_number(0.1).dump(), "0.1");
  EXPECT_EQ(json_number(2.4527).dump(), "2.4527");
  EXPECT_EQ(json_number(1e300).dump(), "1e+300");
  EXPECT_TRUE(json_number(std::nan("")).is_null());
}

TEST(Json, RoundedNumbersKeepTheirDecimals) {
  EXPECT_EQ(json_rounded(57.00498, 2).dump(), "57");
  EXPECT_EQ(json_rounded(68.2749, 2).dump(), "68.27");
  EXPECT_EQ(json_rounded(0.70621438512, 6).dump(), "0.706214");
  EXPECT_EQ(json_rounded(0.0000004, 6).dump(), "0");
  EXPECT_EQ(json_rounded(1234.56, 0).dump(), "1235");
  EXPECT_TRUE(json_rounded(std::numeric_limits<double>::quiet_NaN(), 6).is_null());
}

TEST(Json, TextIsIndentedForFilesAndOneLineForMetadata) {
  Json j;
  j["b"] = 1;
  j["a"] = {"x\"y", "tab\there"};
  // Keys in the order set, two spaces a level, a final newline.
  EXPECT_EQ(json_text(j), "{\n  \"b\": 1,\n  \"a\": [\n    \"x\\\"y\",\n    \"tab\\there\"\n  ]\n}\n");
  EXPECT_EQ(json_text(j, -1), R"({"b":1,"a":["x\"y","tab\there"]})");
}

TEST(Json, BytesThatAreNotUtf8BecomeReplacementCharacters) {
  const Json latin1 = std::string("Am\xe9lie");
  EXPECT_EQ(json_text(latin1, -1), "\"Am\xef\xbf\xbdlie\"");
  EXPECT_EQ(Json::parse(json_text(latin1)).get<std::string>(), "Am\xef\xbf\xbdlie");
}

}  // namespace
}  // namespace n2v
