// n2v bench: times every stage of the pipeline (load, graph, walks, examples, one training epoch,
// export) over several repetitions; prints median and spread per stage, writes bench.json.
#include <cstdio>
#include <functional>

#include "cli/cli.h"
#include "core/atomic_file.h"
#include "core/errors.h"
#include "core/json.h"
#include "core/progress.h"
#include "data/download.h"
#include "eval/bench.h"
#include "pipeline/pipeline.h"
#ifdef N2V_WITH_TORCH
#include "serve/export.h"
#include "train/train.h"
#endif

namespace n2v {

namespace {

struct BenchOptions {
  CommonOptions common;
  int repeat = 5;
};

// One repetition of the whole pipeline; every stage's wall time goes to `rec`.
void run_once(const Config& config, const std::filesystem::path& export_dir, BenchRecorder& rec, bool last) {
  const bool movielens = config.data.format == DataFormat::MovieLens;
  PrepareOptions prepare;
  prepare.progress = false;  // the stages are timed, one table at the end
  prepare.run_stage = [&](PipelineStage stage, const std::function<void()>& run) {
    rec.time(choice_name(stage), run);
    if (stage == PipelineStage::Load && !movielens) {
      rec.skip("graph", "edge lists are read straight into the graph (timed in load)");
    }
  };
  Config whole = config;  // eval.holdout_* is ignored (run_bench says so): the stages run on the whole data
  whole.eval = EvalConfig{};
  const TrainingData data = prepare_training_data(whole, prepare);
  const Graph& g = data.graph;
  const Walks& walks = data.walks;
  const Examples& examples = data.examples;
  if (movielens) {
    rec.set_work("load", static_cast<double>(g.stats.ratings), "ratings");
    rec.set_work("graph", static_cast<double>(g.stats.liked_ratings), "liked ratings");
  } else {
    rec.set_work("load", static_cast<double>(g.stats.edges), "edges");
  }
  const std::uint64_t steps = walks.nodes.size() - walks.size();
  rec.set_work("walks", static_cast<double>(steps), "steps");

  const bool sgns = config.skipgram.model == SkipGramModel::Sgns;
  const bool stream = sgns || config.skipgram.mode == SkipGramMode::Stream;
  double examples_per_epoch = 0;  // what training goes through
  if (sgns) {
    // sgns draws its pairs inside training; its work is the walks' nodes (the centres).
    rec.skip("examples", "skipgram.model sgns makes its pairs inside training");
    examples_per_epoch = static_cast<double>(walks.nodes.size());
  } else if (!stream) {
    rec.set_work("examples", static_cast<double>(examples.size()), "examples");
    examples_per_epoch = static_cast<double>(examples.size() / config.train.batch_size * config.train.batch_size);
  } else {
    // Stream mode makes its examples per batch inside training; this is the generator's share of
    // an epoch on one thread: every walk's examples, made and dropped.
    const StreamOptions stream_options = stream_options_from(config);
    const std::uint64_t made = rec.time("examples", [&] {
      StreamExamples source(walks, g.vocabulary.size(), stream_options);
      StreamBatch batch;
      std::uint64_t n = 0;
      for (std::size_t w = 0; w < source.num_walks(); ++w) {
        source.append_walk(w, 1, batch);
        if (batch.targets.size() >= (1u << 16)) {
          n += batch.targets.size();
          batch.clear();
        }
      }
      return n + batch.targets.size();
    });
    rec.set_work("examples", static_cast<double>(made), "examples");
    examples_per_epoch = static_cast<double>(made);
  }

  if (last) {
    rec.info("ratings", g.stats.ratings);
    rec.info("nodes", g.stats.nodes);
    rec.info("edges", g.stats.edges);
    rec.info("walks", walks.size());
    rec.info("steps", steps);
    if (!stream) rec.info("examples", examples.size());
  }

#ifdef N2V_WITH_TORCH
  // One epoch, no checkpoint: the cost of an epoch is what grows with the data.
  Config one_epoch = config;
  one_epoch.train.epochs = 1;
  TrainResult result = rec.time("train", [&] {
    return sgns     ? train_sgns(walks, g.vocabulary.size(), one_epoch, {}, false)
           : stream ? train_skipgram_stream(walks, g.vocabulary.size(), one_epoch, {}, false)
                    : train_skipgram(examples, g.vocabulary.size(), one_epoch, {}, false);
  });
  rec.set_work("train", examples_per_epoch, sgns ? "nodes" : "examples");
  if (last) {
    rec.info("device", choice_name(result.device));
    rec.info("epoch_loss", json_number(result.epoch_loss.empty() ? 0.0 : result.epoch_loss.back()));
  }
  ensure_directory(export_dir);
  rec.time("export", [&] {
    export_model(result.embeddings, result.dim, g.vocabulary, config.export_, export_dir, config.data_dir());
  });
  rec.set_work("export", static_cast<double>(g.vocabulary.size()), "nodes");
#else
  (void)export_dir;
  (void)examples_per_epoch;
  rec.skip("train", "this n2v was built without LibTorch (N2V_WITH_TORCH=OFF)");
  rec.skip("export", "this n2v was built without LibTorch (N2V_WITH_TORCH=OFF)");
#endif
}

void run_bench(const BenchOptions& options) {
  if (options.repeat < 1) throw UsageError("--repeat " + std::to_string(options.repeat) + ": give at least 1");
  Run run = prepare_run(options.common);
  if (options.common.out_dir.empty()) run.out_dir /= "bench";  // beside, not over, a train run's outputs
  const Config& config = run.config;
#ifdef N2V_WITH_TORCH
  resolve_device(config.train.device);  // fail before the slow stages when CUDA is missing
#endif
  if (config.eval.holdout_edges > 0 || config.eval.holdout_latest > 0) {
    log_line("bench: eval.holdout_* is ignored; the stages run on the whole data");
  }
  RunFolder folder(run.out_dir, input_folders(config));
  ensure_dataset(config.data);  // a download is no stage
  if (config.data.format == DataFormat::MovieLens) detect_layout(config.data.dir);  // bad data leaves no output

  stage_config(config, folder);
  BenchRecorder rec;
  rec.info("n2v_version", N2V_VERSION);
  rec.info("config", options.common.config_file);
  rec.info("data_dir", config.data.dir);
  rec.info("repeat", options.repeat);
  rec.info("threads", config.resolved_threads());
  rec.info("skipgram_mode", choice_name(config.skipgram.mode));
  rec.info("batch_size", config.train.batch_size);
  for (int i = 1; i <= options.repeat; ++i) {
    log_line("bench: repetition " + std::to_string(i) + "/" + std::to_string(options.repeat));
    Stopwatch total;
    run_once(config, folder.staged("export"), rec, i == options.repeat);
    rec.add("total", total.seconds());
  }
  rec.info("peak_rss_mb", json_rounded(peak_rss_mb(), 0));
  std::printf("\n%s", rec.table().c_str());
  write_file_atomic(folder.staged("bench.json"), rec.to_json());
  folder.commit();
  log_line("wrote " + (run.out_dir / "bench.json").string());
}

}  // namespace

void add_bench_command(CLI::App& app) {
  auto options = std::make_shared<BenchOptions>();
  CLI::App* command = app.add_subcommand(
      "bench", "Time every pipeline stage (load, graph, walks, examples, one epoch, export) over repetitions");
  add_common_options(*command, options->common, "runs/<config file stem>/bench/");
  command->add_option("--repeat", options->repeat, "repetitions of the whole pipeline (median and spread over them)")
      ->capture_default_str();
  command->callback([options] { run_bench(*options); });
}

}  // namespace n2v
