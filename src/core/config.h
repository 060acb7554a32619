#pragma once
// One Config for the whole pipeline: loaded from YAML, overridden from the command line
// (--set section.key=value), validated once, saved beside every output as config.yaml.
#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "core/choice.h"

namespace n2v {

// The keys with a fixed set of values; their names (as YAML and --set spell them) are in the
// Choices tables below.
enum class DataFormat { MovieLens, EdgeList };  // data.format
enum class SelfLoops { Drop, Error };  // graph.self_loops
enum class SkipGramMode { Aggregate, Stream };  // skipgram.mode
enum class SkipGramModel { Keras, Sgns };  // skipgram.model
enum class NegativeDistribution { Uniform, Unigram };  // skipgram.negative_distribution
enum class StreamOptimizer { Adam, Sgd };  // train.stream_optimizer
enum class TrainDevice { Cpu, Cuda, Auto };  // train.device, as asked for (resolve_device picks one)
enum class TrainKernel { Auto, Fused, Tensor };  // train.kernel: the Keras model's loss and Adam step
enum class RowExchange { Auto, Sparse, Dense };  // dist.exchange
enum class Partition { Replicate, Shard };  // dist.partition: every rank holds the whole graph, or its share
enum class WalksFile { PerRank, Single };  // dist.walks_file: n2v walk's output across ranks
enum class TablesOutput { Auto, Gather, PerRank };  // dist.tables: sgns' blocks after each epoch

template <>
struct Choices<DataFormat> {
  static constexpr std::pair<DataFormat, const char*> names[]{{DataFormat::MovieLens, "movielens"},
                                                              {DataFormat::EdgeList, "edgelist"}};
};
template <>
struct Choices<SelfLoops> {
  static constexpr std::pair<SelfLoops, const char*> names[]{{SelfLoops::Drop, "drop"}, {SelfLoops::Error, "error"}};
};
template <>
struct Choices<SkipGramMode> {
  static constexpr std::pair<SkipGramMode, const char*> names[]{{SkipGramMode::Aggregate, "aggregate"},
                                                                {SkipGramMode::Stream, "stream"}};
};
template <>
struct Choices<SkipGramModel> {
  static constexpr std::pair<SkipGramModel, const char*> names[]{{SkipGramModel::Keras, "keras"},
                                                                 {SkipGramModel::Sgns, "sgns"}};
};
template <>
struct Choices<NegativeDistribution> {
  static constexpr std::pair<NegativeDistribution, const char*> names[]{{NegativeDistribution::Uniform, "uniform"},
                                                                        {NegativeDistribution::Unigram, "unigram"}};
};
template <>
struct Choices<StreamOptimizer> {
  static constexpr std::pair<StreamOptimizer, const char*> names[]{{StreamOptimizer::Adam, "adam"},
                                                                   {StreamOptimizer::Sgd, "sgd"}};
};
template <>
struct Choices<TrainDevice> {
  static constexpr std::pair<TrainDevice, const char*> names[]{
      {TrainDevice::Cpu, "cpu"}, {TrainDevice::Cuda, "cuda"}, {TrainDevice::Auto, "auto"}};
};
template <>
struct Choices<TrainKernel> {
  static constexpr std::pair<TrainKernel, const char*> names[]{
      {TrainKernel::Auto, "auto"}, {TrainKernel::Fused, "fused"}, {TrainKernel::Tensor, "tensor"}};
};
template <>
struct Choices<RowExchange> {
  static constexpr std::pair<RowExchange, const char*> names[]{
      {RowExchange::Auto, "auto"}, {RowExchange::Sparse, "sparse"}, {RowExchange::Dense, "dense"}};
};

template <>
struct Choices<Partition> {
  static constexpr std::pair<Partition, const char*> names[]{{Partition::Replicate, "replicate"},
                                                             {Partition::Shard, "shard"}};
};
template <>
struct Choices<WalksFile> {
  static constexpr std::pair<WalksFile, const char*> names[]{{WalksFile::PerRank, "per_rank"},
                                                             {WalksFile::Single, "single"}};
};
template <>
struct Choices<TablesOutput> {
  static constexpr std::pair<TablesOutput, const char*> names[]{
      {TablesOutput::Auto, "auto"}, {TablesOutput::Gather, "gather"}, {TablesOutput::PerRank, "per_rank"}};
};

struct DataConfig {
  DataFormat format = DataFormat::MovieLens;
  std::string dir = "data/ml-latest-small";
  std::string url = "https://files.grouplens.org/datasets/movielens/ml-latest-small.zip";
  std::string md5;     // checked after download when set
  std::string sha256;  // checked after download when set
  std::string edges = "edges.tsv";  // edgelist format: file inside data.dir (or an absolute path)
};

struct GraphConfig {
  double min_rating = 5.0;  // a movie is "liked" by a user at this rating or above
  double min_weight = 10.0;  // edges with PMI x co-count below this are dropped
  bool directed = false;  // edgelist format only; the MovieLens graph is undirected
  SelfLoops self_loops = SelfLoops::Drop;  // edgelist format
};

// The range of walk.p and walk.q where the sampler is exact. A step weighs each neighbour by its
// edge weight (a float: 1.4e-45 to 3.4e38) times 1/p, 1 or 1/q; with the factors within 1e-100 to
// 1e100 every product, and every sum of up to 2^32 of them, stays a normal double (1e-145 to
// 1e149), so no weight rounds to 0 or to infinity. Outside it they did: p = 1e-308 made the
// return edge's weight infinite and walks returned 2% of the time instead of always.
constexpr double kWalkParameterMin = 1e-100;
constexpr double kWalkParameterMax = 1e100;

struct WalkConfig {
  double p = 1.0;  // return parameter
  double q = 1.0;  // in-out parameter
  int num_walks = 5;  // rounds over all nodes
  int num_steps = 10;  // nodes per walk, start included
};

struct SkipGramConfig {
  int window = 10;
  double negative_samples = 4.0;  // negatives per positive pair
  SkipGramMode mode = SkipGramMode::Aggregate;  // aggregate (Keras) | stream
  // stream mode: uniform (as Keras) | unigram (frequency^0.75)
  NegativeDistribution negative_distribution = NegativeDistribution::Uniform;
  // keras: the example's model (one table, Adam; skipgram.mode picks aggregate or stream) |
  // sgns: word2vec's skip-gram with negative sampling (two tables, Hogwild SGD, always streamed)
  SkipGramModel model = SkipGramModel::Keras;
  double subsample = 0.0;  // sgns: word2vec's `sample` (frequent nodes dropped per occurrence), 0 = off
};

struct TrainConfig {
  int batch_size = 1024;
  int embedding_dim = 50;
  int epochs = 10;
  double learning_rate = 0.001;
  double l2 = 1e-6;
  double stream_learning_rate = 0.01;  // stream mode's and sgns' rate (sgd, sgns: decayed linearly to 1e-4 of it)
  StreamOptimizer stream_optimizer = StreamOptimizer::Adam;  // stream mode: adam (lazy, touched rows) | sgd (word2vec)
  TrainDevice device = TrainDevice::Cpu;
  // The Keras model's loss and Adam step (skipgram.mode aggregate): fused = n2v's CPU loops; tensor =
  // the same math in torch tensor ops, the only kernel CUDA can run; auto = fused on the CPU, tensor
  // on CUDA. tensor on the CPU runs CUDA's code path without a GPU.
  TrainKernel kernel = TrainKernel::Auto;
};

struct ExportConfig {
  bool torchscript = true;  // model.pt
  bool projector = true;  // embeddings.tsv + metadata.tsv
  bool word2vec = true;  // embeddings.w2v.txt
  bool numpy = true;  // embeddings.npy
  bool onnx = true;  // model.logits.onnx + model.similar.onnx
};

// Data held out of training for `n2v evaluate` (0 = none). Both are applied by load_graph.
struct EvalConfig {
  double holdout_edges = 0.0;  // fraction of the graph's edges removed before the walks
  double holdout_latest = 0.0;  // fraction of each user's ratings (the latest) removed before the graph
};

// Distributed runs (n2v launch, or RANK / WORLD_SIZE from torchrun); unused in one process.
struct DistConfig {
  double timeout_s = 60;  // rendezvous and every collective: a rank missing this long stops the others
  RowExchange exchange = RowExchange::Auto;  // how ranks sum each step's gradient rows
  Partition partition = Partition::Replicate;  // shard: each rank holds and walks only its nodes' rows
  WalksFile walks_file = WalksFile::PerRank;  // n2v walk: walks.rank-K.txt per rank, or one walks.txt on rank 0
  // sgns with the tables in blocks: rank 0 gathers them (checkpoint.pt and every export), or each
  // rank writes its block (checkpoint.rank-K.pt, embeddings.rank-K.w2v.txt and a manifest); auto:
  // gather when rank 0 can hold both whole tables.
  TablesOutput tables = TablesOutput::Auto;
};

struct Config {
  std::uint64_t seed = 42;
  int threads = 0;  // 0 = all cores
  DataConfig data;
  GraphConfig graph;
  WalkConfig walk;
  SkipGramConfig skipgram;
  TrainConfig train;
  ExportConfig export_;  // "export" in YAML
  EvalConfig eval;
  DistConfig dist;

  // Where each key got its value ("configs/ml_small.yaml:7", "--set"), for error messages.
  std::map<std::string, std::string> origin;
  std::filesystem::path source;  // the YAML file, empty when none

  static Config load(const std::filesystem::path& yaml_file);
  // Applies "section.key=value"; throws ConfigError naming the key (and the nearest known key), or
  // the value and what the key accepts (a number, true or false, one of its choices).
  void set(const std::string& assignment, const std::string& where = "--set");
  void set(const std::string& key, const std::string& value, const std::string& where);
  // Checks every range; throws ConfigError naming the key, the value and the allowed range.
  void validate() const;
  std::string to_yaml() const;
  // threads, with 0 resolved to the number of cores, divided between the ranks of a distributed run
  // on one machine (LOCAL_WORLD_SIZE, which n2v launch and torchrun set).
  int resolved_threads() const;
  std::filesystem::path data_dir() const { return data.dir; }
};

std::vector<std::string> config_keys();  // every known "section.key"
// The known key closest to `key` by edit distance (for "did you mean").
std::string nearest_key(const std::string& key);

}  // namespace n2v
