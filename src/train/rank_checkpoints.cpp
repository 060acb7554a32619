#include "train/rank_checkpoints.h"

#include <algorithm>
#include <exception>
#include <vector>

#include "core/errors.h"
#include "dist/transport.h"

namespace n2v {
namespace fs = std::filesystem;

std::string rank_checkpoint_file(int rank) { return "checkpoint.rank-" + std::to_string(rank) + ".pt"; }
std::string previous_rank_checkpoint_file(int rank) {
  return "checkpoint.rank-" + std::to_string(rank) + ".previous.pt";
}

ExtraState rank_checkpoint_extra(int world, int rank) {
  return {{"shards", ExtraTensor(torch::tensor(static_cast<std::int64_t>(world)))},
          {"rank", ExtraTensor(torch::tensor(static_cast<std::int64_t>(rank)))}};
}

namespace {

// The epochs of this rank's two files (-1 where there is none), after checking that they are its own;
// the latest file's bytes stay in `latest` (the one resumed from unless another rank lacks its epoch).
std::vector<std::int64_t> epochs_on_this_rank(const fs::path& out_dir, int world, int rank, std::string& latest) {
  std::vector<std::int64_t> epochs;
  for (const std::string& name : {rank_checkpoint_file(rank), previous_rank_checkpoint_file(rank)}) {
    const fs::path path = out_dir / name;
    if (!fs::exists(path)) {
      epochs.push_back(-1);
      continue;
    }
    std::string bytes = read_checkpoint_bytes(path, nullptr);
    const std::vector<std::int64_t> records = read_checkpoint_integers(path, bytes, {"extra/shards", "extra/rank", "epoch"});
    if (epochs.empty()) latest = std::move(bytes);
    const std::int64_t shards = records[0], owner = records[1];
    if (shards != world)
      throw UsageError("--resume: " + path.string() + " holds a block of a run of " + std::to_string(shards) +
                       " ranks; this run has " + std::to_string(world) +
                       ": the tables written per rank resume with the world size that wrote them (n2v launch "
                       "--nproc " + std::to_string(shards) + "), or start a new --out folder");
    if (owner != rank)
      throw UsageError("--resume: " + path.string() + " holds rank " + std::to_string(owner) + "'s block, not rank " +
                       std::to_string(rank) + "'s: each rank resumes from the files it wrote in its own --out folder");
    epochs.push_back(records[2]);
  }
  if (epochs[0] < 0 && epochs[1] < 0)
    throw UsageError("--resume: no " + (out_dir / rank_checkpoint_file(rank)).string() + " (rank " +
                     std::to_string(rank) + "'s blocks of the tables, written in its --out folder on its own host)");
  return epochs;
}

}  // namespace

RankCheckpoint rank_checkpoint_to_resume(const fs::path& out_dir, Transport& comm) {
  const int world = comm.world_size(), rank = comm.rank();
  // Every rank's (failed, epoch + 1 of its latest file, of its previous file), summed into one table.
  std::vector<std::uint64_t> table(static_cast<std::size_t>(3 * world), 0);
  std::exception_ptr failure;
  std::string latest;
  try {
    const std::vector<std::int64_t> epochs = epochs_on_this_rank(out_dir, world, rank, latest);
    table[3 * rank + 1] = static_cast<std::uint64_t>(epochs[0] + 1);
    table[3 * rank + 2] = static_cast<std::uint64_t>(epochs[1] + 1);
  } catch (const Error&) {
    failure = std::current_exception();
    table[3 * rank] = 1;
  }
  comm.allreduce_sum(table.data(), table.size());
  if (failure) std::rethrow_exception(failure);
  for (int r = 0; r < world; ++r)
    if (table[3 * r]) throw UsageError("--resume: rank " + std::to_string(r) + " cannot resume from its checkpoint (its log says why)");

  std::uint64_t common = UINT64_MAX;  // the epoch + 1 every rank has: the least of the latest
  for (int r = 0; r < world; ++r) common = std::min(common, std::max(table[3 * r + 1], table[3 * r + 2]));
  for (int r = 0; r < world; ++r) {
    if (table[3 * r + 1] != common && table[3 * r + 2] != common)
      throw UsageError("--resume: the ranks' checkpoints hold no epoch in common (rank " + std::to_string(r) +
                       " has epochs " + std::to_string(static_cast<std::int64_t>(table[3 * r + 1]) - 1) + " and " +
                       std::to_string(static_cast<std::int64_t>(table[3 * r + 2]) - 1) + ", another only " +
                       std::to_string(common - 1) + "); start a new --out folder");
  }
  if (table[3 * rank + 1] == common) return {out_dir / rank_checkpoint_file(rank), std::move(latest)};
  std::string().swap(latest);  // freed, not just emptied, before the other file is read
  const fs::path previous = out_dir / previous_rank_checkpoint_file(rank);
  return {previous, read_checkpoint_bytes(previous, nullptr)};
}

}  // namespace n2v
