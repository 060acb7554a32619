#include "data/titles.h"

#include <gtest/gtest.h>

namespace n2v {
namespace {

const std::vector<std::string> kTitles = {"NA",
                                          "Matrix, The (1999)",
                                          "Matrix Reloaded, The (2003)",
                                          "M (1931)",
                                          "Hamlet (1990)",
                                          "Hamlet (1996)",
                                          "Grande illusion, La (1937)",
                                          "Amélie (Fabuleux destin d'Amélie Poulain, Le) (2001)",
                                          "Toy Story (1995)",
                                          "Toy Story 2 (1999)"};

std::vector<std::string> titles_of(const std::vector<std::size_t>& indices) {
  std::vector<std::string> out;
  for (std::size_t i : indices) out.push_back(kTitles[i]);
  return out;
}

TEST(TitleKey, MovesTheArticleToTheFrontAndTakesTheYearApart) {
  TitleKey key = title_key("Matrix, The (1999)");
  EXPECT_EQ(key.name, "the matrix");
  EXPECT_EQ(key.year, 1999);
  EXPECT_EQ(title_key("  the   MATRIX ").name, "the matrix");
  EXPECT_FALSE(title_key("The Matrix").year);
  EXPECT_EQ(title_key("Grande illusion, La (1937)").name, "la grande illusion");
  EXPECT_EQ(title_key("Enfant, L' (2005)").name, "l'enfant");
  // A comma that is not before an article stays; so does a number in parentheses that is not a year.
  EXPECT_EQ(title_key("Crouching Tiger, Hidden Dragon (2000)").name, "crouching tiger, hidden dragon");
  EXPECT_EQ(title_key("Nine (9)").name, "nine (9)");
}

TEST(FindTitles, TakesTitlesAsPeopleTypeThem) {
  for (const char* query : {"Matrix, The (1999)", "The Matrix", "the matrix", "matrix, the (1999)", "The Matrix (1999)",
                            "  THE MATRIX  "}) {
    EXPECT_EQ(titles_of(find_titles(kTitles, query)), std::vector<std::string>{"Matrix, The (1999)"}) << query;
  }
  EXPECT_TRUE(find_titles(kTitles, "The Matrix (1998)").empty()) << "a year that is given must match";
  EXPECT_TRUE(find_titles(kTitles, "Matrix").empty()) << "the article is part of the name";
  EXPECT_EQ(titles_of(find_titles(kTitles, "la grande illusion")), std::vector<std::string>{"Grande illusion, La (1937)"});
  EXPECT_EQ(titles_of(find_titles(kTitles, "toy story")), std::vector<std::string>{"Toy Story (1995)"});
  EXPECT_EQ(titles_of(find_titles(kTitles, "Hamlet")), (std::vector<std::string>{"Hamlet (1990)", "Hamlet (1996)"}));
  EXPECT_EQ(titles_of(find_titles(kTitles, "hamlet (1996)")), std::vector<std::string>{"Hamlet (1996)"});
  EXPECT_TRUE(find_titles(kTitles, "NA").empty()) << "token 0 is reserved";
  EXPECT_TRUE(find_titles(kTitles, "").empty());
}

TEST(SuggestTitles, RanksPrefixThenContainsThenEditDistance) {
  EXPECT_EQ(titles_of(suggest_titles(kTitles, "matrix", 5)),
            (std::vector<std::string>{"Matrix, The (1999)", "Matrix Reloaded, The (2003)"}))
      << "names containing the query, not M (1931)";
  EXPECT_EQ(titles_of(suggest_titles(kTitles, "toy", 5)), (std::vector<std::string>{"Toy Story (1995)", "Toy Story 2 (1999)"}));
  // "the matrix r" starts "the matrix reloaded" only: prefix before contains.
  EXPECT_EQ(titles_of(suggest_titles(kTitles, "The Matrix R", 5)), std::vector<std::string>{"Matrix Reloaded, The (2003)"});
  // Nothing contains a typo: the nearest names, the misspelt film first.
  auto typo = titles_of(suggest_titles(kTitles, "The Matrx", 3));
  ASSERT_EQ(typo.size(), 3u);
  EXPECT_EQ(typo[0], "Matrix, The (1999)");
  EXPECT_EQ(suggest_titles(kTitles, "amelie", 5).size(), 5u) << "no name contains it: the five nearest";
  EXPECT_EQ(titles_of(suggest_titles(kTitles, "amélie", 5)),
            std::vector<std::string>{"Amélie (Fabuleux destin d'Amélie Poulain, Le) (2001)"});
}

}  // namespace
}  // namespace n2v
