// The layering rule of README "Code layout": the torch-free folders include no torch, c10 or ATen
// header, and no header of the folders built on torch (models/, train/, serve/, cli/).
#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <string>
#include <vector>

namespace fs = std::filesystem;

namespace {

const std::vector<std::string> kTorchFreeDirs{"core", "data", "graph", "walk", "pipeline", "eval"};

// "file:line: #include ..." for every include directive (not a comment) of a file under `dir` that
// names a torch header or a header of a torch folder.
std::vector<std::string> forbidden_includes(const fs::path& dir) {
  static const std::regex include(R"(^\s*#\s*include\s*[<"]((torch|c10|ATen|models|train|serve|cli)/[^>"]*)[>"])");
  std::vector<std::string> found;
  for (const auto& entry : fs::recursive_directory_iterator(dir)) {
    if (!entry.is_regular_file()) continue;
    std::ifstream in(entry.path());
    std::string line;
    for (int number = 1; std::getline(in, line); ++number) {
      if (std::regex_search(line, include)) found.push_back(entry.path().string() + ":" + std::to_string(number) + ": " + line);
    }
  }
  return found;
}

}  // namespace

TEST(Layout, TorchFreeFoldersIncludeNoTorchHeader) {
  for (const std::string& dir : kTorchFreeDirs) {
    const fs::path path = fs::path(N2V_SOURCE_DIR) / "src" / dir;
    ASSERT_TRUE(fs::is_directory(path)) << path;
    EXPECT_EQ(forbidden_includes(path), std::vector<std::string>{}) << "src/" << dir << " must stay torch-free";
  }
}

TEST(Layout, TheCheckFindsAPlantedTorchInclude) {
  const fs::path dir = fs::temp_directory_path() / ("n2v-layout-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  std::ofstream(dir / "a.cpp") << "// #include <torch/torch.h> in a comment is fine\n"
                               << "#include \"core/errors.h\"\n"
                               << "  #  include <ATen/ATen.h>\n"
                               << "#include \"train/train.h\"\n";
  const std::vector<std::string> found = forbidden_includes(dir);
  fs::remove_all(dir);
  ASSERT_EQ(found.size(), 2u);
  EXPECT_NE(found[0].find("a.cpp:3:"), std::string::npos) << found[0];
  EXPECT_NE(found[1].find("a.cpp:4:"), std::string::npos) << found[1];
}
