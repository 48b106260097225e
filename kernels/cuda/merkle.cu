// Keccak-256 Merkle trees of column-major matrices (one thread per leaf: the threads of a warp read
// consecutive rows of a column, so every load is coalesced), tree levels, and proof-of-work grinding.
// The poseidon2 configuration's trees and grinding are in poseidon2.cu, beside its round constants.
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

/**
 * Leaf i: rows i, i+L, ..., i+(arity-1)L (L = leaf count), each row's words in column order. Words are
 * absorbed 34 at a time by a fully unrolled loop, so every state lane has a compile-time index and the
 * state stays in registers (a sponge with a run-time lane index puts it in local memory).
 */
__global__ void leaves_kernel(const uint32_t* const* cols, uint32_t width, uint32_t leaf_count, uint32_t leaf_arity, uint8_t* out) {
  const uint32_t total = leaf_arity * width;
  for (uint32_t i = blockIdx.x * blockDim.x + threadIdx.x; i < leaf_count; i += gridDim.x * blockDim.x) {
    uint64_t st[25];
#pragma unroll
    for (int l = 0; l < 25; l++) st[l] = 0;
    uint32_t c = 0;
    size_t row = i;
    // the next word of the leaf: column c of `row`, then on to the next column / the next row of the group
#define NEXT_WORD(w)          \
  do {                        \
    (w) = cols[c][row];       \
    if (++c == width) {       \
      c = 0;                  \
      row += leaf_count;      \
    }                         \
  } while (0)
    uint32_t left = total;
    for (; left >= 2 * keccak::RATE_LANES; left -= 2 * keccak::RATE_LANES) {
#pragma unroll
      for (int l = 0; l < keccak::RATE_LANES; l++) {
        uint32_t lo, hi;
        NEXT_WORD(lo);
        NEXT_WORD(hi);
        st[l] ^= (uint64_t)lo | ((uint64_t)hi << 32);
      }
      keccak::keccak_f(st);
    }
    // the last, partial block (left < 34 words, maybe none) and the padding at byte 4*left
#pragma unroll
    for (int j = 0; j < 2 * keccak::RATE_LANES; j++) {
      if ((uint32_t)j < left) {
        uint32_t w;
        NEXT_WORD(w);
        st[j >> 1] ^= (uint64_t)w << (32 * (j & 1));
      }
    }
#undef NEXT_WORD
    const uint32_t pad_byte = 4 * left;
#pragma unroll
    for (int l = 0; l < keccak::RATE_LANES; l++) {
      st[l] ^= (uint32_t)l == pad_byte >> 3 ? (uint64_t)0x01 << (8 * (pad_byte & 7)) : 0;
    }
    st[16] ^= (uint64_t)0x80 << 56;
    keccak::keccak_f(st);
    store_digest(out + 32 * (size_t)i, st);
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
#pragma unroll
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
    // the nonce's 8 bytes at byte state_len: lanes a and a+1 (compile-time lane indices, see leaves_kernel)
    const uint32_t a = state_len >> 3, sh = 8 * (state_len & 7);
#pragma unroll
    for (uint32_t l = 0; l < 17; l++) {
      // branch-free: a predicated update may be folded back into one store at a run-time index
      st[l] ^= (l == a ? nonce << sh : 0) | (l == a + 1 && sh != 0 ? nonce >> (64 - sh) : 0);
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
