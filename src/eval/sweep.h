#pragma once
// `n2v sweep`: a grid over config keys, each point trained and evaluated. This part (no torch)
// parses the grid and reports the results: a table, a CSV and an SVG plot.
#include <limits>
#include <string>
#include <utility>
#include <vector>

namespace n2v {

struct SweepAxis {
  std::string key;  // "walk.p"
  std::vector<std::string> values;  // {"0.25", "1", "4"}
};

struct SweepGrid {
  std::vector<std::string> fixed;  // "key=value" settings with one value, applied to every point
  std::vector<SweepAxis> axes;  // keys with several values
};

// "key=v1,v2,..." per --set; a key with one value is fixed. Throws UsageError for a setting
// without '=', an empty value, or a key given twice. Keys are checked later, by Config::set.
SweepGrid parse_sweep_grid(const std::vector<std::string>& settings);

// Every combination, the last axis varying fastest: point i is one value index per axis.
std::vector<std::vector<std::size_t>> grid_points(const SweepGrid& grid);
// "key=value" per axis for one point.
std::vector<std::string> point_assignments(const SweepGrid& grid, const std::vector<std::size_t>& point);
// A folder name for point `index` (0-based): "03-p=0.25-q=4" (leaf keys, or whole keys when two
// axes share a leaf); characters other than letters, digits and ".=-_" become '_'.
std::string point_folder(const SweepGrid& grid, const std::vector<std::size_t>& point, std::size_t index);

// One metric at one point: n2v's value and the baselines' (NaN: not evaluated).
struct SweepMetric {
  std::string name;  // CSV column: "links_auc"
  std::string label;  // table and plot: "links AUC"
  double value = std::numeric_limits<double>::quiet_NaN();
  std::vector<std::pair<std::string, double>> baselines;  // ("adamic_adar", 0.91): CSV column links_auc_adamic_adar
};

struct SweepPoint {
  std::vector<std::string> values;  // one per axis
  std::string folder;
  std::vector<SweepMetric> metrics;  // the same names, in the same order, at every point
};

// One row per point; the best value of each metric (highest) is starred. Below, each metric's
// baselines (from the first point; "varies" when points differ) and the best point per metric.
std::string sweep_table(const SweepGrid& grid, const std::vector<SweepPoint>& points);
std::string sweep_csv(const SweepGrid& grid, const std::vector<SweepPoint>& points);
// A panel per metric: n2v's value per point (the best ringed) and the baselines dashed, the x
// axis labelled with the swept values and keys, the y axis within [0, 1] for scores in it; below,
// the settings of each point number.
std::string sweep_svg(const SweepGrid& grid, const std::vector<SweepPoint>& points, const std::string& title);

}  // namespace n2v
