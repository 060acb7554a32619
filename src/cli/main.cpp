// The only place where errors become exit codes: 1 for bad data or failed work, 2 for bad usage.
#include <cstdio>
#include <exception>

#include "cli/cli.h"
#include "core/errors.h"

int main(int argc, char** argv) {
  try {
    return n2v::run_cli(argc, argv);
  } catch (const n2v::Error& e) {
    std::fprintf(stderr, "n2v: error: %s\n", e.what());
    return e.exit_code();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "n2v: unexpected error: %s\n", e.what());
    return 1;
  }
}
