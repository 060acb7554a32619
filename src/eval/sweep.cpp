#include "eval/sweep.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <set>

#include "core/csv.h"
#include "core/errors.h"
#include "core/text.h"

namespace n2v {
namespace {

std::string leaf(const std::string& key) { return key.substr(key.rfind('.') + 1); }

std::string fixed(double v) {
  if (std::isnan(v)) return "-";
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.4f", v);
  return buffer;
}

std::string csv_number(double v) {
  if (std::isnan(v)) return "";
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.6f", v);
  return buffer;
}

std::string xml_escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '<') out += "&lt;";
    else if (c == '>') out += "&gt;";
    else if (c == '&') out += "&amp;";
    else if (c == '"') out += "&quot;";
    else out += c;
  }
  return out;
}

// Index of the point with the highest value of metric m, or -1 when none has one.
int best_point(const std::vector<SweepPoint>& points, std::size_t m) {
  int best = -1;
  for (std::size_t i = 0; i < points.size(); ++i) {
    double v = points[i].metrics[m].value;
    if (!std::isnan(v) && (best < 0 || v > points[best].metrics[m].value)) best = static_cast<int>(i);
  }
  return best;
}

std::string settings_text(const SweepGrid& grid, const SweepPoint& point) {
  std::string s;
  for (std::size_t a = 0; a < grid.axes.size(); ++a) s += (a ? " " : "") + grid.axes[a].key + "=" + point.values[a];
  return s;
}

}  // namespace

SweepGrid parse_sweep_grid(const std::vector<std::string>& settings) {
  SweepGrid grid;
  std::set<std::string> seen;
  for (const auto& setting : settings) {
    auto eq = setting.find('=');
    if (eq == std::string::npos || eq == 0)
      throw UsageError("--set " + setting + ": expected KEY=VALUE or KEY=V1,V2,... (e.g. walk.p=0.25,1,4)");
    std::string key = trim(setting.substr(0, eq));
    if (!seen.insert(key).second) throw UsageError("--set " + key + " is given twice; list its values once: " + key + "=A,B");
    SweepAxis axis{key, {}};
    std::string rest = setting.substr(eq + 1);
    std::size_t start = 0;
    while (true) {
      std::size_t comma = rest.find(',', start);
      std::string value = trim(rest.substr(start, comma == std::string::npos ? std::string::npos : comma - start));
      if (value.empty()) throw UsageError("--set " + setting + ": empty value in the list");
      axis.values.push_back(value);
      if (comma == std::string::npos) break;
      start = comma + 1;
    }
    if (axis.values.size() == 1) grid.fixed.push_back(key + "=" + axis.values[0]);
    else grid.axes.push_back(axis);
  }
  return grid;
}

std::vector<std::vector<std::size_t>> grid_points(const SweepGrid& grid) {
  std::vector<std::vector<std::size_t>> points{{}};
  for (const auto& axis : grid.axes) {
    std::vector<std::vector<std::size_t>> next;
    for (const auto& p : points)
      for (std::size_t v = 0; v < axis.values.size(); ++v) {
        next.push_back(p);
        next.back().push_back(v);
      }
    points = std::move(next);
  }
  return points;
}

std::vector<std::string> point_assignments(const SweepGrid& grid, const std::vector<std::size_t>& point) {
  std::vector<std::string> out;
  for (std::size_t a = 0; a < grid.axes.size(); ++a) out.push_back(grid.axes[a].key + "=" + grid.axes[a].values[point[a]]);
  return out;
}

std::string point_folder(const SweepGrid& grid, const std::vector<std::size_t>& point, std::size_t index) {
  std::set<std::string> leaves;
  bool unique = true;
  for (const auto& axis : grid.axes) unique = leaves.insert(leaf(axis.key)).second && unique;
  char number[16];
  std::snprintf(number, sizeof number, "%02zu", index + 1);
  std::string name = number;
  for (std::size_t a = 0; a < grid.axes.size(); ++a)
    name += "-" + (unique ? leaf(grid.axes[a].key) : grid.axes[a].key) + "=" + grid.axes[a].values[point[a]];
  for (char& c : name)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '=' && c != '-' && c != '_') c = '_';
  return name;
}

