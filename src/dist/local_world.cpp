#include "dist/local_world.h"

#include <condition_variable>
#include <exception>
#include <mutex>
#include <thread>

#include "core/errors.h"

namespace n2v {

struct LocalWorld::Shared {
  int world_size;
  std::mutex mutex;
  std::condition_variable changed;
  int arrived = 0;
  std::uint64_t generation = 0;
  bool aborted = false;
  std::vector<std::vector<std::string>> mail;  // mail[from][to]
  std::vector<std::vector<std::uint64_t>> sums;  // per rank

  // Every rank waits here until all have arrived; throws when a rank failed instead.
  void barrier() {
    std::unique_lock<std::mutex> lock(mutex);
    if (aborted) throw DistributedError("another rank of the local world failed");
    const std::uint64_t mine = generation;
    if (++arrived == world_size) {
      arrived = 0;
      ++generation;
      changed.notify_all();
      return;
    }
    changed.wait(lock, [&] { return generation != mine || aborted; });
    if (generation == mine) throw DistributedError("another rank of the local world failed");
  }
  void abort() {
    std::lock_guard<std::mutex> lock(mutex);
    aborted = true;
    changed.notify_all();
  }
};

class LocalWorld::Rank : public Transport {
 public:
  Rank(Shared& shared, int rank) : shared_(shared), rank_(rank) {}
  int rank() const override { return rank_; }
  int world_size() const override { return shared_.world_size; }

  using Transport::all_to_all;
  void all_to_all(const std::vector<std::string>& outgoing, std::vector<std::string>& incoming) override {
    shared_.mail[rank_] = outgoing;
    shared_.barrier();
    incoming.resize(static_cast<std::size_t>(shared_.world_size));
    for (int from = 0; from < shared_.world_size; ++from) incoming[from] = shared_.mail[from][rank_];
    shared_.barrier();  // nobody writes the next round's mail before everyone read this one's
  }

  void allreduce_sum(std::uint64_t* data, std::size_t count) override {
    shared_.sums[rank_].assign(data, data + count);
    shared_.barrier();
    for (std::size_t i = 0; i < count; ++i) {
      std::uint64_t sum = 0;
      for (const auto& values : shared_.sums) sum += values.at(i);
      data[i] = sum;
    }
    shared_.barrier();
  }

 private:
  Shared& shared_;
  int rank_;
};

LocalWorld::LocalWorld(int world_size) : shared_(std::make_shared<Shared>()) {
  if (world_size < 1) throw UsageError("a local world needs at least one rank");
  shared_->world_size = world_size;
  shared_->mail.resize(static_cast<std::size_t>(world_size));
  shared_->sums.resize(static_cast<std::size_t>(world_size));
}

LocalWorld::~LocalWorld() = default;

void LocalWorld::run(const std::function<void(Transport&)>& body) {
  const int n = shared_->world_size;
  std::vector<std::exception_ptr> errors(static_cast<std::size_t>(n));
  std::vector<std::thread> threads;
  for (int r = 0; r < n; ++r) {
    threads.emplace_back([&, r] {
      Rank rank(*shared_, r);
      try {
        body(rank);
      } catch (...) {
        errors[r] = std::current_exception();
        shared_->abort();
      }
    });
  }
  for (auto& t : threads) t.join();
  // A rank's own error comes before the "another rank failed" it caused in the others.
  for (const auto& e : errors) {
    if (!e) continue;
    try {
      std::rethrow_exception(e);
    } catch (const DistributedError&) {
    } catch (...) {
      throw;
    }
  }
  for (const auto& e : errors) {
    if (e) std::rethrow_exception(e);
  }
}

}  // namespace n2v
