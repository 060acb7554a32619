// The only place where errors become exit codes: 1 for bad data or failed work, 2 for bad usage.
#include <cstdio>
#include <exception>
#include <new>

#include "cli/cli.h"
#include "core/errors.h"
#include "core/text.h"

int main(int argc, char** argv) {
  try {
    return n2v::run_cli(argc, argv);
  } catch (const n2v::Error& e) {
    std::fprintf(stderr, "n2v: error: %s\n", e.what());
    return e.exit_code();
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
