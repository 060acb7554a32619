// libFuzzer target: the config loader (Config::load on a file, then validate). A config that
// loads and validates must also survive its own save: Config::to_yaml is what every run writes as
// config.yaml, and loading that back must give the same config (a resumed run relies on it).
#include <cstddef>
#include <cstdint>
#include <string>

#include "core/config.h"
#include "fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto path = n2v::fuzz::write_input(data, size, ".yaml");
  n2v::fuzz::expect_clean([&] {
    const n2v::Config config = n2v::Config::load(path);
    config.validate();
    const std::string saved = config.to_yaml();
    const auto saved_path = n2v::fuzz::write_input(reinterpret_cast<const std::uint8_t*>(saved.data()), saved.size(),
                                                   ".yaml");
    std::string reloaded;
    try {
      reloaded = n2v::Config::load(saved_path).to_yaml();
    } catch (const std::exception& e) {
      n2v::fuzz::finding(std::string("a valid config's to_yaml() does not load: ") + e.what() + "\n" + saved);
    }
    if (reloaded != saved) n2v::fuzz::finding("to_yaml() does not round-trip:\n" + saved + "---\n" + reloaded);
  });
  return 0;
}
