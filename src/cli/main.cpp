// The only place where errors become exit codes: 1 for bad data or failed work, 2 for bad usage.
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <new>

#include "cli/cli.h"
#include "core/errors.h"
#include "core/paths.h"
#include "core/text.h"

namespace {

// A finished command leaves without running the static destructors: LibTorch's unregister every
// operator one by one, a tenth of a second (ml_small's whole run is ~2 s). Every output file is
// closed and renamed by then, and the C streams are flushed here. Builds with AddressSanitizer
// return normally, so that its leak check runs at exit.
#if defined(__SANITIZE_ADDRESS__)
#define N2V_NORMAL_EXIT 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define N2V_NORMAL_EXIT 1
#endif
#endif

int finish(int code) {
#ifndef N2V_NORMAL_EXIT
  std::fflush(nullptr);
  std::_Exit(code);
#endif
  return code;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return finish(n2v::run_cli(argc, argv));
  } catch (const n2v::Error& e) {
    std::fprintf(stderr, "n2v: error: %s\n", n2v::printable_line(e.what()).c_str());
    return e.exit_code();
  } catch (const std::filesystem::filesystem_error& e) {
    // The last guard: n2v asks about the user's paths through core/paths.h, which throws DataError;
    // a std::filesystem call elsewhere that fails still gives the path and the reason, never
    // "internal error".
    const std::string message = n2v::cannot_use(e.path1(), e.code(), e.path2());
    std::fprintf(stderr, "n2v: error: %s\n", n2v::printable_line(message).c_str());
    return finish(1);
  } catch (const std::bad_alloc&) {
    // The stages refuse the sizes they can estimate up front (core/memory.h); this is what is left.
    std::fprintf(stderr,
                 "n2v: error: out of memory; lower the sizes that set it (train.embedding_dim, walk.num_walks, "
                 "walk.num_steps, skipgram.window, the data)\n");
    return 1;
  } catch (const std::exception& e) {
    // A library's exception that no layer turned into an n2v::Error: a defect to report, with the
    // library's first line.
    std::fprintf(stderr, "n2v: internal error (please report it): %s\n", n2v::printable_excerpt(e.what(), 300).c_str());
    return 1;
  }
}
