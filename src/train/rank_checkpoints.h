#pragma once
// dist.tables per_rank: every rank keeps its blocks' checkpoint in its own --out folder (on its own
// host, so the tables never meet on one machine): checkpoint.rank-K.pt, and the epoch before it in
// checkpoint.rank-K.previous.pt. The ranks save one after another, so a crash while they save can
// leave some a step ahead; resuming takes the latest epoch every rank has.
#include <filesystem>
#include <string>

#include "dist/transport.h"
#include "train/checkpoint.h"

namespace n2v {

std::string rank_checkpoint_file(int rank);           // checkpoint.rank-K.pt
std::string previous_rank_checkpoint_file(int rank);  // checkpoint.rank-K.previous.pt

// The integer tensors a rank's checkpoint carries beside its blocks: how many blocks, and which.
ExtraState rank_checkpoint_extra(int world, int rank);

// The file a rank resumes from, and its bytes (read once: a rank's blocks can be gigabytes).
struct RankCheckpoint {
  std::filesystem::path path;
  std::string bytes;
};

// Collective: the file this rank resumes from, holding the latest epoch every rank has. Throws on
// every rank alike (the rank at fault its own message, the others one naming it): UsageError when
// a rank has no checkpoint, when the files were written by another world size ("... by a run of 2
// ranks, this one has 3 ...") or by another rank, DataError when one is damaged.
RankCheckpoint rank_checkpoint_to_resume(const std::filesystem::path& out_dir, Transport& comm);

}  // namespace n2v
