// The optional parts of the build (CMake N2V_WITH_DOWNLOAD, N2V_WITH_ONNX, N2V_WITH_DISTRIBUTED,
// N2V_WITH_SERVE): on,
// they work; off, a command that needs one fails saying which option it was built without.
#include <gtest/gtest.h>

#include "test_util.h"

namespace n2v {
namespace {

using testing::read_text;
using testing::run_n2v;
using testing::TempDir;
using testing::write_text;
namespace fs = std::filesystem;

std::string tiny_graph(const TempDir& dir) {
  write_text(dir / "data/edges.tsv", "a b 1\nb c 1\nc a 1\nc d 1\nd e 1\ne c 1\n");
  return " --set data.format=edgelist --data-dir " + (dir / "data").string() +
         " --set walk.num_walks=2 --set train.batch_size=8 --set train.embedding_dim=4 --epochs 1";
}

bool mentions(const std::string& output, const std::string& text) { return output.find(text) != std::string::npos; }

TEST(OptionalParts, OnnxExport) {
  TempDir dir;
  auto train = run_n2v("train" + tiny_graph(dir) + " --set export.onnx=false --out " + (dir / "run").string());
  ASSERT_EQ(train.exit_code, 0) << train.output;
  auto exported = run_n2v("export --model " + (dir / "run/model.pt").string() + " --format onnx --out " +
                          (dir / "onnx").string());
  if (N2V_WITH_ONNX) {
    EXPECT_EQ(exported.exit_code, 0) << exported.output;
    EXPECT_TRUE(fs::exists(dir / "onnx/model.similar.onnx"));
  } else {
    EXPECT_EQ(exported.exit_code, 2) << exported.output;
    EXPECT_TRUE(mentions(exported.output, "N2V_WITH_ONNX=OFF")) << exported.output;
    EXPECT_FALSE(fs::exists(dir / "onnx/model.similar.onnx"));
    // train skips the ONNX files (export.onnx is on by default) and says so.
    auto default_export = run_n2v("train" + tiny_graph(dir) + " --out " + (dir / "default").string());
    EXPECT_EQ(default_export.exit_code, 0) << default_export.output;
    EXPECT_TRUE(mentions(default_export.output, "no ONNX files")) << default_export.output;
    EXPECT_TRUE(fs::exists(dir / "default/model.pt"));
  }
}

TEST(OptionalParts, Download) {
  TempDir dir;
  // Nothing listens on port 9 of loopback: a build with downloads fails to connect.
  auto result = run_n2v("graph --data-dir " + (dir / "none").string() + " --set data.url=http://127.0.0.1:9/ml.zip --out " +
                        (dir / "out").string());
  EXPECT_EQ(result.exit_code, 1) << result.output;
  EXPECT_TRUE(mentions(result.output, "--data-dir")) << result.output;
  EXPECT_EQ(mentions(result.output, "N2V_WITH_DOWNLOAD=OFF"), !N2V_WITH_DOWNLOAD) << result.output;
  EXPECT_FALSE(fs::exists(dir / "out"));
}

TEST(OptionalParts, Distributed) {
  TempDir dir;
  // Rank 1 of 2 with nobody serving the rendezvous: a build with c10d gives up after the timeout.
  auto result = run_n2v("train" + tiny_graph(dir) + " --world-size 2 --rank 1 --master 127.0.0.1:9 " +
                        "--set dist.timeout_s=1 --out " + (dir / "run").string());
  EXPECT_NE(result.exit_code, 0) << result.output;
  if (N2V_WITH_DISTRIBUTED) {
    EXPECT_TRUE(mentions(result.output, "rank 1")) << result.output;
  } else {
    EXPECT_EQ(result.exit_code, 2) << result.output;
    EXPECT_TRUE(mentions(result.output, "N2V_WITH_DISTRIBUTED=OFF")) << result.output;
  }
}

TEST(OptionalParts, Serve) {
  TempDir dir;
  // A model that is not there: a build with the server reads it first and names the file.
  auto result = run_n2v("serve --port 0 --model " + (dir / "missing.pt").string());
  if (N2V_WITH_SERVE) {
    EXPECT_EQ(result.exit_code, 1) << result.output;
    EXPECT_TRUE(mentions(result.output, "missing.pt: model file not found")) << result.output;
  } else {
    EXPECT_EQ(result.exit_code, 2) << result.output;
    EXPECT_TRUE(mentions(result.output, "N2V_WITH_SERVE=OFF")) << result.output;
  }
}

}  // namespace
}  // namespace n2v
