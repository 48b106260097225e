// Compiles the CUDA kernels (kernels/cuda/*.cu) as plain C++ that runs on the CPU: every launch runs
// its grid block by block with ONE thread per block, so __syncthreads() is a no-op and the kernels'
// block- and grid-stride loops cover all the work. Kernels must therefore never depend on blockDim
// (a rule the GPU build does not check: see docs/cuda.md). For tests without a GPU only.
#pragma once
#include <stdint.h>
#include <string.h>
#include <vector>
#include "cuda_runtime_api.h"

#define __global__
#define __device__
#define __host__
#define __constant__
#define __shared__ static
#define __forceinline__ inline

struct dim3 {
  unsigned x, y, z;
  dim3(unsigned x_ = 1, unsigned y_ = 1, unsigned z_ = 1) : x(x_), y(y_), z(z_) {}
};
struct uint3 {
  unsigned x, y, z;
};
struct uint4 {
  unsigned x, y, z, w;
};

namespace emu {
inline uint3 threadIdx{0, 0, 0}, blockIdx{0, 0, 0};
inline dim3 blockDim{1, 1, 1}, gridDim{1, 1, 1};
inline std::vector<uint8_t> dynamic_shared;

template <typename F>
struct Launch {
  dim3 grid;
  size_t smem;
  F* kernel;
  template <typename... A>
  void operator()(A... args) const {
    if (dynamic_shared.size() < smem) dynamic_shared.resize(smem);
    gridDim = grid;
    blockDim = dim3(1, 1, 1);
    threadIdx = {0, 0, 0};
    for (unsigned z = 0; z < grid.z; z++)
      for (unsigned y = 0; y < grid.y; y++)
        for (unsigned x = 0; x < grid.x; x++) {
          blockIdx = {x, y, z};
          kernel(args...);
        }
  }
};
template <typename F>
Launch<F> launch(dim3 grid, size_t smem, F* kernel) {
  return Launch<F>{grid, smem, kernel};
}
}  // namespace emu

using emu::blockDim;
using emu::blockIdx;
using emu::gridDim;
using emu::threadIdx;

#define LAUNCH(kernel, grid, block, smem, stream) emu::launch(dim3(grid), (size_t)(smem), kernel)
#define DYN_SHARED(type, name) type* name = reinterpret_cast<type*>(emu::dynamic_shared.data())

inline void __syncthreads() {}
inline uint32_t __brev(uint32_t x) {
  uint32_t r = 0;
  for (int i = 0; i < 32; i++) r |= ((x >> i) & 1u) << (31 - i);
  return r;
}
inline int __clzll(unsigned long long x) { return x == 0 ? 64 : __builtin_clzll(x); }
inline uint32_t __byte_perm(uint32_t x, uint32_t y, uint32_t s) {
  const uint64_t v = ((uint64_t)y << 32) | x;
  uint32_t r = 0;
  for (int i = 0; i < 4; i++) r |= (uint32_t)((v >> (8 * ((s >> (4 * i)) & 7))) & 0xff) << (8 * i);
  return r;
}
inline unsigned int atomicMin(unsigned int* p, unsigned int v) {
  unsigned int old = *p;
  if (v < old) *p = v;
  return old;
}
inline unsigned long long atomicMin(unsigned long long* p, unsigned long long v) {
  unsigned long long old = *p;
  if (v < old) *p = v;
  return old;
}
