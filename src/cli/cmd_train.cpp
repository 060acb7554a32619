// n2v train: data -> graph -> walks -> examples -> skip-gram training -> export.
#include <chrono>
#include <cstdio>
#include <memory>
#include <optional>

#include "cli/cli.h"
#include "core/atomic_file.h"
#include "core/errors.h"
#include "core/memory.h"
#include "core/progress.h"
#include "core/text.h"
#include "eval/embedding_shards.h"
#include "eval/loss_report.h"
#include "pipeline/pipeline.h"
#include "serve/embedding_files.h"
#include "serve/export.h"
#include "serve/onnx_export.h"
#include "train/checkpoint.h"
#include "train/distributed.h"
#include "train/train.h"

namespace n2v {

namespace {

struct TrainOptions {
  CommonOptions common;
  std::string device;
  std::optional<int> epochs;
  bool resume = false;
  std::optional<double> holdout_edges, holdout_latest;  // eval.holdout_* shortcuts
  DistOverrides dist;
};

// dist.tables per_rank: each rank writes its rows, embeddings.rank-K.w2v.txt, on its own host (rank
// 0 stages its own); rank 0 the manifest naming them and vocabulary.tsv. Collective.
void export_rank_tables(const TrainResult& result, const Vocabulary& vocabulary, const Config& config,
                        const std::filesystem::path& out_dir, RunFolder* writer, Communicator& comm) {
  const std::string mine = shard_vectors_file(comm.rank());
  if (!writer) ensure_directory(out_dir);
  write_word2vec_rows(result.embeddings.data(), result.dim, result.shard_tokens, vocabulary,
                      writer ? writer->staged(mine) : out_dir / mine);
  // Every rank's row count, and a sign that every rank has written its file.
  std::vector<std::uint64_t> rows(static_cast<std::size_t>(comm.world_size()), 0);
  rows[static_cast<std::size_t>(comm.rank())] = result.shard_tokens.size();
  comm.allreduce_sum(rows.data(), rows.size());
  if (!writer) return;
  ShardManifest manifest;
  manifest.dim = result.dim;
  manifest.tokens = vocabulary.size();
  manifest.rows = rows;
  manifest.epochs = static_cast<int>(result.epoch_loss.size());
  manifest.data_dir = config.data_dir().empty() ? std::string() : std::filesystem::weakly_canonical(std::filesystem::absolute(config.data_dir())).string();
  write_shard_manifest(manifest, writer->staged(kShardManifestFile));
  write_vocabulary_tsv(vocabulary, writer->staged("vocabulary.tsv"));
  log_line("wrote " + (out_dir / "embeddings.rank-K.w2v.txt").string() + " for K = 0.." +
           std::to_string(comm.world_size() - 1) + " on each rank's host and " + kShardManifestFile +
           " naming them (dist.tables per_rank): copied into one folder they are read by n2v evaluate --vectors "
           "and n2v serve --model " + kShardManifestFile + "; model.pt and the other exports need the whole "
           "table on one machine (dist.tables gather)");
}

void run_train(const TrainOptions& options) {
  CommonOptions common = options.common;
  if (!options.device.empty()) common.shortcuts.emplace_back("train.device=" + options.device, "--device");
  if (options.epochs) common.shortcuts.emplace_back("train.epochs=" + std::to_string(*options.epochs), "--epochs");
  if (options.holdout_edges)
    common.shortcuts.emplace_back("eval.holdout_edges=" + format_double(*options.holdout_edges), "--holdout-edges");
  if (options.holdout_latest)
    common.shortcuts.emplace_back("eval.holdout_latest=" + format_double(*options.holdout_latest), "--holdout-latest");
  Run run = prepare_run(common);
  const Config& config = run.config;
  // Fail before the slow stages when CUDA is missing or the kernel cannot run there.
  uses_tensor_kernel(config.train.kernel, resolve_device(config.train.device));
  const bool sgns = config.skipgram.model == SkipGramModel::Sgns;
  const bool stream = config.skipgram.mode == SkipGramMode::Stream;
  const DistOptions dist = resolve_dist_options(options.dist, config.dist.timeout_s);
  check_trainable(config, dist.world_size);
  std::unique_ptr<Communicator> comm;
  if (dist.world_size > 1) {
    if (resolve_device(config.train.device) != ComputeDevice::Cpu) {
      throw UsageError("distributed training runs on the CPU (Gloo); use --device cpu");
    }
    comm = std::make_unique<Communicator>(dist);
    log_line("rank " + std::to_string(dist.rank) + " of " + std::to_string(dist.world_size) + " joined " +
             dist.master_addr + ":" + std::to_string(dist.master_port));
  }
  const bool writer = dist.rank == 0;
  // Only rank 0 writes, so only it holds the output folder.
  std::optional<RunFolder> folder;
  if (writer) folder.emplace(run.out_dir, input_folders(config));
  // Rank 0 holds the checkpoint (it sends it to the others when training starts).
  if (options.resume && writer) check_resumable(config, run.out_dir);

  PrepareOptions prepare;
  prepare.rank = dist.rank;
  prepare.world_size = dist.world_size;
  prepare.transport = comm.get();
  if (comm) prepare.gather_walks = [&comm](const Walks& mine) { return comm->all_gather_walks(mine); };
  const TrainingData data = prepare_training_data(config, prepare);
  const Graph& g = data.graph;

  if (writer) {
    stage_config(config, *folder);
    write_held_out(data.held_out, g.vocabulary, folder->staging());
  }
  // checkpoint.pt and loss.csv are the training's progress, not staged: rewritten in OUT after each
  // epoch, so that --resume finds them after a kill.
  TrainResult result =
      sgns     ? train_sgns(data.walks, g.vocabulary.size(), config, run.out_dir, options.resume, comm.get())
      : stream ? train_skipgram_stream(data.walks, g.vocabulary.size(), config, run.out_dir, options.resume, comm.get())
               : train_skipgram(data.examples, g.vocabulary.size(), config, run.out_dir, options.resume, comm.get());
  log_line((comm ? "rank " + std::to_string(dist.rank) + " peak memory " : std::string("peak memory ")) +
           std::to_string(static_cast<long>(peak_rss_mb())) + " MB after training");
  if (result.per_rank_tables) {
    export_rank_tables(result, g.vocabulary, config, run.out_dir, writer ? &*folder : nullptr, *comm);
  } else if (writer) {  // rank 0 holds the weights (gathered, with the tables in blocks) and writes them
    export_model(result.embeddings, result.dim, g.vocabulary, config.export_, folder->staging(), config.data_dir());
  }
  if (!writer) return;
  write_file_atomic(folder->staged("loss_vs_keras.svg"),
                    loss_svg(result.epoch_loss,
                             "n2v (" + choice_name(result.device) + ", seed " + std::to_string(config.seed) + ")"));
  // What an earlier train wrote here and this one does not, e.g. with export.onnx now false, goes:
  // the folder holds one run's files. evaluation.json scored the earlier model.
  folder->commit({"config.yaml", "model.pt", kOnnxLogitsFile, kOnnxSimilarFile, "embeddings.tsv", "metadata.tsv",
                  "embeddings.w2v.txt", "embeddings.npy", "vocabulary.tsv", kHoldoutEdgesFile, kHoldoutRatingsFile,
                  "loss_vs_keras.svg", "evaluation.json", kShardManifestFile, shard_vectors_file(0)});
  const std::string not_keras = why_not_the_keras_example(config, g.stats);
  if (not_keras.empty()) {
    std::printf("\n%s", loss_comparison_table(result.epoch_loss).c_str());
  } else if (!result.epoch_loss.empty()) {
    const char* what = sgns     ? "sgns' mean loss per positive pair, its negatives included"
                       : stream ? "the mean BCE loss of stream mode's batches"
                                : "the mean weighted BCE loss of the batches, L2 included";
    std::printf("\nloss %.4f after epoch %zu: %s. Not compared with the Keras example's curve: %s.\n",
                result.epoch_loss.back(), result.epoch_loss.size(), what, not_keras.c_str());
  }
  log_line("outputs in " + run.out_dir.string());
}

}  // namespace

void add_train_command(CLI::App& app) {
  auto options = std::make_shared<TrainOptions>();
  CLI::App* command = app.add_subcommand("train", "Run the whole pipeline: data, graph, walks, examples, training, export");
  command->footer(
      "Configs: configs/ml_small.yaml (the Keras example, the built-in defaults), configs/ml_small_best.yaml (the best "
      "movie vectors measured), configs/graph.yaml (any weighted edge list: sgns, nothing held out).");
  add_common_options(*command, options->common);
  command->add_option("--device", options->device, "cpu | cuda | auto (overrides train.device)")
      ->check(CLI::IsMember(choice_names<TrainDevice>()));
  command->add_option("--epochs", options->epochs, "number of epochs (overrides train.epochs)");
  command->add_flag("--resume", options->resume, "continue from the output folder's checkpoint.pt");
  command->add_option("--holdout-edges", options->holdout_edges,
                      "hold this fraction of the edges out of training, for n2v evaluate (overrides eval.holdout_edges)");
  command->add_option("--holdout-latest", options->holdout_latest,
                      "hold each user's latest fraction of ratings out of training, for n2v evaluate "
                      "(overrides eval.holdout_latest)");
  add_dist_options(*command, options->dist);
  command->callback([options] { run_train(*options); });
}

}  // namespace n2v
