#include "data/title_search.h"

#include <gtest/gtest.h>

#include "core/text.h"

namespace n2v {
namespace {

const std::vector<std::string> kTitles{"NA", "Matrix Reloaded, The (2003)", "M (1931)", "Matrix, The (1999)",
                                       "Amélie (Fabuleux destin d'Amélie Poulain, Le) (2001)", "Animatrix, The (2003)",
                                       "ŁÓDŹ Story (1990)"};

TEST(FoldForSearch, LowersAndDropsLatinAccents) {
  EXPECT_EQ(fold_for_search("Amélie ÀÉÎÕÜ Çç ß"), "amelie aeiou cc s");
  EXPECT_EQ(fold_for_search("ŁÓDŹ"), "lodz");
  EXPECT_EQ(fold_for_search("× ÷ 東京"), "× ÷ 東京") << "signs and other scripts stay";
}

TEST(TitleSearch, PrefixMatchesComeBeforeSubstringMatchesEachInTokenOrder) {
  TitleSearch search(kTitles);
  EXPECT_EQ(search.find("matrix", 10), (std::vector<std::size_t>{1, 3, 5}));
  EXPECT_EQ(search.find("MATR", 2), (std::vector<std::size_t>{1, 3})) << "limit keeps the best";
  EXPECT_EQ(search.find("  The Matrix R", 10), (std::vector<std::size_t>{1})) << "as people say it, blanks trimmed";
}

TEST(TitleSearch, AccentsAndCaseDoNotMatter) {
  TitleSearch search(kTitles);
  EXPECT_EQ(search.find("amelie", 10), (std::vector<std::size_t>{4}));
  EXPECT_EQ(search.find("AMÉLIE", 10), (std::vector<std::size_t>{4}));
  EXPECT_EQ(search.find("lodz", 10), (std::vector<std::size_t>{6}));
}

TEST(TitleSearch, BlankQueriesAndTheReservedTokenFindNothing) {
  TitleSearch search(kTitles);
  EXPECT_TRUE(search.find("   ", 10).empty());
  EXPECT_TRUE(search.find("na", 10).empty()) << "token 0 is never returned";
  EXPECT_TRUE(search.find("zzzz", 10).empty());
}

}  // namespace
}  // namespace n2v
