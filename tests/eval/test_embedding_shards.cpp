// Tables written per rank (dist.tables per_rank): the manifest names every rank's word2vec file,
// and reading it joins them as one file; a missing or foreign file is named.
#include "eval/embedding_shards.h"

#include <gtest/gtest.h>

#include "core/errors.h"
#include "test_util.h"

namespace n2v {
namespace {

using testing::TempDir;
using testing::write_text;

// Tokens 1..4 of a vocabulary of 5 over 2 ranks: rank 0 holds 2 and 4, rank 1 holds 1 and 3.
ShardManifest two_ranks(const TempDir& dir) {
  ShardManifest manifest;
  manifest.dim = 2;
  manifest.tokens = 5;
  manifest.rows = {2, 2};
  manifest.epochs = 3;
  manifest.data_dir = "/data/ml";
  write_shard_manifest(manifest, dir / kShardManifestFile);
  write_text(dir / "embeddings.rank-0.w2v.txt", "2 2\nb 2 2\nd 4 4\n");
  write_text(dir / "embeddings.rank-1.w2v.txt", "2 2\na 1 1\nc 3 3\n");
  return manifest;
}

TEST(EmbeddingShards, TheManifestReadsAsOneFileInRankOrder) {
  TempDir dir;
  const ShardManifest written = two_ranks(dir);
  const ShardManifest read = read_shard_manifest(dir / kShardManifestFile);
  EXPECT_EQ(read.dim, 2);
  EXPECT_EQ(read.tokens, 5u);
  EXPECT_EQ(read.rows, written.rows);
  EXPECT_EQ(read.epochs, 3);
  EXPECT_EQ(read.data_dir, "/data/ml");
  const Word2VecText text = read_vectors_file(dir / kShardManifestFile);
  EXPECT_EQ(text.dim, 2);
  EXPECT_EQ(text.keys, (std::vector<std::string>{"b", "d", "a", "c"}));
  EXPECT_EQ(text.values, (std::vector<float>{2, 2, 4, 4, 1, 1, 3, 3}));
  // A word2vec file is read as one.
  EXPECT_EQ(read_vectors_file(dir / "embeddings.rank-1.w2v.txt").keys, (std::vector<std::string>{"a", "c"}));
}

// A rank's file missing beside the manifest, or one of another run, is named.
TEST(EmbeddingShards, AMissingOrForeignRankFileIsNamed) {
  TempDir dir;
  two_ranks(dir);
  const auto message = [&] {
    return testing::error_message<DataError>([&] { read_embedding_shards(dir / kShardManifestFile); });
  };
  std::filesystem::remove(dir / "embeddings.rank-1.w2v.txt");
  EXPECT_NE(message().find("lists embeddings.rank-1.w2v.txt, which is not in"), std::string::npos) << message();
  EXPECT_NE(message().find("rank 1 wrote it in its --out folder on its own host"), std::string::npos) << message();
  write_text(dir / "embeddings.rank-1.w2v.txt", "3 2\na 1 1\nc 3 3\ne 5 5\n");
  EXPECT_NE(message().find("holds 3 vectors of dimension 2"), std::string::npos) << message();
  EXPECT_NE(message().find("says 2 of dimension 2"), std::string::npos) << message();
}

TEST(EmbeddingShards, ABadManifestIsNamed) {
  TempDir dir;
  write_text(dir / "a.json", "{\"format\": \"something else\"}");
  EXPECT_NE(testing::error_message<DataError>([&] { read_shard_manifest(dir / "a.json"); })
                .find("is not an n2v embedding manifest"),
            std::string::npos);
  write_text(dir / "b.json", "not json");
  EXPECT_NE(testing::error_message<DataError>([&] { read_shard_manifest(dir / "b.json"); }).find("not JSON"),
            std::string::npos);
  // More vectors than tokens (besides token 0): not one run's.
  write_text(dir / "c.json",
             "{\"format\": \"n2v embedding shards\", \"version\": 1, \"dim\": 2, \"tokens\": 3, \"files\": "
             "[{\"file\": \"embeddings.rank-0.w2v.txt\", \"rows\": 3}]}");
  EXPECT_NE(testing::error_message<DataError>([&] { read_shard_manifest(dir / "c.json"); }).find("3 vectors for 3 tokens"),
            std::string::npos);
}

}  // namespace
}  // namespace n2v
