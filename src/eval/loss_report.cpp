#include "eval/loss_report.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "core/csv.h"
#include "core/errors.h"
#include "core/text.h"
#include "eval/keras_reference.h"

namespace n2v {

std::string why_not_the_keras_example(const Config& config, const GraphStats& graph) {
  const Config keras;
  std::vector<std::string> differ;
  auto check = [&](const char* key, auto ours, auto theirs) {
    if (ours != theirs) differ.emplace_back(key);
  };
  check("data.format", config.data.format, keras.data.format);
  check("graph.min_rating", config.graph.min_rating, keras.graph.min_rating);
  check("graph.min_weight", config.graph.min_weight, keras.graph.min_weight);
  check("walk.p", config.walk.p, keras.walk.p);
  check("walk.q", config.walk.q, keras.walk.q);
  check("walk.num_walks", config.walk.num_walks, keras.walk.num_walks);
  check("walk.num_steps", config.walk.num_steps, keras.walk.num_steps);
  check("skipgram.window", config.skipgram.window, keras.skipgram.window);
  check("skipgram.negative_samples", config.skipgram.negative_samples, keras.skipgram.negative_samples);
  check("skipgram.mode", config.skipgram.mode, keras.skipgram.mode);
  check("skipgram.model", config.skipgram.model, keras.skipgram.model);
  check("train.batch_size", config.train.batch_size, keras.train.batch_size);
  check("train.embedding_dim", config.train.embedding_dim, keras.train.embedding_dim);
  check("train.learning_rate", config.train.learning_rate, keras.train.learning_rate);
  check("train.l2", config.train.l2, keras.train.l2);
  check("eval.holdout_edges", config.eval.holdout_edges, keras.eval.holdout_edges);
  check("eval.holdout_latest", config.eval.holdout_latest, keras.eval.holdout_latest);
  if (!differ.empty()) {
    std::string keys;
    for (const auto& key : differ) keys += (keys.empty() ? "" : ", ") + key;
    return "settings other than the example's (" + keys + ")";
  }
  constexpr std::size_t kExampleNodes = 1405, kExampleEdges = 40043;
  if (graph.nodes != kExampleNodes || graph.edges != kExampleEdges) {
    return "data other than ml-latest-small (a graph of " + std::to_string(graph.nodes) + " nodes and " +
           std::to_string(graph.edges) + " edges; the example's has 1405 and 40043)";
  }
  return "";
}

std::vector<double> read_loss_csv(const std::filesystem::path& path) {
  CsvReader reader(read_file(path), path.string());
  std::vector<std::string_view> f;
  if (!reader.next(f) || f.size() < 2 || f[0] != "epoch" || f[1] != "loss") {
    throw DataError(path.string() + ":1: expected the header epoch,loss,seconds");
  }
  std::vector<double> loss;
  while (reader.next(f)) {
    double value;
    long long epoch = 0;
    if (f.size() < 2 || !parse_double(f[1], value)) reader.fail("expected epoch,loss,seconds");
    // Row i is compared with Keras' epoch i: the epochs must be 1, 2, 3, ... in order.
    if (!parse_int64(f[0], epoch) || epoch != static_cast<long long>(loss.size()) + 1) {
      reader.fail("epoch " + quote_excerpt(f[0]) + " where epoch " + std::to_string(loss.size() + 1) +
                  " belongs (loss.csv lists the epochs 1, 2, 3, ... in order)");
    }
    // n2v train stops on a non-finite loss; one here would compare as 0% off the reference.
    if (!std::isfinite(value)) reader.fail("the loss " + quote_excerpt(f[1]) + " is not finite: this run diverged");
    loss.push_back(value);
  }
  if (loss.empty()) throw DataError(path.string() + ": no epochs recorded yet");
  return loss;
}

std::string loss_comparison_table(const std::vector<double>& ours) {
  std::string out = "epoch   n2v      keras    rel.diff\n";
  char line[96];
  for (std::size_t i = 0; i < ours.size(); ++i) {
    if (i < kKerasReferenceLoss.size()) {
      double keras = kKerasReferenceLoss[i];
      std::snprintf(line, sizeof line, "%5zu   %.4f   %.4f   %+.2f%%\n", i + 1, ours[i], keras, 100.0 * (ours[i] - keras) / keras);
    } else {
      std::snprintf(line, sizeof line, "%5zu   %.4f   -\n", i + 1, ours[i]);
    }
    out += line;
  }
  std::snprintf(line, sizeof line, "max |rel.diff| %.2f%%\n", 100.0 * max_relative_difference(ours));
  return out + line;
}

double max_relative_difference(const std::vector<double>& ours) {
  double worst = 0.0;
  for (std::size_t i = 0; i < std::min(ours.size(), kKerasReferenceLoss.size()); ++i) {
    const double difference = std::fabs(ours[i] - kKerasReferenceLoss[i]) / kKerasReferenceLoss[i];
    if (std::isnan(difference)) return difference;  // std::max would drop it: 0% off
    worst = std::max(worst, difference);
  }
  return worst;
}

std::string loss_svg(const std::vector<double>& ours, const std::string& ours_label) {
  const double width = 640, height = 400, left = 70, right = 20, top = 40, bottom = 60;
  std::vector<double> all(kKerasReferenceLoss.begin(), kKerasReferenceLoss.end());
  all.insert(all.end(), ours.begin(), ours.end());
  double lo = *std::min_element(all.begin(), all.end()), hi = *std::max_element(all.begin(), all.end());
  double pad = std::max(1e-3, (hi - lo) * 0.08);
  lo -= pad;
  hi += pad;
  std::size_t epochs = std::max(ours.size(), kKerasReferenceLoss.size());
  auto x = [&](std::size_t epoch) { return left + (width - left - right) * (epochs <= 1 ? 0.5 : (epoch - 1.0) / (epochs - 1.0)); };
  auto y = [&](double v) { return top + (height - top - bottom) * (hi - v) / (hi - lo); };
  char buffer[256];
  std::string svg;
  std::snprintf(buffer, sizeof buffer,
                "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" height=\"%.0f\" font-family=\"sans-serif\" font-size=\"12\">\n"
                "<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n", width, height);
  svg += buffer;
  svg += "<text x=\"320\" y=\"22\" text-anchor=\"middle\" font-size=\"15\">Training loss: n2v vs the Keras example</text>\n";
  // Axes, ticks and labels.
  std::snprintf(buffer, sizeof buffer, "<path d=\"M%.1f %.1f V%.1f H%.1f\" stroke=\"black\" fill=\"none\"/>\n", left, top,
                height - bottom, width - right);
  svg += buffer;
  for (std::size_t e = 1; e <= epochs; ++e) {
    std::snprintf(buffer, sizeof buffer, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">%zu</text>\n", x(e), height - bottom + 18, e);
    svg += buffer;
  }
  for (int t = 0; t <= 5; ++t) {
    double v = lo + (hi - lo) * t / 5.0;
    std::snprintf(buffer, sizeof buffer,
                  "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">%.3f</text><path d=\"M%.1f %.1f H%.1f\" stroke=\"#ddd\"/>\n",
                  left - 6, y(v) + 4, v, left + 1, y(v), width - right);
    svg += buffer;
  }
  std::snprintf(buffer, sizeof buffer, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">epoch</text>\n", (left + width - right) / 2,
                height - 20);
  svg += buffer;
  std::snprintf(buffer, sizeof buffer,
                "<text x=\"18\" y=\"%.1f\" text-anchor=\"middle\" transform=\"rotate(-90 18 %.1f)\">loss</text>\n",
                (top + height - bottom) / 2, (top + height - bottom) / 2);
  svg += buffer;
  auto polyline = [&](const std::vector<double>& values, const char* color, const char* dash) {
    std::string points;
    for (std::size_t i = 0; i < values.size(); ++i) {
      std::snprintf(buffer, sizeof buffer, "%.1f,%.1f ", x(i + 1), y(values[i]));
      points += buffer;
    }
    svg += std::string("<polyline fill=\"none\" stroke=\"") + color + "\" stroke-width=\"2\" stroke-dasharray=\"" + dash +
           "\" points=\"" + points + "\"/>\n";
    for (std::size_t i = 0; i < values.size(); ++i) {
      std::snprintf(buffer, sizeof buffer, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3\" fill=\"%s\"/>\n", x(i + 1), y(values[i]), color);
      svg += buffer;
    }
  };
  polyline(std::vector<double>(kKerasReferenceLoss.begin(), kKerasReferenceLoss.end()), "#d62728", "6 4");
  polyline(ours, "#1f77b4", "none");
  // Legend.
  double lx = width - right - 190, ly = top + 10;
  std::snprintf(buffer, sizeof buffer,
                "<rect x=\"%.1f\" y=\"%.1f\" width=\"180\" height=\"44\" fill=\"white\" stroke=\"#999\"/>\n"
                "<path d=\"M%.1f %.1f h24\" stroke=\"#1f77b4\" stroke-width=\"2\"/><text x=\"%.1f\" y=\"%.1f\">",
                lx, ly, lx + 8, ly + 15, lx + 38, ly + 19);
  svg += buffer + ours_label + "</text>\n";  // our own label: no markup to escape
  std::snprintf(buffer, sizeof buffer,
                "<path d=\"M%.1f %.1f h24\" stroke=\"#d62728\" stroke-width=\"2\" stroke-dasharray=\"6 4\"/>"
                "<text x=\"%.1f\" y=\"%.1f\">Keras example (reference)</text>\n",
                lx + 8, ly + 33, lx + 38, ly + 37);
  svg += buffer;
  return svg + "</svg>\n";
}

}  // namespace n2v
