// The yardstick of //train:models_benchmark: Eigen's float32 product of two
// [100 x 100] matrices on one core, in GFLOP/s. It is built twice, with the
// flags of each instruction set the dispatched kernels use (AVX2 + FMA, and
// AVX-512), as separate binaries: Eigen's code compiled with different -m
// flags must not be linked into one program. models_benchmark runs the one
// that matches the instruction set its kernels use on this CPU.
//
// Prints one line: "<GFLOP/s> <instruction set>", the best of 5 runs of
// about 0.2 s of CPU time each (CPU time, as models_benchmark's rates).
#include <time.h>

#include <cstdio>

#include "Eigen/Core"

double CpuSeconds() {
  timespec t;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return t.tv_sec + 1e-9 * t.tv_nsec;
}

int main() {
  constexpr int kN = 100;
  Eigen::MatrixXf a = Eigen::MatrixXf::Random(kN, kN);
  Eigen::MatrixXf b = Eigen::MatrixXf::Random(kN, kN);
  Eigen::MatrixXf c(kN, kN);
  double best = 0;
  volatile float sink = 0;
  for (int run = 0; run < 5; ++run) {
    long iterations = 0;
    const double start = CpuSeconds();
    double seconds = 0;
    while (seconds < 0.2) {
      for (int i = 0; i < 100; ++i) {
        c.noalias() = a * b;
        sink = sink + c(i % kN, 0);
      }
      iterations += 100;
      seconds = CpuSeconds() - start;
    }
    const double gflops = 2.0 * kN * kN * kN * iterations / seconds * 1e-9;
    if (gflops > best) best = gflops;
  }
#if defined(__AVX512F__)
  const char* isa = "avx512";
#elif defined(__AVX2__)
  const char* isa = "avx2";
#else
  const char* isa = "generic";
#endif
  std::printf("%.2f %s\n", best, isa);
  return 0;
}
