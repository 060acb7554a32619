// A stand-alone consumer of n2v's model.pt: links LibTorch only (none of n2v's libraries), to
// show that the file alone answers queries. Usage:
//   n2v_consumer MODEL.pt [-k K] TITLE...
// prints, for each title, its K nearest movies by cosine similarity (the title itself first).
#include <torch/script.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

namespace {

constexpr std::int64_t kReadableFormatVersion = 1;

int usage() {
  std::fprintf(stderr, "usage: n2v_consumer MODEL.pt [-k K] TITLE...\n");
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) return usage();
  std::string model_path = argv[1];
  std::int64_t k = 5;
  std::vector<std::string> titles;
  for (int i = 2; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "-k" && i + 1 < argc) {
      char* end = nullptr;
      k = std::strtoll(argv[++i], &end, 10);
      if (*end != '\0') return usage();
    } else {
      titles.push_back(arg);
    }
  }
  if (titles.empty()) return usage();

  torch::jit::Module model;
  try {
    model = torch::jit::load(model_path);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "n2v_consumer: cannot load %s: %s\n", model_path.c_str(), e.what());
    return 1;
  }
  if (!model.hasattr("n2v_format_version") || model.attr("n2v_format_version").toInt() > kReadableFormatVersion) {
    std::fprintf(stderr, "n2v_consumer: %s is not an n2v model of format version <= %lld\n", model_path.c_str(),
                 static_cast<long long>(kReadableFormatVersion));
    return 1;
  }
  auto movie_titles = model.attr("titles").toList();
  const std::int64_t movies = static_cast<std::int64_t>(movie_titles.size()) - 1;  // token 0 is reserved
  if (k < 1 || k > movies) {
    std::fprintf(stderr, "n2v_consumer: -k must be between 1 and %lld\n", static_cast<long long>(movies));
    return 2;
  }

  torch::NoGradGuard no_grad;
  int status = 0;
  for (const auto& title : titles) {
    std::int64_t token = model.run_method("token_of_title", title).toInt();
    if (token < 0) {
      std::fprintf(stderr, "n2v_consumer: no movie titled '%s' in the model\n", title.c_str());
      status = 1;
      continue;
    }
    auto answer = model.run_method("similar", torch::tensor({token}), k).toTuple();
    torch::Tensor scores = answer->elements()[0].toTensor();
    torch::Tensor tokens = answer->elements()[1].toTensor();
    std::size_t width = 0;  // code points, as Python's len() counts them for the Keras underline
    for (char c : title) width += (c & 0xC0) != 0x80;
    std::printf("%s\n%s\n", title.c_str(), std::string(width, '-').c_str());
    for (std::int64_t j = 0; j < k; ++j) {
      std::string neighbour = movie_titles.get(tokens[0][j].item<std::int64_t>()).toStringRef();
      std::printf("- %s  %.4f\n", neighbour.c_str(), scores[0][j].item<float>());
    }
    std::printf("\n");
  }
  return status;
}
