#pragma once
// Messages between ranks as raw bytes: trivially copyable records appended to a string, read back
// in the same order. Both ends are the same n2v build, so the records' layout is shared.
#include <cstring>
#include <string>
#include <type_traits>

#include "core/errors.h"

namespace n2v {

// The messages to one rank, appended as raw bytes.
class Outbox {
 public:
  template <typename T>
  void put(const T& value) {
    static_assert(std::is_trivially_copyable_v<T>);
    bytes_.append(reinterpret_cast<const char*>(&value), sizeof(T));
  }
  template <typename T>
  void put_array(const T* values, std::size_t count) {
    bytes_.append(reinterpret_cast<const char*>(values), count * sizeof(T));
  }
  std::string take() { return std::move(bytes_); }
  const std::string& bytes() const { return bytes_; }
  void clear() { bytes_.clear(); }  // keeps the memory for the next messages

 private:
  std::string bytes_;
};

class Inbox {
 public:
  explicit Inbox(const std::string& bytes) : bytes_(bytes) {}
  bool done() const { return position_ == bytes_.size(); }
  template <typename T>
  T get() {
    T value;
    take(&value, sizeof(T));
    return value;
  }
  template <typename T>
  void get(T& value) {
    static_assert(std::is_trivially_copyable_v<T>);
    take(&value, sizeof(T));
  }
  template <typename T>
  void get_array(T* values, std::size_t count) {
    take(values, count * sizeof(T));
  }

 private:
  void take(void* out, std::size_t size) {
    if (bytes_.size() - position_ < size) throw Error("a message from another rank is cut short");
    std::memcpy(out, bytes_.data() + position_, size);
    position_ += size;
  }
  const std::string& bytes_;
  std::size_t position_ = 0;
};

}  // namespace n2v
