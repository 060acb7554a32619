#!/usr/bin/env bash
# The sanitizer and fuzz checks (docs/reliability.md "Sanitizers and fuzzing"), run by .ci/run:
# a clang build in build-sanitize/ with n2v's own files under ASan+UBSan (LibTorch is not
# instrumented) and the libFuzzer targets; every test there, then each fuzz target for
# N2V_FUZZ_SECONDS (default 20) on a copy of its corpus, printing executions per second. A
# failing test stops it; every target runs, and a finding in any (crash, sanitizer report, broken
# promise: tests/fuzz/fuzz_util.h) fails it at the end, its input kept in build-sanitize/fuzz-findings/. The optional parts that pull in more uninstrumented libraries
# (ONNX, distributed, benchmarks) are off here; the main build tests them.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${N2V_SANITIZE_BUILD:-build-sanitize}
seconds=${N2V_FUZZ_SECONDS:-20}

tools/install-deps.sh --sanitizers
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release -DCMAKE_CXX_COMPILER=clang++ -DN2V_SANITIZE=address,undefined \
  -DN2V_BUILD_FUZZERS=ON -DN2V_WITH_ONNX=OFF -DN2V_WITH_DISTRIBUTED=OFF -DN2V_WITH_BENCHMARKS=OFF
cmake --build "$build" -j2 --target core_tests torch_tests fuzzers

# LibTorch's static objects are never freed, which LeakSanitizer would report at every exit.
export ASAN_OPTIONS=detect_leaks=0:abort_on_error=1:strict_string_checks=1:detect_stack_use_after_return=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
# Each suite in one process (not ctest's process a test): ASan and LibTorch start once.
"$build/tests/core_tests"
"$build/tests/torch_tests"

findings="$build/fuzz-findings"
mkdir -p "$findings"
summary=()
failed=0
for corpus in tests/fuzz/corpus/*/; do
  name=$(basename "$corpus")
  target="$build/tests/fuzz/fuzz_$name"
  [[ -x "$target" ]] || continue
  work=$(mktemp -d)  # new inputs go here: the committed corpus stays as it is
  log="$build/fuzz_$name.log"
  # model.pt and checkpoint.pt are TorchScript archives: mutated ones crash LibTorch's own reader
  # before n2v sees a byte (gigabyte allocations in the unpickler, a SEGV in ScriptTypeParser;
  # tests/fuzz/findings/README.md). CI replays their corpora (every seed once), so that LibTorch's
  # bugs do not make CI fail at random; fuzz them by hand with N2V_FUZZ_REPLAY_ONLY= (empty).
  limit=(-max_total_time="$seconds")
  if [[ " ${N2V_FUZZ_REPLAY_ONLY-model_file checkpoint} " == *" $name "* ]]; then
    limit=(-runs=0)
    echo "fuzz_$name: its corpus replayed once (N2V_FUZZ_REPLAY_ONLY)"
  else
    echo "fuzz_$name: ${seconds} s on $corpus"
  fi
  outcome="no finding"
  if ! "$target" "${limit[@]}" -timeout=60 -rss_limit_mb=4096 -print_final_stats=1 \
      -artifact_prefix="$findings/${name}-" "$work" "$corpus" >"$log" 2>&1; then
    grep -m1 -A4 -E "fuzz finding|ERROR: |runtime error" "$log" >&2 || tail -n 20 "$log" >&2
    outcome="FINDING (input in $findings/, log $log)"
    failed=1
  fi
  rm -rf "$work"
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log")
  summary+=("fuzz_$name: ${runs:-?} runs, ${rate:-?} exec/s, $outcome")
done
printf '%s\n' "${summary[@]}"
exit "$failed"
