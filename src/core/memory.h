#pragma once
// Work that cannot fit in memory is refused before it starts, with the estimate and the keys that
// set it, instead of ending in std::bad_alloc (or the kernel's OOM killer) minutes later. Each
// stage that allocates big estimates its big arrays and asks here once.
#include <cstdint>
#include <string>
#include <vector>

namespace n2v {

// /proc/meminfo's MemAvailable in bytes (what can be allocated without swapping); 0 when unknown.
std::uint64_t available_memory_bytes();

// The process's peak resident memory so far, in MB (getrusage).
double peak_rss_mb();
// Its resident memory now, in MB (/proc/self/statm; 0 where that is missing).
double current_rss_mb();

// Asks the kernel to back [data, data + bytes) with 2 MB pages (Linux transparent huge pages,
// which Debian's kernels give where asked: /sys/kernel/mm/transparent_hugepage/enabled
// "madvise"). Call it before the memory is first written: pages faulted in afterwards come 2 MB
// at a time. A table far larger than the cache, read at random rows, then misses the TLB far less
// (R-MAT 10^7 edges: sgns trained 5-15% faster; the walks, whose lanes already overlap their
// misses, ran about as fast). Does nothing for ranges under 4 MB or where the kernel declines.
void advise_huge_pages(void* data, std::size_t bytes);

// `values` as n copies of `value`, in fresh storage advised into huge pages when it must grow.
template <typename T>
void assign_in_huge_pages(std::vector<T>& values, std::size_t n, const T& value = T{}) {
  if (values.capacity() < n) {
    std::vector<T>().swap(values);
    values.reserve(n);
    advise_huge_pages(values.data(), n * sizeof(T));
  }
  values.assign(n, value);
}

// "1.5 GB", "320 MB", "12 kB": for the messages.
std::string format_bytes(double bytes);

// Throws UsageError when `bytes` (the stage's big allocations; saturate rather than wrap when
// multiplying sizes) is more than the memory available: "<what> needs about 12 GB (<how>), more
// than the 3.1 GB available; lower <keys>". Does nothing when the available memory is unknown.
void check_fits_in_memory(const std::string& what, double bytes, const std::string& how, const std::string& keys);

}  // namespace n2v
