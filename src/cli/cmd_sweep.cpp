// n2v sweep --config FILE --set walk.p=0.25,1,4 --set walk.q=0.25,1,4: trains and evaluates every
// point of the grid, prints one table, writes sweep.csv and sweep.svg. Each point is trained by a
// child `n2v train` (its output in the point's folder, train.log included), so that a point starts
// from a clean process exactly as a user's own run would; evaluation runs in this process.
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <limits>
#include <memory>
#include <optional>
#include <sstream>

#include "cli/cli.h"
#include "core/atomic_file.h"
#include "core/child_process.h"
#include "core/csv.h"
#include "core/errors.h"
#include "core/progress.h"
#include "core/text.h"
#include "eval/sweep.h"
#include "serve/evaluate_model.h"

namespace n2v {
namespace {

namespace fs = std::filesystem;

struct SweepOptions {
  CommonOptions common;  // --set KEY=V1,V2,... makes an axis
  EvaluateTask task = EvaluateTask::All;
  std::optional<double> holdout_edges, holdout_latest;
  std::string labels_file;
};

// The last `count` lines of `file` that are not empty (none when it cannot be read).
std::vector<std::string> last_lines(const fs::path& file, std::size_t count) {
  std::string text;
  try {
    text = read_file(file);
  } catch (const Error&) {
    return {};
  }
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (trim(line).empty()) continue;
    lines.push_back(line);
    if (lines.size() > count) lines.erase(lines.begin());
  }
  return lines;
}

// Runs this executable with `arguments`, stdout and stderr into `log`; returns the exit status.
// `self` (the file's path) is only argv[0], what the point's log and `ps` show. The child never
// outlives this sweep: a SIGINT or SIGTERM here stops it first, a SIGKILL here kills it too.
int run_self(const std::vector<std::string>& arguments, const fs::path& log) {
  std::error_code ec;
  const fs::path self = fs::read_symlink("/proc/self/exe", ec);
  if (ec) throw Error("sweep: cannot find the n2v executable (/proc/self/exe: " + ec.message() + ")");
  std::vector<char*> argv;
  argv.push_back(const_cast<char*>(self.c_str()));
  for (const auto& a : arguments) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  std::fflush(stdout);
  std::fflush(stderr);
  StopSignalCatcher stop_signal;
  const pid_t pid = fork_child("n2v train");
  if (pid == 0) {
    int fd = open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0644);
    if (fd < 0) {
      const std::string message = "n2v sweep: cannot write " + log.string() + ": " + std::strerror(errno) + "\n";
      (void)!write(STDERR_FILENO, message.data(), message.size());
      _exit(1);
    }
    dup2(fd, STDOUT_FILENO);
    dup2(fd, STDERR_FILENO);
    // /proc/self/exe, not its target's path: the image this sweep runs, even when a rebuild has
    // replaced the file since (a sweep started before the rebuild used to fail there with exit 127).
    execv("/proc/self/exe", argv.data());
    _exit(127);
  }
  SupervisedChild child(pid);
  while (child.poll()) {
    if (stop_signal.caught()) child.stop();
    usleep(20000);
  }
  if (stop_signal.caught()) {
    throw Error("sweep stopped by " + stop_signal.describe() + "; its n2v train (" + log.parent_path().string() +
                ") was stopped");
  }
  const int status = child.status();
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + (WIFSIGNALED(status) ? WTERMSIG(status) : 0);
}

