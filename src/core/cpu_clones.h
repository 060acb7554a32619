#pragma once
// The hot loops' arithmetic is dot products, axpys and elementwise updates over rows: on x86-64 a
// function marked N2V_CPU_CLONES gets a clone for AVX2 + FMA (x86-64-v3, picked once per process by
// the loader; "arch=haswell" would check for an Intel Haswell and miss AMD's CPUs) beside the SSE2
// baseline. The choice depends on the machine only, so one machine repeats a run bit for bit; files
// built with -ffp-contract=off (CMakeLists.txt) give the same bits with either clone.
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define N2V_CPU_CLONES __attribute__((target_clones("arch=x86-64-v3", "default")))
#else
#define N2V_CPU_CLONES
#endif
