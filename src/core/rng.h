#pragma once
// Counter-based seeding: every walk (and every walk's examples) gets its own generator seeded
// from (seed, stream, index), so results do not depend on the thread count or scheduling.
#include <cstdint>
#include <limits>
#include <utility>

namespace n2v {

constexpr std::uint64_t splitmix64(std::uint64_t x) {
  x += 0x9e3779b97f4a7c15ull;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

// Streams keep the draws of different stages independent for the same (seed, index).
enum class RngStream : std::uint64_t { Walk = 1, StartOrder = 2, Examples = 3, Init = 4, Shuffle = 5, Eval = 6,
                                         Holdout = 7, Synth = 8, Subsample = 9, Rmat = 10 };

// xoshiro256** (Blackman & Vigna): fast, 256-bit state, passes BigCrush.
class Rng {
 public:
  using result_type = std::uint64_t;
  explicit Rng(std::uint64_t seed) {
    std::uint64_t x = seed;
    for (auto& word : s_) word = x = splitmix64(x);
  }
  static Rng for_item(std::uint64_t seed, RngStream stream, std::uint64_t index) {
    return Rng(splitmix64(splitmix64(seed ^ (static_cast<std::uint64_t>(stream) << 56)) + index));
  }
  static constexpr result_type min() { return 0; }
  static constexpr result_type max() { return std::numeric_limits<result_type>::max(); }

  result_type operator()() {
    const std::uint64_t result = rotl(s_[1] * 5, 7) * 9;
    const std::uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = rotl(s_[3], 45);
    return result;
  }
  // Uniform in [0, 1) with 53 random bits.
  double uniform() { return static_cast<double>((*this)() >> 11) * 0x1.0p-53; }
  // Uniform integer in [0, n) by Lemire's multiply-shift (bias below 2^-32 for n < 2^32).
  std::uint64_t below(std::uint64_t n) {
    return static_cast<std::uint64_t>((static_cast<unsigned __int128>((*this)()) * n) >> 64);
  }

 private:
  static std::uint64_t rotl(std::uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  std::uint64_t s_[4];
};

// Fisher-Yates on [first, last) with `rng`: the same order for a seed on every platform, which
// std::shuffle (its draws are the standard library's) does not promise.
template <typename RandomIt>
void shuffle_in_place(RandomIt first, RandomIt last, Rng& rng) {
  for (auto n = static_cast<std::uint64_t>(last - first); n > 1; --n) std::swap(first[n - 1], first[rng.below(n)]);
}

}  // namespace n2v