std::vector<SweepMetric> metrics_of(const Evaluation& e, EvaluateTask task) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  std::vector<SweepMetric> out;
  if (runs_task(task, EvaluateTask::Genres)) {
    const auto& g = e.genres;
    out.push_back({"genres_macro_f1", "genres macro-F1", g ? g->n2v.macro_f1.mean : nan,
                   {{"random", g ? g->random.macro_f1.mean : nan}}});
    out.push_back({"genres_micro_f1", "genres micro-F1", g ? g->n2v.micro_f1.mean : nan,
                   {{"random", g ? g->random.micro_f1.mean : nan}}});
  }
  if (runs_task(task, EvaluateTask::Links)) {
    const auto& l = e.links;
    out.push_back({"links_auc", "links AUC", l ? l->n2v_auc : nan, {{"adamic_adar", l ? l->adamic_adar_auc : nan}}});
  }
  if (runs_task(task, EvaluateTask::Recommend)) {
    const auto& r = e.recommend;
    const std::string k = r ? std::to_string(r->k) : "10";
    auto add = [&](const std::string& name, const std::string& label, double RankingScores::*field) {
      out.push_back({name, label + k, r ? r->n2v.*field : nan,
                     {{"popularity", r ? r->popularity.*field : nan}, {"co_rating", r ? r->co_rating.*field : nan}}});
    };
    add("recommend_hit_rate", "HitRate@", &RankingScores::hit_rate);
    add("recommend_recall", "Recall@", &RankingScores::recall);
    add("recommend_ndcg", "NDCG@", &RankingScores::ndcg);
  }
  return out;
}

// Metrics no point has (a task without data) are left out of the report.
void drop_empty_metrics(std::vector<SweepPoint>& points) {
  if (points.empty()) return;
  for (std::size_t m = points[0].metrics.size(); m-- > 0;) {
    bool any = false;
    for (const auto& p : points) any = any || !std::isnan(p.metrics[m].value);
    if (!any)
      for (auto& p : points) p.metrics.erase(p.metrics.begin() + static_cast<std::ptrdiff_t>(m));
  }
}

