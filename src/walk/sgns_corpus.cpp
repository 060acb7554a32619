#include "walk/sgns_corpus.h"

#include <algorithm>
#include <cmath>

#include "core/errors.h"
#include "walk/stream.h"

namespace n2v {

namespace {
// Each epoch its own draws, as stream mode mixes the epoch into the seed.
std::uint64_t epoch_seed(std::uint64_t seed, int epoch) {
  return seed + static_cast<std::uint64_t>(epoch) * 0x9e3779b97f4a7c15ull;
}
}  // namespace

SgnsCorpus::SgnsCorpus(const Walks& walks, std::size_t vocabulary_size, SgnsOptions options)
    : walks_(walks), options_(options), counts_(token_counts(walks, vocabulary_size)) {
  if (vocabulary_size < 2) throw UsageError("skipgram.model sgns needs at least one node besides the reserved token");
  negatives_ = negative_table(counts_, NegativeDistribution::Unigram);
  // word2vec.c: keep a word of count c with probability (sqrt(c / (sample N)) + 1) (sample N) / c,
  // N the number of words (here nodes in the walks); gensim uses the same formula.
  keep_.assign(counts_.size(), 1.0);
  const double threshold = options_.subsample * static_cast<double>(walks.nodes.size());
  if (threshold > 0) {
    for (std::size_t t = 0; t < counts_.size(); ++t) {
      if (counts_[t] > 0) keep_[t] = std::min(1.0, (std::sqrt(counts_[t] / threshold) + 1) * threshold / counts_[t]);
    }
  }
}

void SgnsCorpus::append_kept(std::size_t w, int epoch, std::vector<NodeId>& out) const {
  const NodeId* walk = walks_.walk(w);
  const std::size_t length = walks_.length(w);
  if (options_.subsample <= 0) {
    out.insert(out.end(), walk, walk + length);
    return;
  }
  Rng rng = Rng::for_item(epoch_seed(options_.seed, epoch), RngStream::Subsample, w);
  for (std::size_t i = 0; i < length; ++i) {
    const double keep = keep_[walk[i]];
    if (keep >= 1.0 || rng.uniform() < keep) out.push_back(walk[i]);
  }
}

double SgnsCorpus::expected_kept_fraction() const {
  double kept = 0, total = 0;
  for (std::size_t t = 0; t < counts_.size(); ++t) {
    kept += counts_[t] * keep_[t];
    total += counts_[t];
  }
  return total > 0 ? kept / total : 1.0;
}

Rng SgnsCorpus::training_rng(std::size_t w, int epoch) const {
  return Rng::for_item(epoch_seed(options_.seed, epoch), RngStream::Examples, w);
}

int SgnsCorpus::draw_negative_count(Rng& rng) const {
  const double whole = std::floor(options_.negative_samples);
  const double fraction = options_.negative_samples - whole;
  return static_cast<int>(whole) + (fraction > 0 && rng.uniform() < fraction ? 1 : 0);
}

}  // namespace n2v
