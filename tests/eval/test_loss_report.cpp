// `n2v compare-loss`: loss.csv read back, the table and largest relative difference against the
// Keras curve, and the SVG plot of both curves.
#include "eval/loss_report.h"

#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <limits>
#include <sstream>

#include "core/errors.h"
#include "eval/keras_reference.h"
#include "test_util.h"

namespace n2v {
namespace {

using testing::TempDir;
using testing::write_text;

std::vector<double> keras_curve() { return {kKerasReferenceLoss.begin(), kKerasReferenceLoss.end()}; }

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

std::string error_of(const std::function<void()>& fn) {
  try {
    fn();
  } catch (const DataError& e) {
    return e.what();
  }
  return "";
}

TEST(LossReport, OnlyTheKerasExamplesDataAndSettingsAreComparedWithItsCurve) {
  GraphStats example;
  example.nodes = 1405;
  example.edges = 40043;
  Config config;
  config.set("seed=7");
  config.set("threads=1");
  config.set("train.kernel=tensor");
  config.set("export.onnx=false");
  EXPECT_EQ(why_not_the_keras_example(config, example), "") << "seed, threads, kernel and exports do not matter";
  config.set("eval.holdout_latest=0.2");
  config.set("walk.q=0.5");
  EXPECT_EQ(why_not_the_keras_example(config, example), "settings other than the example's (walk.q, eval.holdout_latest)");
  GraphStats synth = example;
  synth.nodes = 1200;
  EXPECT_EQ(why_not_the_keras_example(Config{}, synth),
            "data other than ml-latest-small (a graph of 1200 nodes and 40043 edges; the example's has 1405 and 40043)");
  Config sgns;
  sgns.set("skipgram.model=sgns");
  EXPECT_NE(why_not_the_keras_example(sgns, example).find("skipgram.model"), std::string::npos);
}

TEST(LossReport, TheKerasCurveItselfDiffersByZero) {
  const std::vector<double> ours = keras_curve();
  EXPECT_EQ(max_relative_difference(ours), 0.0);
  const std::vector<std::string> lines = lines_of(loss_comparison_table(ours));
  ASSERT_EQ(lines.size(), 12u);  // header, 10 epochs, the maximum
  EXPECT_EQ(lines[0], "epoch   n2v      keras    rel.diff");
  EXPECT_EQ(lines[1], "    1   2.4527   2.4527   +0.00%");
  EXPECT_EQ(lines[10], "   10   2.3104   2.3104   +0.00%");
  EXPECT_EQ(lines[11], "max |rel.diff| 0.00%");
}

TEST(LossReport, TenPercentOffIsTenPercent) {
  std::vector<double> ours = keras_curve();
  for (double& v : ours) v *= 1.1;
  EXPECT_NEAR(max_relative_difference(ours), 0.1, 1e-12);
  std::vector<std::string> lines = lines_of(loss_comparison_table(ours));
  ASSERT_EQ(lines.size(), 12u);
  EXPECT_EQ(lines[3], "    3   2.5686   2.3351   +10.00%");
  EXPECT_EQ(lines[11], "max |rel.diff| 10.00%");

  // One epoch 10% below, the others exact: the maximum is that epoch's, by magnitude.
  ours = keras_curve();
  ours[3] *= 0.9;
  ours[6] *= 1.02;
  EXPECT_NEAR(max_relative_difference(ours), 0.1, 1e-12);
  lines = lines_of(loss_comparison_table(ours));
  EXPECT_EQ(lines[4], "    4   2.0971   2.3301   -10.00%");
  EXPECT_EQ(lines[7], "    7   2.3655   2.3191   +2.00%");
  EXPECT_EQ(lines[11], "max |rel.diff| 10.00%");
}

TEST(LossReport, OnlyEpochsBothCurvesHaveCount) {
  std::vector<double> longer = keras_curve();
  longer.push_back(5.0);  // epochs 11 and 12 have no Keras figure: listed, not compared
  longer.push_back(0.1);
  EXPECT_EQ(max_relative_difference(longer), 0.0);
  std::vector<std::string> lines = lines_of(loss_comparison_table(longer));
  ASSERT_EQ(lines.size(), 14u);
  EXPECT_EQ(lines[11], "   11   5.0000   -");
  EXPECT_EQ(lines[12], "   12   0.1000   -");
  EXPECT_EQ(lines[13], "max |rel.diff| 0.00%");

  const std::vector<double> shorter{2.4527 * 1.05, 2.3431 * 0.97};
  EXPECT_NEAR(max_relative_difference(shorter), 0.05, 1e-12);
  EXPECT_EQ(lines_of(loss_comparison_table(shorter)).size(), 4u);
}

// The points of each <polyline>, in order: "x,y" pairs.
std::vector<std::vector<std::pair<double, double>>> polylines(const std::string& svg) {
  std::vector<std::vector<std::pair<double, double>>> all;
  for (auto at = svg.find("<polyline"); at != std::string::npos; at = svg.find("<polyline", at + 1)) {
    const auto begin = svg.find("points=\"", at) + 8;
    std::istringstream points(svg.substr(begin, svg.find('"', begin) - begin));
    std::vector<std::pair<double, double>> line;
    double x, y;
    char comma;
    while (points >> x >> comma >> y) line.emplace_back(x, y);
    all.push_back(line);
  }
  return all;
}

std::size_t count_of(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

TEST(LossReport, SvgPlotsBothCurvesOnTheSameAxes) {
  const std::string same = loss_svg(keras_curve(), "n2v (seed 7)");
  ASSERT_EQ(same.rfind("<svg ", 0), 0u);
  EXPECT_EQ(same.substr(same.size() - 7), "</svg>\n");
  EXPECT_NE(same.find(">n2v (seed 7)</text>"), std::string::npos);
  EXPECT_NE(same.find(">Keras example (reference)</text>"), std::string::npos);
  EXPECT_NE(same.find(">epoch</text>"), std::string::npos);
  EXPECT_NE(same.find(">loss</text>"), std::string::npos);
  EXPECT_EQ(count_of(same, "<circle"), 20u);
  auto lines = polylines(same);
  ASSERT_EQ(lines.size(), 2u);  // Keras, then ours
  ASSERT_EQ(lines[0].size(), 10u);
  EXPECT_EQ(lines[0], lines[1]) << "the same curve, drawn on top";
  // Epoch 1 at the left edge, epoch 10 at the right; the y range is the data's, padded by 8%:
  // 2.4527 sits 0.08 / 1.16 of the plot's 300 px below its top (40 px), 2.3104 as far above its bottom.
  EXPECT_DOUBLE_EQ(lines[0].front().first, 70.0);
  EXPECT_NEAR(lines[0].front().second, 60.7, 1e-9);
  EXPECT_DOUBLE_EQ(lines[0].back().first, 620.0);
  EXPECT_NEAR(lines[0].back().second, 319.3, 1e-9);

  // Ours 10% above Keras, for 12 epochs: every point of ours is drawn higher (smaller y), the
  // x axis runs to epoch 12, and Keras' 10 epochs end short of the right edge.
  std::vector<double> higher = keras_curve();
  for (double& v : higher) v *= 1.1;
  higher.push_back(higher.back());
  higher.push_back(higher.back());
  const std::string svg = loss_svg(higher, "ours");
  lines = polylines(svg);
  ASSERT_EQ(lines.size(), 2u);
  ASSERT_EQ(lines[0].size(), 10u);
  ASSERT_EQ(lines[1].size(), 12u);
  for (std::size_t i = 0; i < 10; ++i) {
    EXPECT_EQ(lines[1][i].first, lines[0][i].first) << "epoch " << i + 1;
    EXPECT_LT(lines[1][i].second, lines[0][i].second) << "epoch " << i + 1;
  }
  EXPECT_DOUBLE_EQ(lines[1].back().first, 620.0);
  EXPECT_DOUBLE_EQ(lines[0].back().first, 520.0);  // epoch 10 of 12
  EXPECT_NE(svg.find(">12</text>"), std::string::npos);
  EXPECT_NEAR(lines[1].front().second, 60.7, 1e-9) << "ours now holds the top of the range";
  EXPECT_NEAR(lines[0].back().second, 319.3, 1e-9) << "Keras' last epoch the bottom";
}

TEST(LossReport, ReadsLossCsvAndNamesTheFileOnBadInput) {
  TempDir dir;
  write_text(dir / "loss.csv", "epoch,loss,seconds\n1,2.500000,0.120\n2,2.400000,0.240\n");
  EXPECT_EQ(read_loss_csv(dir / "loss.csv"), (std::vector<double>{2.5, 2.4}));

  const std::string file = (dir / "bad.csv").string();
  write_text(dir / "bad.csv", "epoch,seconds\n1,0.1\n");
  EXPECT_EQ(error_of([&] { read_loss_csv(file); }), file + ":1: expected the header epoch,loss,seconds");
  write_text(dir / "bad.csv", "epoch,loss,seconds\n1,2.5,0.1\n2,nan?,0.2\n");
  EXPECT_EQ(error_of([&] { read_loss_csv(file); }), file + ":3: expected epoch,loss,seconds");
  write_text(dir / "bad.csv", "epoch,loss,seconds\n");
  EXPECT_EQ(error_of([&] { read_loss_csv(file); }), file + ": no epochs recorded yet");
  EXPECT_EQ(error_of([&] { read_loss_csv(dir / "missing.csv"); }), (dir / "missing.csv").string() + ": file not found");
  // A diverged run's loss is refused, not compared as 0% off.
  write_text(dir / "bad.csv", "epoch,loss,seconds\n1,2.5,0.1\n2,-nan,0.2\n");
  EXPECT_EQ(error_of([&] { read_loss_csv(file); }), file + ":3: the loss '-nan' is not finite: this run diverged");
  write_text(dir / "bad.csv", "epoch,loss,seconds\n1,inf,0.1\n");
  EXPECT_EQ(error_of([&] { read_loss_csv(file); }), file + ":2: the loss 'inf' is not finite: this run diverged");
  // Row i is compared with Keras' epoch i, so the epoch column must say i.
  const std::string order = " belongs (loss.csv lists the epochs 1, 2, 3, ... in order)";
  write_text(dir / "bad.csv", "epoch,loss,seconds\n1,2.5,0.1\n3,2.4,0.2\n");
  EXPECT_EQ(error_of([&] { read_loss_csv(file); }), file + ":3: epoch '3' where epoch 2" + order);
  for (const char* epoch : {"0", "-7", "1.5", "2", "73786976294838206464"}) {
    write_text(dir / "bad.csv", std::string("epoch,loss,seconds\n") + epoch + ",2.5,0.1\n");
    EXPECT_EQ(error_of([&] { read_loss_csv(file); }), file + ":2: epoch '" + epoch + "' where epoch 1" + order);
  }
  write_text(dir / "bad.csv", "epoch,loss,seconds\n1,2.5,0.1\n1,2.4,0.2\n");
  EXPECT_EQ(error_of([&] { read_loss_csv(file); }), file + ":3: epoch '1' where epoch 2" + order);
}

TEST(LossReport, ANonFiniteLossIsNeverZeroPercentOff) {
  std::vector<double> ours(kKerasReferenceLoss.begin(), kKerasReferenceLoss.end());
  ours[3] = std::nan("");
  EXPECT_TRUE(std::isnan(max_relative_difference(ours)));
  const std::string table = loss_comparison_table(ours);
  EXPECT_EQ(table.find("max |rel.diff| 0.00%"), std::string::npos) << table;
  EXPECT_NE(table.find("max |rel.diff| nan%"), std::string::npos) << table;
  ours[3] = std::numeric_limits<double>::infinity();
  EXPECT_TRUE(std::isinf(max_relative_difference(ours)));
}

}  // namespace
}  // namespace n2v