std::string sweep_table(const SweepGrid& grid, const std::vector<SweepPoint>& points) {
  if (points.empty()) return "";
  const std::size_t metrics = points[0].metrics.size();
  std::vector<std::vector<std::string>> cells;
  std::vector<std::string> header{"#"};
  for (const auto& axis : grid.axes) header.push_back(axis.key);
  for (const auto& m : points[0].metrics) header.push_back(m.label);
  cells.push_back(header);
  std::vector<int> best(metrics);
  for (std::size_t m = 0; m < metrics; ++m) best[m] = best_point(points, m);
  for (std::size_t i = 0; i < points.size(); ++i) {
    std::vector<std::string> row{std::to_string(i + 1)};
    row.insert(row.end(), points[i].values.begin(), points[i].values.end());
    for (std::size_t m = 0; m < metrics; ++m)
      row.push_back(fixed(points[i].metrics[m].value) + (best[m] == static_cast<int>(i) ? "*" : " "));
    cells.push_back(row);
  }
  std::vector<std::size_t> width(header.size(), 0);
  for (const auto& row : cells)
    for (std::size_t c = 0; c < row.size(); ++c) width[c] = std::max(width[c], row[c].size());
  std::string out;
  for (const auto& row : cells) {
    for (std::size_t c = 0; c < row.size(); ++c) {
      out += row[c] + std::string(width[c] - row[c].size(), ' ');
      out += c + 1 < row.size() ? "  " : "\n";
    }
  }
  out += "\n* best of the column\n";
  for (std::size_t m = 0; m < metrics; ++m) {
    const SweepMetric& first = points[0].metrics[m];
    if (best[m] < 0) continue;
    std::string line = first.label + ": best " + fixed(points[best[m]].metrics[m].value) + " at " +
                       settings_text(grid, points[best[m]]);
    for (std::size_t b = 0; b < first.baselines.size(); ++b) {
      bool varies = false;
      for (const auto& p : points) varies = varies || fixed(p.metrics[m].baselines[b].second) != fixed(first.baselines[b].second);
      line += "; " + first.baselines[b].first + " " +
              (varies ? "varies (" + fixed(points[best[m]].metrics[m].baselines[b].second) + " there)"
                      : fixed(first.baselines[b].second));
    }
    out += line + "\n";
  }
  return out;
}

std::string sweep_csv(const SweepGrid& grid, const std::vector<SweepPoint>& points) {
  std::string out = "point,folder";
  for (const auto& axis : grid.axes) out += "," + quote_field(axis.key);
  if (!points.empty()) {
    for (const auto& m : points[0].metrics) {
      out += "," + m.name;
      for (const auto& b : m.baselines) out += "," + m.name + "_" + b.first;
    }
  }
  out += "\n";
  for (std::size_t i = 0; i < points.size(); ++i) {
    out += std::to_string(i + 1) + "," + quote_field(points[i].folder);
    for (const auto& v : points[i].values) out += "," + quote_field(v);
    for (const auto& m : points[i].metrics) {
      out += "," + csv_number(m.value);
      for (const auto& b : m.baselines) out += "," + csv_number(b.second);
    }
    out += "\n";
  }
  return out;
}

