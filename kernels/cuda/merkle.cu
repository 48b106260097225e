// Keccak-256 Merkle trees of column-major matrices (one thread per leaf: the threads of a warp read
// consecutive rows of a column, so every load is coalesced), tree levels, and proof-of-work grinding.
#include "keccak.cuh"
#include "prover_cuda.h"

namespace {

uint32_t blocks_for(size_t work, uint32_t threads) {
  size_t b = (work + threads - 1) / threads;
  return (uint32_t)(b > 65535 ? 65535 : (b == 0 ? 1 : b));
}

__device__ __forceinline__ void store_digest(uint8_t* out, const uint64_t st[25]) {
  uint64_t* o = reinterpret_cast<uint64_t*>(out);
  o[0] = st[0];
  o[1] = st[1];
  o[2] = st[2];
  o[3] = st[3];
}

/** Leaf i: rows i, i+L, ..., i+(arity-1)L (L = leaf count), each row's words in column order. */
__global__ void leaves_kernel(const uint32_t* const* cols, uint32_t width, uint32_t leaf_count, uint32_t leaf_arity, uint8_t* out) {
  for (uint32_t i = blockIdx.x * blockDim.x + threadIdx.x; i < leaf_count; i += gridDim.x * blockDim.x) {
    keccak::WordSponge sp;
    sp.init();
    for (uint32_t g = 0; g < leaf_arity; g++) {
      const size_t row = (size_t)i + (size_t)g * leaf_count;
      for (uint32_t c = 0; c < width; c++) sp.absorb(cols[c][row]);
    }
    sp.finish();
    store_digest(out + 32 * (size_t)i, sp.st);
  }
}

__global__ void nodes_kernel(const uint8_t* src, uint8_t* dst, uint32_t count) {
  for (uint32_t i = blockIdx.x * blockDim.x + threadIdx.x; i < count; i += gridDim.x * blockDim.x) {
    uint64_t st[25];
    const uint64_t* in = reinterpret_cast<const uint64_t*>(src + 64 * (size_t)i);
#pragma unroll
    for (int l = 0; l < 8; l++) st[l] = in[l];
#pragma unroll
    for (int l = 8; l < 25; l++) st[l] = 0;
    st[8] ^= 0x01;
    st[16] ^= (uint64_t)0x80 << 56;
    keccak::keccak_f(st);
    store_digest(dst + 32 * (size_t)i, st);
  }
}

__device__ __forceinline__ uint32_t leading_zero_bits(const uint64_t st[25]) {
  uint32_t z = 0;
  for (int l = 0; l < 4; l++) {
    // byte 0 of the digest is the low byte of lane 0: reverse the bytes so clz counts from it
    const uint64_t v = __byte_perm((uint32_t)(st[l] >> 32), 0, 0x0123) | ((uint64_t)__byte_perm((uint32_t)st[l], 0, 0x0123) << 32);
    if (v != 0) return z + __clzll(v);
    z += 64;
  }
  return z;
}

__global__ void grind_kernel(const uint64_t* tmpl, uint32_t state_len, uint32_t bits, uint64_t start, uint64_t count, unsigned long long* found) {
  for (uint64_t k = blockIdx.x * (uint64_t)blockDim.x + threadIdx.x; k < count; k += (uint64_t)gridDim.x * blockDim.x) {
    const uint64_t nonce = start + k;
    if (nonce >= *(volatile unsigned long long*)found) return;  // a smaller one is known
    uint64_t st[25];
#pragma unroll
    for (int l = 0; l < 17; l++) st[l] = tmpl[l];
#pragma unroll
    for (int l = 17; l < 25; l++) st[l] = 0;
    for (uint32_t b = 0; b < 8; b++) {
      const uint32_t at = state_len + b;
      st[at >> 3] ^= ((nonce >> (8 * b)) & 0xff) << (8 * (at & 7));
    }
    keccak::keccak_f(st);
    if (leading_zero_bits(st) >= bits) atomicMin(found, (unsigned long long)nonce);
  }
}

}  // namespace

namespace pc {

cudaError_t merkle_leaves(const uint32_t* const* d_cols, uint32_t width, uint32_t height, uint32_t leaf_arity, uint8_t* d_out, cudaStream_t stream) {
  const uint32_t leaf_count = height / leaf_arity;
  LAUNCH(leaves_kernel, blocks_for(leaf_count, 128), 128, 0, stream)(d_cols, width, leaf_count, leaf_arity, d_out);
  return cudaGetLastError();
}

cudaError_t merkle_nodes(const uint8_t* d_src, uint8_t* d_dst, uint32_t count, cudaStream_t stream) {
  LAUNCH(nodes_kernel, blocks_for(count, 128), 128, 0, stream)(d_src, d_dst, count);
  return cudaGetLastError();
}

cudaError_t grind_range(const uint64_t* d_template, uint32_t state_len, uint32_t bits, uint64_t start, uint64_t count, unsigned long long* d_found, cudaStream_t stream) {
  LAUNCH(grind_kernel, blocks_for(count, 256), 256, 0, stream)(d_template, state_len, bits, start, count, d_found);
  return cudaGetLastError();
}

}  // namespace pc
