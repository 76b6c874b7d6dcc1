#include "autodiff/internal/gemm.h"

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <new>
#include <string>

namespace aanet::ad::internal {
namespace {

Isa IsaFromEnvironment(Isa detected) {
  std::string warning;
  const Isa isa =
      IsaFromEnvironmentValue(std::getenv("AANET_ISA"), detected, &warning);
  if (!warning.empty()) std::fprintf(stderr, "%s\n", warning.c_str());
  return isa;
}

std::atomic<Isa>& ActiveIsaSlot() {
  static std::atomic<Isa> slot(IsaFromEnvironment(DetectIsa()));
  return slot;
}

// Read when the program starts, so that a bad AANET_ISA is reported in
// every program that links the kernels, used or not.
[[maybe_unused]] const Isa kIsaAtStart = ActiveIsa();

}  // namespace

Isa IsaFromEnvironmentValue(const char* value, Isa detected,
                            std::string* warning) {
  warning->clear();
  if (value == nullptr) return detected;
  for (Isa isa : {Isa::kGeneric, Isa::kAvx2, Isa::kAvx512}) {
    if (std::strcmp(value, IsaName(isa)) != 0) continue;
    if (isa <= detected) return isa;
    *warning = std::string("warning: AANET_ISA=") + value +
               ": this CPU does not run it; using " + IsaName(detected) +
               ", its widest";
    return detected;
  }
  *warning = std::string("warning: AANET_ISA=") + value +
             " is not an instruction set (expected generic, avx2 or avx512); "
             "using " +
             IsaName(detected) + ", this CPU's widest";
  return detected;
}

const char* IsaName(Isa isa) {
  switch (isa) {
    case Isa::kGeneric:
      return "generic";
    case Isa::kAvx2:
      return "avx2";
    case Isa::kAvx512:
      return "avx512";
  }
  return "generic";
}

Isa DetectIsa() {
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq") &&
      __builtin_cpu_supports("avx512bw") &&
      __builtin_cpu_supports("avx512vl")) {
    return Isa::kAvx512;
  }
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) {
    return Isa::kAvx2;
  }
  return Isa::kGeneric;
}

Isa ActiveIsa() { return ActiveIsaSlot().load(std::memory_order_relaxed); }

void SetActiveIsa(Isa isa) {
  ActiveIsaSlot().store(std::min(isa, DetectIsa()), std::memory_order_relaxed);
}

template <typename T>
void Gemm(const GemmArgs<T>& args) {
  switch (ActiveIsa()) {
    case Isa::kAvx512:
      GemmAvx512(args);
      return;
    case Isa::kAvx2:
      GemmAvx2(args);
      return;
    case Isa::kGeneric:
      GemmGeneric(args);
      return;
  }
}

template void Gemm<float>(const GemmArgs<float>&);
template void Gemm<double>(const GemmArgs<double>&);

template <typename T>
PaddedMatrix<T>& PaddedMatrix<T>::operator=(const PaddedMatrix& other) {
  if (this == &other) return *this;
  Resize(other.rows_, other.cols_);
  if (rows_ > 0) {
    std::memcpy(data(), other.data(),
                sizeof(T) * static_cast<size_t>(rows_) * ld_);
  }
  return *this;
}

template <typename T>
void PaddedMatrix<T>::Resize(int rows, int cols) {
  if (rows == rows_ && cols == cols_ && data_ != nullptr) return;
  rows_ = rows;
  cols_ = cols;
  ld_ = PaddedCols<T>(cols);
  const size_t size = static_cast<size_t>(rows) * ld_;
  if (size > capacity_) {
    // aligned_alloc needs a size that is a multiple of the alignment; rows
    // are whole 64-byte vectors, so it is. At least one vector, never 0.
    const size_t bytes = std::max<size_t>(size * sizeof(T), 64);
    data_.reset(static_cast<T*>(std::aligned_alloc(64, bytes)));
    if (data_ == nullptr) throw std::bad_alloc();
    capacity_ = size;
  }
  if (size > 0) std::memset(data(), 0, size * sizeof(T));
}

template class PaddedMatrix<float>;
template class PaddedMatrix<double>;
template class PaddedMatrix<uint8_t>;

}  // namespace aanet::ad::internal