std::string sweep_svg(const SweepGrid& grid, const std::vector<SweepPoint>& points, const std::string& title) {
  std::vector<std::size_t> shown;  // metrics that some point has
  if (!points.empty())
    for (std::size_t m = 0; m < points[0].metrics.size(); ++m)
      if (best_point(points, m) >= 0) shown.push_back(m);
  const double panel_w = 300, panel_h = 220, left = 55, right = 15, top = 30, bottom = 35, margin_top = 40;
  const std::size_t columns = std::max<std::size_t>(1, std::min<std::size_t>(3, shown.size()));
  const std::size_t rows = (shown.size() + columns - 1) / columns;
  const double legend_h = 20.0 * static_cast<double>(points.size()) + 30;
  const double width = panel_w * static_cast<double>(columns), height = margin_top + panel_h * static_cast<double>(rows) + legend_h;
  const char* baseline_colors[] = {"#7f7f7f", "#ff7f0e", "#2ca02c"};
  char b[512];
  std::string svg;
  std::snprintf(b, sizeof b,
                "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" height=\"%.0f\" font-family=\"sans-serif\" "
                "font-size=\"11\">\n<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n"
                "<text x=\"%.1f\" y=\"24\" text-anchor=\"middle\" font-size=\"15\">",
                width, height, width / 2);
  svg += b + xml_escape(title) + "</text>\n";
  const std::size_t n = points.size();
  for (std::size_t s = 0; s < shown.size(); ++s) {
    const std::size_t m = shown[s];
    const double x0 = panel_w * static_cast<double>(s % columns), y0 = margin_top + panel_h * static_cast<double>(s / columns);
    double lo = 1e300, hi = -1e300;
    auto extend = [&](double v) {
      if (!std::isnan(v)) lo = std::min(lo, v), hi = std::max(hi, v);
    };
    for (const auto& p : points) {
      extend(p.metrics[m].value);
      for (const auto& base : p.metrics[m].baselines) extend(base.second);
    }
    // Every score is a fraction: its axis never runs past 0 or 1.
    const double pad = std::max(1e-3, (hi - lo) * 0.1);
    lo = lo >= 0 ? std::max(0.0, lo - pad) : lo - pad;
    hi = hi <= 1 ? std::min(1.0, hi + pad) : hi + pad;
    auto x = [&](std::size_t i) {
      return x0 + left + (panel_w - left - right) * (n <= 1 ? 0.5 : static_cast<double>(i) / static_cast<double>(n - 1));
    };
    auto y = [&](double v) { return y0 + top + (panel_h - top - bottom) * (hi - v) / (hi - lo); };
    std::snprintf(b, sizeof b,
                  "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\" font-size=\"13\">", x0 + panel_w / 2, y0 + 18);
    svg += b + xml_escape(points[0].metrics[m].label) + "</text>\n";
    std::snprintf(b, sizeof b, "<path d=\"M%.1f %.1f V%.1f H%.1f\" stroke=\"black\" fill=\"none\"/>\n", x0 + left,
                  y0 + top, y0 + panel_h - bottom, x0 + panel_w - right);
    svg += b;
    for (int t = 0; t <= 4; ++t) {
      double v = lo + (hi - lo) * t / 4.0;
      std::snprintf(b, sizeof b,
                    "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">%.3f</text><path d=\"M%.1f %.1f H%.1f\" "
                    "stroke=\"#e5e5e5\"/>\n",
                    x0 + left - 5, y(v) + 4, v, x0 + left + 1, y(v), x0 + panel_w - right);
      svg += b;
    }
    // The x axis: each point's swept values ("0.25/4" with two axes), under the keys they are of.
    for (std::size_t i = 0; i < n; ++i) {
      std::string values;
      for (std::size_t a = 0; a < points[i].values.size(); ++a) values += (a ? "/" : "") + points[i].values[a];
      std::snprintf(b, sizeof b, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">", x(i),
                    y0 + panel_h - bottom + 15);
      svg += b + xml_escape(values) + "</text>\n";
    }
    std::string keys;
    for (std::size_t a = 0; a < grid.axes.size(); ++a) keys += (a ? " / " : "") + grid.axes[a].key;
    std::snprintf(b, sizeof b, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\" fill=\"#555\">",
                  x0 + left + (panel_w - left - right) / 2, y0 + panel_h - bottom + 29);
    svg += b + xml_escape(keys) + "</text>\n";
    auto line = [&](auto value_of, const char* color, const char* dash) {
      std::string pts;
      for (std::size_t i = 0; i < n; ++i) {
        double v = value_of(points[i]);
        if (std::isnan(v)) continue;
        std::snprintf(b, sizeof b, "%.1f,%.1f ", x(i), y(v));
        pts += b;
      }
      svg += std::string("<polyline fill=\"none\" stroke=\"") + color + "\" stroke-width=\"2\" stroke-dasharray=\"" +
             dash + "\" points=\"" + pts + "\"/>\n";
    };
    const auto& baselines = points[0].metrics[m].baselines;
    for (std::size_t k = 0; k < baselines.size(); ++k) {
      const char* color = baseline_colors[k % 3];
      line([&](const SweepPoint& p) { return p.metrics[m].baselines[k].second; }, color, "5 4");
      const double last = points.back().metrics[m].baselines[k].second;
      if (std::isnan(last)) continue;
      // Named at its right end, above the line, where the n2v curve rarely is.
      std::snprintf(b, sizeof b, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\" fill=\"%s\">",
                    x0 + panel_w - right - 2, y(last) - 4, color);
      svg += b + xml_escape(baselines[k].first) + "</text>\n";
    }
    line([&](const SweepPoint& p) { return p.metrics[m].value; }, "#1f77b4", "none");
    const int best = best_point(points, m);
    for (std::size_t i = 0; i < n; ++i) {
      double v = points[i].metrics[m].value;
      if (std::isnan(v)) continue;
      std::snprintf(b, sizeof b, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3.5\" fill=\"#1f77b4\"/>\n", x(i), y(v));
      svg += b;
      if (static_cast<int>(i) == best) {
        std::snprintf(b, sizeof b,
                      "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"7\" fill=\"none\" stroke=\"#d62728\" stroke-width=\"2\"/>\n",
                      x(i), y(v));
        svg += b;
      }
    }
  }
  double ly = margin_top + panel_h * static_cast<double>(rows) + 10;
  std::snprintf(b, sizeof b,
                "<text x=\"20\" y=\"%.1f\">points (n2v solid blue, best ringed red; baselines dashed):</text>\n", ly + 10);
  svg += b;
  for (std::size_t i = 0; i < n; ++i) {
    std::snprintf(b, sizeof b, "<text x=\"30\" y=\"%.1f\">%zu: ", ly + 30 + 20.0 * static_cast<double>(i), i + 1);
    svg += b + xml_escape(settings_text(grid, points[i])) + "</text>\n";
  }
  return svg + "</svg>\n";
}

}  // namespace n2v