void run_sweep(const SweepOptions& options) {
  SweepGrid grid = parse_sweep_grid(options.common.overrides);
  if (grid.axes.empty())
    throw UsageError("sweep: give at least one --set KEY=V1,V2,... with several values (e.g. --set walk.p=0.25,1,4)");
  CommonOptions base = options.common;
  base.overrides = grid.fixed;
  Config base_config = resolve_config(base);
  // Held-out data, so that every task can score each point: the config's, else these defaults.
  auto holdout = [&](const std::optional<double>& option, double configured, const char* key, double fallback) {
    if (option) base.overrides.push_back(std::string(key) + "=" + format_double(*option));
    else if (configured <= 0 && fallback > 0) base.overrides.push_back(std::string(key) + "=" + format_double(fallback));
  };
  const bool movielens = base_config.data.format == DataFormat::MovieLens;
  holdout(options.holdout_edges, base_config.eval.holdout_edges, "eval.holdout_edges",
          runs_task(options.task, EvaluateTask::Links) ? 0.1 : 0.0);
  holdout(options.holdout_latest, base_config.eval.holdout_latest, "eval.holdout_latest",
          movielens && runs_task(options.task, EvaluateTask::Recommend) ? 0.2 : 0.0);

  // Every point's config is checked before the first one trains.
  const auto points_of_grid = grid_points(grid);
  for (const auto& point : points_of_grid) {
    CommonOptions c = base;
    for (const auto& a : point_assignments(grid, point)) c.overrides.push_back(a);
    resolve_config(c);
  }
  fs::path out_dir = options.common.out_dir;
  if (out_dir.empty()) {
    std::string stem = options.common.config_file.empty() ? "default" : fs::path(options.common.config_file).stem().string();
    out_dir = fs::path("runs") / (stem + "-sweep");
  }
  // Each point's n2v train holds and stages its own folder; this run holds OUT and stages the table.
  RunFolder folder(out_dir, input_folders(base_config));

  std::vector<SweepPoint> points;
  for (std::size_t i = 0; i < points_of_grid.size(); ++i) {
    const auto& point = points_of_grid[i];
    SweepPoint result;
    for (std::size_t a = 0; a < grid.axes.size(); ++a) result.values.push_back(grid.axes[a].values[point[a]]);
    result.folder = point_folder(grid, point, i);
    const fs::path dir = out_dir / result.folder;
    ensure_directory(dir);
    std::string settings;
    for (const auto& a : point_assignments(grid, point)) settings += (settings.empty() ? "" : " ") + a;

    std::vector<std::string> args{"train", "--out", dir.string()};
    if (!base.config_file.empty()) args.insert(args.end(), {"--config", base.config_file});
    if (!base.data_dir.empty()) args.insert(args.end(), {"--data-dir", base.data_dir});
    if (base.seed) args.insert(args.end(), {"--seed", std::to_string(*base.seed)});
    if (base.threads) args.insert(args.end(), {"--threads", std::to_string(*base.threads)});
    for (const auto& a : base.overrides) args.insert(args.end(), {"--set", a});
    for (const auto& a : point_assignments(grid, point)) args.insert(args.end(), {"--set", a});
    log_line("sweep: point " + std::to_string(i + 1) + "/" + std::to_string(points_of_grid.size()) + " (" + settings +
             "): training, log in " + (dir / "train.log").string());
    const auto start = std::chrono::steady_clock::now();
    const int status = run_self(args, dir / "train.log");
    if (status != 0) {
      // The training's last lines as log lines (each one escaped), its error in the message.
      const auto tail = last_lines(dir / "train.log", 5);
      for (const auto& line : tail) log_line("train.log: " + line);
      throw DataError("sweep: n2v train failed for point " + std::to_string(i + 1) + " (" + settings + ") with exit code " +
                      std::to_string(status) + (tail.empty() ? "" : ": " + quote_excerpt(tail.back(), 300)) +
                      "; its log: " + (dir / "train.log").string());
    }
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

    EvaluateOptions evaluate;
    evaluate.model = dir / "model.pt";
    evaluate.data_dir = base.data_dir;
    evaluate.task = options.task;
    evaluate.labels_file = options.labels_file;
    Evaluation evaluation = evaluate_model(evaluate);
    write_file_atomic(dir / "evaluation.json", evaluation_json(evaluation, evaluate.model));
    result.metrics = metrics_of(evaluation, options.task);
    std::string summary;
    for (const auto& m : result.metrics)
      if (!std::isnan(m.value)) summary += (summary.empty() ? "" : ", ") + m.label + " " + format_double(std::round(m.value * 1e4) / 1e4);
    char took[32];
    std::snprintf(took, sizeof took, "%.1f s", seconds);
    log_line("sweep: point " + std::to_string(i + 1) + " trained in " + took + ": " + summary);
    points.push_back(std::move(result));
  }

  drop_empty_metrics(points);
  std::printf("%s", sweep_table(grid, points).c_str());
  std::fflush(stdout);
  write_file_atomic(folder.staged("sweep.csv"), sweep_csv(grid, points));
  std::string title = "n2v sweep";
  if (!options.common.config_file.empty()) title += ": " + fs::path(options.common.config_file).filename().string();
  write_file_atomic(folder.staged("sweep.svg"), sweep_svg(grid, points, title));
  folder.commit();
  log_line("wrote " + (out_dir / "sweep.csv").string() + " and " + (out_dir / "sweep.svg").string());
}

}  // namespace

void add_sweep_command(CLI::App& app) {
  auto options = std::make_shared<SweepOptions>();
  CLI::App* command = app.add_subcommand(
      "sweep", "Train and evaluate every point of a grid of settings (--set KEY=V1,V2,...); print one table");
  add_common_options(*command, options->common, "runs/<config file stem>-sweep/");
  add_choice_option(*command, "--task", options->task, "genres | links | recommend | all (default all)");
  command->add_option("--holdout-edges", options->holdout_edges,
                      "edges held out for the links task (default: eval.holdout_edges, else 0.1)");
  command->add_option("--holdout-latest", options->holdout_latest,
                      "each user's latest ratings held out for the recommend task (default: eval.holdout_latest, "
                      "else 0.2 for MovieLens)");
  command->add_option("--labels", options->labels_file, "node labels for the genres task (see n2v evaluate)")
      ->check(CLI::ExistingFile);
  command->callback([options] { run_sweep(*options); });
}

}  // namespace n2v
