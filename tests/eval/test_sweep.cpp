#include "eval/sweep.h"

#include <gtest/gtest.h>

#include <cmath>
#include <regex>

#include "core/errors.h"

namespace n2v {
namespace {

TEST(Sweep, GridFromSetOptions) {
  SweepGrid grid = parse_sweep_grid({"walk.p=0.25,1,4", "train.epochs=3", "walk.q = 0.5, 2"});
  EXPECT_EQ(grid.fixed, (std::vector<std::string>{"train.epochs=3"}));
  ASSERT_EQ(grid.axes.size(), 2u);
  EXPECT_EQ(grid.axes[0].key, "walk.p");
  EXPECT_EQ(grid.axes[1].values, (std::vector<std::string>{"0.5", "2"}));
  auto points = grid_points(grid);
  ASSERT_EQ(points.size(), 6u);
  EXPECT_EQ(point_assignments(grid, points[0]), (std::vector<std::string>{"walk.p=0.25", "walk.q=0.5"}));
  EXPECT_EQ(point_assignments(grid, points[1]), (std::vector<std::string>{"walk.p=0.25", "walk.q=2"}));
  EXPECT_EQ(point_assignments(grid, points[5]), (std::vector<std::string>{"walk.p=4", "walk.q=2"}));
  EXPECT_EQ(point_folder(grid, points[3], 3), "04-p=1-q=2");

  SweepGrid same_leaf = parse_sweep_grid({"graph.x=1,2", "walk.x=a/b,c"});
  EXPECT_EQ(point_folder(same_leaf, grid_points(same_leaf)[0], 0), "01-graph.x=1-walk.x=a_b");

  EXPECT_THROW(parse_sweep_grid({"walk.p"}), UsageError);
  EXPECT_THROW(parse_sweep_grid({"walk.p=1,,2"}), UsageError);
  EXPECT_THROW(parse_sweep_grid({"walk.p=1,2", "walk.p=3"}), UsageError);
}

std::vector<SweepPoint> two_points() {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  std::vector<SweepPoint> points(2);
  points[0].values = {"0.25"};
  points[0].folder = "01-p=0.25";
  points[0].metrics = {{"links_auc", "links AUC", 0.8, {{"adamic_adar", 0.9}}}, {"genres_macro_f1", "genres macro-F1", nan, {{"random", nan}}}};
  points[1].values = {"4"};
  points[1].folder = "02-p=4";
  points[1].metrics = {{"links_auc", "links AUC", 0.85, {{"adamic_adar", 0.9}}}, {"genres_macro_f1", "genres macro-F1", nan, {{"random", nan}}}};
  return points;
}

TEST(Sweep, TableCsvAndPlot) {
  SweepGrid grid = parse_sweep_grid({"walk.p=0.25,4"});
  auto points = two_points();
  std::string table = sweep_table(grid, points);
  EXPECT_NE(table.find("0.8500*"), std::string::npos) << table;
  EXPECT_EQ(table.find("0.8000*"), std::string::npos) << table;
  EXPECT_NE(table.find("links AUC: best 0.8500 at walk.p=4; adamic_adar 0.9000"), std::string::npos) << table;
  EXPECT_EQ(sweep_csv(grid, points),
            "point,folder,walk.p,links_auc,links_auc_adamic_adar,genres_macro_f1,genres_macro_f1_random\n"
            "1,01-p=0.25,0.25,0.800000,0.900000,,\n"
            "2,02-p=4,4,0.850000,0.900000,,\n");
  std::string svg = sweep_svg(grid, points, "a <title> & more");
  EXPECT_EQ(svg.rfind("<svg", 0), 0u);
  EXPECT_NE(svg.find("a &lt;title&gt; &amp; more"), std::string::npos);
  EXPECT_NE(svg.find(">links AUC</text>"), std::string::npos);
  EXPECT_EQ(svg.find(">genres macro-F1</text>"), std::string::npos);  // no point has it: no panel
  EXPECT_NE(svg.find("2: walk.p=4"), std::string::npos);
  EXPECT_NE(svg.find(">0.25</text>"), std::string::npos) << "the x axis shows the swept values";
  EXPECT_NE(svg.find(">4</text>"), std::string::npos);
  EXPECT_NE(svg.find(">walk.p</text>"), std::string::npos) << "under the key they are of";
  EXPECT_NE(svg.find("</svg>"), std::string::npos);

  // A score close to 1: its axis stops at 1, not a padding above it.
  points[1].metrics[0].value = 0.995;
  svg = sweep_svg(grid, points, "near 1");
  const std::regex tick(R"(>([0-9]+\.[0-9]{3})</text>)");
  double top = 0;
  for (auto it = std::sregex_iterator(svg.begin(), svg.end(), tick); it != std::sregex_iterator(); ++it)
    top = std::max(top, std::stod((*it)[1]));
  EXPECT_EQ(top, 1.0) << svg;
}

}  // namespace
}  // namespace n2v
