#pragma once
// Comparing a run's loss curve with the Keras reference: a table and an SVG plot (no torch).
#include <filesystem>
#include <string>
#include <vector>

#include "core/config.h"
#include "graph/graph.h"

namespace n2v {

// Why a run's loss cannot be read against the Keras curve, or "" when it can: the curve is the
// example's on ml-latest-small (its graph: 1405 nodes, 40043 edges) with its settings, which are the
// built-in defaults (the seed, threads, device, kernel and exports aside).
std::string why_not_the_keras_example(const Config& config, const GraphStats& graph);

// Reads loss.csv (epoch,loss,seconds) as written by n2v train. Throws DataError on a bad file.
std::vector<double> read_loss_csv(const std::filesystem::path& path);

// Epoch, ours, Keras, relative difference; epochs past the reference's 10 have no Keras column.
std::string loss_comparison_table(const std::vector<double>& ours);
// Largest |ours - keras| / keras over the epochs both curves have; NaN or infinity when a loss is.
double max_relative_difference(const std::vector<double>& ours);

// Both curves on one plot with labelled axes and a legend.
std::string loss_svg(const std::vector<double>& ours, const std::string& ours_label);

}  // namespace n2v
