// The layering rules of docs/development.md "Code layout": each folder includes only the folders below it, and
// the torch-free folders include no torch, c10 or ATen header.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <string>
#include <vector>

namespace fs = std::filesystem;

namespace {

const std::set<std::string> kTorchFree{"core", "data", "graph", "walk", "dist", "pipeline", "eval"};
const std::set<std::string> kTorchHeaders{"torch", "c10", "ATen"};

// The folders each folder's files may include (docs/development.md "Code layout"); cli/ may include anything.
const std::map<std::string, std::set<std::string>> kMayInclude{
    {"core", {"core"}},
    {"data", {"core", "data"}},
    {"graph", {"core", "data", "graph"}},
    {"walk", {"core", "graph", "walk"}},
    // The walk engine across ranks: torch-free, its transport an interface (train/ carries it over c10d).
    {"dist", {"core", "graph", "walk", "dist"}},
    {"pipeline", {"core", "data", "graph", "walk", "dist", "pipeline"}},
    {"eval", {"core", "data", "graph", "walk", "dist", "pipeline", "eval"}},
    {"models", {"core", "data", "graph", "walk", "dist", "pipeline", "eval", "models", "torch", "c10", "ATen"}},
    {"train", {"core", "data", "graph", "walk", "dist", "pipeline", "eval", "models", "train", "torch", "c10", "ATen"}},
    {"serve", {"core", "data", "graph", "walk", "dist", "pipeline", "eval", "models", "train", "serve", "torch", "c10", "ATen"}},
    // The HTTP server reads model.pt through serve/'s torch-free ModelFile interface: no torch
    // header, so its files build without the precompiled one.
    {"server", {"core", "data", "graph", "walk", "dist", "pipeline", "eval", "models", "train", "serve", "server"}},
};

// "file:line: #include ..." for each include directive (not a comment) in the files under `dir`
// whose first path component is a folder of ours or a torch header folder outside `allowed`.
std::vector<std::string> forbidden_includes(const fs::path& dir, const std::set<std::string>& allowed) {
  static const std::regex include(R"(^\s*#\s*include\s*[<"]([A-Za-z_]+)/[^>"]*[>"])");
  static const std::set<std::string> checked{"core", "data", "graph", "walk", "dist", "pipeline", "eval", "models",
                                             "train", "serve", "server", "cli", "torch", "c10", "ATen"};
  std::vector<std::string> found;
  for (const auto& entry : fs::recursive_directory_iterator(dir)) {
    if (!entry.is_regular_file()) continue;
    std::ifstream in(entry.path());
    std::string line;
    std::smatch match;
    for (int number = 1; std::getline(in, line); ++number) {
      if (std::regex_search(line, match, include) && checked.count(match[1]) && !allowed.count(match[1])) {
        found.push_back(entry.path().string() + ":" + std::to_string(number) + ": " + line);
      }
    }
  }
  return found;
}

fs::path folder(const std::string& name) {
  return fs::path(N2V_SOURCE_DIR) / (name == "models" ? fs::path("models") : fs::path("src") / name);
}

}  // namespace

TEST(Layout, EachFolderIncludesOnlyTheFoldersBelowIt) {
  for (const auto& [name, allowed] : kMayInclude) {
    ASSERT_TRUE(fs::is_directory(folder(name))) << folder(name);
    EXPECT_EQ(forbidden_includes(folder(name), allowed), std::vector<std::string>{}) << name << "/";
  }
}

TEST(Layout, TorchFreeFoldersIncludeNoTorchHeader) {
  for (const std::string& name : kTorchFree) {
    for (const std::string& torch : kTorchHeaders) EXPECT_EQ(kMayInclude.at(name).count(torch), 0u) << name;
    EXPECT_EQ(forbidden_includes(folder(name), kMayInclude.at(name)), std::vector<std::string>{}) << name << "/";
  }
}

TEST(Layout, TheCheckFindsPlantedIncludes) {
  const fs::path dir = fs::temp_directory_path() / ("n2v-layout-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  std::ofstream(dir / "a.cpp") << "// #include <torch/torch.h> in a comment is fine\n"
                               << "#include \"core/errors.h\"\n"
                               << "  #  include <ATen/ATen.h>\n"
                               << "#include \"train/train.h\"\n"
                               << "#include <gtest/gtest.h>\n";
  const std::vector<std::string> found = forbidden_includes(dir, kMayInclude.at("walk"));
  fs::remove_all(dir);
  ASSERT_EQ(found.size(), 2u);
  EXPECT_NE(found[0].find("a.cpp:3:"), std::string::npos) << found[0];
  EXPECT_NE(found[1].find("a.cpp:4:"), std::string::npos) << found[1];
}
