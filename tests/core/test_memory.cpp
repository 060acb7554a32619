// The up-front memory check: work that cannot fit is refused with the estimate and the keys.
#include "core/memory.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "core/errors.h"

namespace n2v {
namespace {

TEST(Memory, AvailableMemoryIsReadFromProcMeminfo) {
  EXPECT_GT(available_memory_bytes(), 1u << 20) << "Linux has /proc/meminfo's MemAvailable";
}

TEST(Memory, FormatBytesUsesDecimalUnits) {
  EXPECT_EQ(format_bytes(512), "512 bytes");
  EXPECT_EQ(format_bytes(1500), "1.5 kB");
  EXPECT_EQ(format_bytes(3.2e9), "3.2 GB");
  EXPECT_EQ(format_bytes(1e20), "100 EB");
}

TEST(Memory, WorkThatCannotFitIsRefusedWithTheEstimateAndTheKeys) {
  try {
    check_fits_in_memory("the walks", 2e19, "1e+12 walks of 10 nodes", "walk.num_walks or walk.num_steps");
    ADD_FAILURE() << "20 EB accepted";
  } catch (const UsageError& e) {
    const std::string message = e.what();
    EXPECT_EQ(message.rfind("the walks needs about 20 EB (1e+12 walks of 10 nodes), more than the ", 0), 0u) << message;
    EXPECT_NE(message.find(" of memory available; lower walk.num_walks or walk.num_steps"), std::string::npos) << message;
  }
  EXPECT_NO_THROW(check_fits_in_memory("a little", 1000, "1 kB", "nothing"));
}

// The VmFlags line of the mapping of /proc/self/smaps that holds `address` ("" when none does).
std::string vm_flags_at(const void* address) {
  std::ifstream smaps("/proc/self/smaps");
  const auto at = static_cast<unsigned long long>(reinterpret_cast<std::uintptr_t>(address));
  bool inside = false;
  for (std::string line; std::getline(smaps, line);) {
    // A mapping's first line starts with its range, "first-last", in hex; its fields with "Name:".
    std::istringstream fields(line);
    std::string range;
    fields >> range;
    const auto dash = range.find('-');
    if (!range.empty() && range.back() != ':' && dash != std::string::npos) {
      inside = std::stoull(range.substr(0, dash), nullptr, 16) <= at && at < std::stoull(range.substr(dash + 1), nullptr, 16);
    } else if (inside && range == "VmFlags:") {
      return line;
    }
  }
  return "";
}

TEST(Memory, BigArraysAreAdvisedIntoHugePagesAndKeepTheirValues) {
  std::vector<float> table;
  assign_in_huge_pages(table, std::size_t{4} << 20, 0.5f);  // 16 MB
  ASSERT_EQ(table.size(), std::size_t{4} << 20);
  EXPECT_EQ(table.front(), 0.5f);
  EXPECT_EQ(table.back(), 0.5f);
  const float* storage = table.data();
  assign_in_huge_pages(table, std::size_t{1} << 20, 2.0f);
  EXPECT_EQ(table.data(), storage) << "a smaller size reuses the storage";
  EXPECT_EQ(table.size(), std::size_t{1} << 20);
  EXPECT_EQ(table.back(), 2.0f);
  std::vector<int> small;
  assign_in_huge_pages(small, 10, 7);
  EXPECT_EQ(small, std::vector<int>(10, 7));
  if (!std::filesystem::exists("/sys/kernel/mm/transparent_hugepage/enabled")) GTEST_SKIP() << "no THP in this kernel";
  // "hg": the kernel took the advice for the mapping (the middle of the table: its ends may share
  // a mapping with other memory).
  EXPECT_NE(vm_flags_at(storage + (std::size_t{2} << 20)).find(" hg"), std::string::npos)
      << vm_flags_at(storage + (std::size_t{2} << 20));
}

}  // namespace
}  // namespace n2v
