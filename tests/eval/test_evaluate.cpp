#include "eval/evaluate.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace n2v {
namespace {

TEST(EvaluationJson, KeepsTheKeysRoundsScoresAndWritesNaNAsNull) {
  Evaluation e;
  e.seed = 42;
  e.genres = LabelEvaluation{};
  e.genres->n2v = {{0.4291234567, 0.0071}, {0.2641, 0.0104}};
  e.genres->nodes = 1173;
  e.genres->labels = 19;
  e.genres->splits = 10;
  e.genres->source = "genres";
  e.links = LinkEvaluation{};
  e.links->n2v_auc = 0.70621438512;
  e.links->positives = e.links->negatives = 2618;  // adamic_adar_auc stays NaN: no training graph
  e.recommend = RecommendResult{};
  e.recommend->users = 388;
  e.recommend->n2v = {0.232, 0.09, 0.065};
  e.notes = {"links: no \"graph\""};

  const std::string text = evaluation_json(e, "run/model.pt");
  const nlohmann::json j = nlohmann::json::parse(text);
  EXPECT_EQ(j["model"].get<std::string>(), std::filesystem::absolute("run/model.pt").string());
  EXPECT_EQ(j["seed"], 42);
  EXPECT_EQ(j["genres"]["nodes"], 1173);
  EXPECT_EQ(j["genres"]["source"], "genres");
  EXPECT_DOUBLE_EQ(j["genres"]["n2v"]["micro_f1"].get<double>(), 0.429123);
  EXPECT_DOUBLE_EQ(j["genres"]["random"]["macro_f1_std"].get<double>(), 0.0);
  EXPECT_DOUBLE_EQ(j["links"]["n2v_auc"].get<double>(), 0.706214);
  EXPECT_TRUE(j["links"]["adamic_adar_auc"].is_null());
  EXPECT_EQ(j["links"]["positives"], 2618);
  EXPECT_EQ(j["recommend"]["k"], 10);
  EXPECT_DOUBLE_EQ(j["recommend"]["n2v"]["hit_rate@10"].get<double>(), 0.232);
  EXPECT_DOUBLE_EQ(j["recommend"]["popularity"]["ndcg@10"].get<double>(), 0.0);
  EXPECT_EQ(j["notes"], nlohmann::json::array({"links: no \"graph\""}));
  // Sections in the order they are set (nlohmann::json would sort them).
  EXPECT_LT(text.find("\"seed\""), text.find("\"genres\""));
  EXPECT_LT(text.find("\"recommend\""), text.find("\"notes\""));

  Evaluation none;
  const nlohmann::json empty = nlohmann::json::parse(evaluation_json(none, "model.pt"));
  EXPECT_FALSE(empty.contains("genres"));
  EXPECT_EQ(empty["notes"], nlohmann::json::array());
}

}  // namespace
}  // namespace n2v
