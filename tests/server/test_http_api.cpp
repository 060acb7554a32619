// The /v1/ API over real HTTP against a server on an ephemeral port, on a model trained on
// ml-latest-small: what each route answers, checked against ModelFile (the reader n2v similar
// uses) and against the recommend math computed here, and every error status.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "core/text.h"
#include "data/titles.h"
#include "eval/profile.h"
#include "serve/model_file.h"
#include "serve_fixture.h"

namespace n2v {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using testing::get;
using testing::post;
using testing::RunningServer;
using testing::url_encoded;

constexpr std::int64_t kMatrix = 2571, kStarWars = 260, kToyStory = 1;

class HttpApi : public ::testing::Test {
 protected:
  void SetUp() override {
    N2V_REQUIRE_ML_SMALL();
    model_ = std::make_unique<ModelFile>(ModelFile::load(testing::trained_model()));
    server_ = std::make_unique<RunningServer>(testing::trained_model());
  }
  std::int64_t token_of(std::int64_t movie_id) const { return model_->token_of(movie_id); }
  std::int64_t movie_of(std::int64_t token) const { return model_->vocabulary().movie_ids[token]; }

  std::unique_ptr<ModelFile> model_;
  std::unique_ptr<RunningServer> server_;
};

TEST_F(HttpApi, SimilarByIdIsModelFilesAnswerWithoutTheQuery) {
  auto reply = get(*server_, "/v1/similar?id=2571&k=5");
  ASSERT_EQ(reply.status, 200) << reply.text;
  EXPECT_EQ(reply.content_type, "application/json");
  EXPECT_EQ(reply.body["query"]["id"], kMatrix);
  EXPECT_EQ(reply.body["query"]["title"], "Matrix, The (1999)");
  EXPECT_EQ(reply.body["query"]["genres"], json({"Action", "Sci-Fi", "Thriller"}));
  // ModelFile::similar (model.pt's own method) includes the query first; the API leaves it out.
  const auto expected = model_->similar({token_of(kMatrix)}, 6).front();
  ASSERT_EQ(expected.front().token, token_of(kMatrix));
  const json& neighbors = reply.body["neighbors"];
  ASSERT_EQ(neighbors.size(), 5u);
  for (std::size_t i = 0; i < 5; ++i) {
    EXPECT_EQ(neighbors[i]["id"], movie_of(expected[i + 1].token)) << i;
    EXPECT_NEAR(neighbors[i]["score"].get<double>(), expected[i + 1].score, 1e-5) << i;
    EXPECT_EQ(neighbors[i]["title"], model_->vocabulary().titles[expected[i + 1].token]);
  }
}

TEST_F(HttpApi, SimilarByTitleAsPeopleTypeItAnswersAsById) {
  auto by_title = get(*server_, "/v1/similar?title=" + url_encoded("the matrix") + "&k=3");
  auto by_id = get(*server_, "/v1/similar?id=2571&k=3");
  ASSERT_EQ(by_title.status, 200) << by_title.text;
  EXPECT_EQ(by_title.body, by_id.body);
  EXPECT_EQ(get(*server_, "/v1/similar?id=2571").body["neighbors"].size(), 10u) << "k defaults to 10";
}

TEST_F(HttpApi, MinScoreDropsTheWeakerNeighbours) {
  auto all = get(*server_, "/v1/similar?id=2571&k=20").body["neighbors"];
  ASSERT_EQ(all.size(), 20u);
  const double cut = (all[4]["score"].get<double>() + all[5]["score"].get<double>()) / 2;
  auto some = get(*server_, "/v1/similar?id=2571&k=20&min_score=" + format_double(cut));
  ASSERT_EQ(some.status, 200) << some.text;
  ASSERT_EQ(some.body["neighbors"].size(), 5u);
  for (std::size_t i = 0; i < 5; ++i) EXPECT_EQ(some.body["neighbors"][i], all[i]);
}

TEST_F(HttpApi, AnUnknownMovieIs404WithTheSuggestionsOfNSimilar) {
  auto reply = get(*server_, "/v1/similar?title=" + url_encoded("Matrix Reloded"));
  ASSERT_EQ(reply.status, 404) << reply.text;
  EXPECT_EQ(reply.body["field"], "title");
  EXPECT_EQ(reply.body["error"], "title 'Matrix Reloded' is not in the model's vocabulary");
  const auto& titles = model_->vocabulary().titles;
  std::vector<std::string> expected, got;
  for (std::size_t t : suggest_titles(titles, "Matrix Reloded", 5)) expected.push_back(titles[t]);
  for (const json& s : reply.body["suggestions"]) got.push_back(s["title"]);
  EXPECT_FALSE(expected.empty());
  EXPECT_EQ(got, expected);
  auto by_id = get(*server_, "/v1/similar?id=999999999");
  EXPECT_EQ(by_id.status, 404);
  EXPECT_EQ(by_id.body["field"], "id");
}

TEST_F(HttpApi, BadParametersAre400NamingTheField) {
  const std::vector<std::pair<std::string, std::string>> cases{
      {"/v1/similar?id=2571&k=0", "k"},          {"/v1/similar?id=2571&k=abc", "k"},
      {"/v1/similar?id=2571&k=101", "k"},        {"/v1/similar?id=2571&min_score=2", "min_score"},
      {"/v1/similar?id=2571&min_score=x", "min_score"}, {"/v1/similar", "id"},
      {"/v1/similar?id=1&title=x", "title"},     {"/v1/search", "q"},
      {"/v1/search?q=a&limit=51", "limit"},      {"/v1/vector", "id"}};
  for (const auto& [target, field] : cases) {
    auto reply = get(*server_, target);
    EXPECT_EQ(reply.status, 400) << target << " " << reply.text;
    EXPECT_EQ(reply.body["field"], field) << target;
    EXPECT_EQ(reply.body["status"], 400) << target;
  }
}

TEST_F(HttpApi, ErrorsQuoteOnlyAShortEscapedExcerptOfTheInput) {
  const std::string hostile = "<script>\n" + std::string(150, 'x');
  auto reply = get(*server_, "/v1/similar?title=" + url_encoded(hostile));
  ASSERT_EQ(reply.status, 404) << reply.text;
  const std::string message = reply.body["error"];
  EXPECT_EQ(message.find('\n'), std::string::npos) << message;
  EXPECT_NE(message.find("\\n"), std::string::npos) << "the newline is escaped: " << message;
  EXPECT_LT(message.size(), 120u) << message;
  auto too_long = get(*server_, "/v1/search?q=" + std::string(201, 'a'));
  EXPECT_EQ(too_long.status, 400);
  EXPECT_EQ(too_long.body["error"], "q is 201 bytes, more than the 200 allowed");
  auto not_utf8 = get(*server_, "/v1/search?q=%FF%FE");
  EXPECT_EQ(not_utf8.status, 400);
  EXPECT_EQ(not_utf8.body["error"], "q '\\xFF\\xFE' is not UTF-8");
}

TEST_F(HttpApi, BatchAnswersEachQueryInOrderAndAnUnknownOneInline) {
  auto reply = post(*server_, "/v1/similar/batch",
                    R"j({"queries": [2571, {"title": "Toy Story"}, {"id": "260"}, {"title": "no such film"}], "k": 3})j");
  ASSERT_EQ(reply.status, 200) << reply.text;
  const json& results = reply.body["results"];
  ASSERT_EQ(results.size(), 4u);
  EXPECT_EQ(results[0], get(*server_, "/v1/similar?id=2571&k=3").body);
  EXPECT_EQ(results[1]["query"]["id"], kToyStory);
  EXPECT_EQ(results[2], get(*server_, "/v1/similar?id=260&k=3").body);
  EXPECT_EQ(results[3]["status"], 404);
  EXPECT_EQ(results[3]["field"], "queries[3].title");
  EXPECT_FALSE(results[3]["suggestions"].empty());
}

TEST_F(HttpApi, ABadBatchIs400NamingTheField) {
  const std::vector<std::pair<std::string, std::string>> cases{
      {"not json", "body"},
      {R"j({"queries": []})j", "queries"},
      {R"j({"queries": [1], "k": 0})j", "k"},
      {R"j({"queries": [1], "colour": "red"})j", "colour"},
      {R"j({"queries": [1, [2]]})j", "queries[1]"},
      {R"j({"queries": [1], "min_score": "high"})j", "min_score"}};
  for (const auto& [body, field] : cases) {
    auto reply = post(*server_, "/v1/similar/batch", body);
    EXPECT_EQ(reply.status, 400) << body << " " << reply.text;
    EXPECT_EQ(reply.body["field"], field) << body;
  }
  json many{{"queries", json::array()}};
  for (int i = 0; i < 101; ++i) many["queries"].push_back(kMatrix);
  auto reply = post(*server_, "/v1/similar/batch", many.dump());
  EXPECT_EQ(reply.status, 400);
  EXPECT_EQ(reply.body["error"], "queries holds 101, more than the 100 allowed");
}

// The mean of the liked movies' unit vectors, ranked by cosine over every other movie: the
// recommend task's math (eval/profile.h), computed here by brute force.
TEST_F(HttpApi, RecommendRanksByTheMeanOfTheLikedUnitVectorsLeavingThemOut) {
  auto reply = post(*server_, "/v1/recommend", R"j({"liked": [2571, 260, {"title": "Toy Story (1995)"}], "k": 8})j");
  ASSERT_EQ(reply.status, 200) << reply.text;
  EXPECT_EQ(reply.body["liked"].size(), 3u);
  const Vocabulary& v = model_->vocabulary();
  const auto unit = unit_rows<double>(model_->embeddings(), v.size(), model_->dim());
  const std::vector<std::int64_t> liked{token_of(kMatrix), token_of(kStarWars), token_of(kToyStory)};
  std::vector<double> sum;
  sum_rows(unit, model_->dim(), liked, sum);
  double norm = 0;
  for (double x : sum) norm += x * x;
  norm = std::sqrt(norm);
  std::vector<std::pair<double, std::int64_t>> ranked;
  for (std::size_t t = 1; t < v.size(); ++t) {
    if (std::find(liked.begin(), liked.end(), static_cast<std::int64_t>(t)) != liked.end()) continue;
    double dot = 0;
    for (std::int64_t j = 0; j < model_->dim(); ++j) dot += sum[j] * unit[t * model_->dim() + j];
    ranked.emplace_back(-dot / norm, static_cast<std::int64_t>(t));
  }
  std::sort(ranked.begin(), ranked.end());
  const json& got = reply.body["recommendations"];
  ASSERT_EQ(got.size(), 8u);
  for (std::size_t i = 0; i < 8; ++i) {
    EXPECT_EQ(got[i]["id"], movie_of(ranked[i].second)) << i;
    EXPECT_NEAR(got[i]["score"].get<double>(), -ranked[i].first, 1e-5) << i;
  }
}

TEST_F(HttpApi, RecommendErrors) {
  auto unknown = post(*server_, "/v1/recommend", R"j({"liked": [2571, {"title": "Matrix Reloded"}]})j");
  EXPECT_EQ(unknown.status, 404) << unknown.text;
  EXPECT_EQ(unknown.body["field"], "liked[1].title");
  EXPECT_FALSE(unknown.body["suggestions"].empty());
  EXPECT_EQ(post(*server_, "/v1/recommend", R"j({"liked": []})j").body["field"], "liked");
  json many{{"liked", json::array()}};
  for (int i = 0; i < 101; ++i) many["liked"].push_back(kMatrix);
  EXPECT_EQ(post(*server_, "/v1/recommend", many.dump()).status, 400);
}

TEST_F(HttpApi, SearchIsCaseAndAccentInsensitiveWithPrefixesFirst) {
  auto reply = get(*server_, "/v1/search?q=MATRIX&limit=50");
  ASSERT_EQ(reply.status, 200) << reply.text;
  bool prefixes_done = false;
  std::vector<std::string> titles;
  for (const json& movie : reply.body["results"]) {
    const std::string title = fold_for_search(movie["title"].get<std::string>());
    const std::string spoken = title_key(title).name;
    titles.push_back(title);
    EXPECT_TRUE(title.find("matrix") != std::string::npos || spoken.find("matrix") != std::string::npos) << title;
    const bool prefix = title.rfind("matrix", 0) == 0 || spoken.rfind("matrix", 0) == 0;
    if (!prefix) prefixes_done = true;
    else EXPECT_FALSE(prefixes_done) << title << " ranks after a title that only contains the text";
  }
  EXPECT_NE(std::find(titles.begin(), titles.end(), "matrix, the (1999)"), titles.end());
  auto accents = get(*server_, "/v1/search?q=" + url_encoded("AMÉLIE"));
  ASSERT_EQ(accents.body["results"].size(), 1u) << accents.text;
  EXPECT_EQ(accents.body["results"][0]["id"], 4973);
}

TEST_F(HttpApi, VectorIsTheRowStoredInTheModel) {
  auto reply = get(*server_, "/v1/vector?id=2571");
  ASSERT_EQ(reply.status, 200) << reply.text;
  const auto& vector = reply.body["vector"];
  ASSERT_EQ(static_cast<std::int64_t>(vector.size()), model_->dim());
  const std::int64_t token = token_of(kMatrix);
  for (std::int64_t j = 0; j < model_->dim(); ++j)
    EXPECT_EQ(vector[j].get<float>(), model_->embeddings()[token * model_->dim() + j]) << j;
}

TEST_F(HttpApi, ModelFactsAndHealth) {
  auto reply = get(*server_, "/v1/model");
  ASSERT_EQ(reply.status, 200) << reply.text;
  EXPECT_EQ(reply.body["movies"], model_->num_movies());
  EXPECT_EQ(reply.body["dim"], model_->dim());
  EXPECT_EQ(reply.body["format_version"], model_->format_version());
  EXPECT_EQ(reply.body["file"], fs::absolute(testing::trained_model()).string());
  EXPECT_EQ(reply.body["generation"], 1);
  EXPECT_EQ(reply.body["index"]["kind"], "exact");
  EXPECT_EQ(reply.body["loaded_at"].get<std::string>().size(), 20u) << reply.body["loaded_at"];
  auto health = get(*server_, "/healthz");
  EXPECT_EQ(health.status, 200);
  EXPECT_EQ(health.body, json({{"status", "ok"}, {"generation", 1}}));
}

TEST_F(HttpApi, MapPlacesEveryMovieWithItsMainGenre) {
  auto reply = get(*server_, "/v1/map");
  ASSERT_EQ(reply.status, 200);
  const json& map = reply.body;
  ASSERT_EQ(map["x"].size(), model_->num_movies());
  ASSERT_EQ(map["y"].size(), model_->num_movies());
  ASSERT_EQ(map["title"].size(), model_->num_movies());
  const std::int64_t row = token_of(kMatrix) - 1;
  EXPECT_EQ(map["id"][row], kMatrix);
  EXPECT_EQ(map["genres"][map["genre"][row].get<std::size_t>()], "Action");
  double spread = 0;
  for (std::size_t i = 0; i < map["x"].size(); ++i) spread += std::abs(map["x"][i].get<double>());
  EXPECT_GT(spread, 0.0) << "the movies are spread out";
}

TEST_F(HttpApi, MetricsCountRequestsByRouteAndStatus) {
  get(*server_, "/v1/similar?id=2571");
  get(*server_, "/v1/similar?id=2571");
  get(*server_, "/v1/similar?id=-5");
  get(*server_, "/nowhere");
  auto reply = get(*server_, "/metrics");
  ASSERT_EQ(reply.status, 200);
  EXPECT_EQ(reply.content_type, "text/plain; version=0.0.4");
  for (const char* line : {"n2v_http_requests_total{route=\"/v1/similar\",status=\"200\"} 2\n",
                           "n2v_http_requests_total{route=\"/v1/similar\",status=\"404\"} 1\n",
                           "n2v_http_requests_total{route=\"unmatched\",status=\"404\"} 1\n",
                           "n2v_http_request_duration_seconds_bucket{le=\"+Inf\"} 4\n", "n2v_model_generation 1\n"})
    EXPECT_NE(reply.text.find(line), std::string::npos) << line << "\n" << reply.text;
}

TEST_F(HttpApi, UnknownRoutesAndOversizedRequestsAreJsonErrors) {
  auto nowhere = get(*server_, "/v1/nowhere");
  EXPECT_EQ(nowhere.status, 404);
  EXPECT_EQ(nowhere.body["error"], "no route GET '/v1/nowhere'");
  auto big = post(*server_, "/v1/recommend", std::string(64 * 1024 + 1, ' '));
  EXPECT_EQ(big.status, 413);
  EXPECT_EQ(big.body["error"], "the body is larger than 65536 bytes");
  auto long_target = get(*server_, "/v1/search?q=" + std::string(3000, 'a'));
  EXPECT_EQ(long_target.status, 414) << long_target.text;
  EXPECT_EQ(long_target.body["status"], 414);
  httplib::Headers many;
  // 20 KB in 20 lines: under httplib's own limits (8 KiB a line; from 0.18, 100 header lines), over ours.
  for (int i = 0; i < 20; ++i) many.emplace("X-Padding-" + std::to_string(i), std::string(1000, 'x'));
  auto client = server_->client();
  auto headers = testing::reply_of(client.Get("/healthz", many));
  EXPECT_EQ(headers.status, 431) << headers.text;
  EXPECT_EQ(headers.body["error"], "the request headers are larger than 16384 bytes");
}

TEST_F(HttpApi, ThePageIsServedFromTheBinaryAndNothingFromDisk) {
  auto page = get(*server_, "/");
  ASSERT_EQ(page.status, 200);
  EXPECT_EQ(page.content_type, "text/html; charset=utf-8");
  EXPECT_EQ(page.text, testing::read_text(fs::path(N2V_SOURCE_DIR) / "src/server/web/index.html"));
  EXPECT_EQ(get(*server_, "/app.js").content_type, "text/javascript; charset=utf-8");
  EXPECT_EQ(get(*server_, "/style.css").status, 200);
  for (const char* target : {"/index.html", "/CMakeLists.txt", "/../CMakeLists.txt", "/%2e%2e/README.md"})
    EXPECT_EQ(get(*server_, target).status, 404) << target;
}

}  // namespace
}  // namespace n2v
