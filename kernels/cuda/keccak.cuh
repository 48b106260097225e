// Keccak-f[1600] for keccak256 (EVM padding 0x01 ... 0x80, rate 136 bytes = 17 lanes), used by the
// Merkle and grinding kernels. Lane i holds message bytes 8i..8i+7 little-endian; the digest is lanes
// 0..3 as bytes. Callers index the state only with compile-time constants so that it stays in registers.
#pragma once
#include <stdint.h>

namespace keccak {

constexpr int RATE_LANES = 17;

#ifdef __CUDACC__
#define KC_HD __host__ __device__ __forceinline__
#else
#define KC_HD inline
#endif

KC_HD uint64_t rotl(uint64_t x, int s) { return s == 0 ? x : (x << s) | (x >> (64 - s)); }

#if defined(__CUDACC__)
// Round constants in constant memory: indexed by the (not unrolled) round counter, a local array would
// be rebuilt in local memory on every call.
static __constant__ uint64_t RC_DEVICE[24] = {
      0x0000000000000001ull, 0x0000000000008082ull, 0x800000000000808aull, 0x8000000080008000ull,
      0x000000000000808bull, 0x0000000080000001ull, 0x8000000080008081ull, 0x8000000000008009ull,
      0x000000000000008aull, 0x0000000000000088ull, 0x0000000080008009ull, 0x000000008000000aull,
      0x000000008000808bull, 0x800000000000008bull, 0x8000000000008089ull, 0x8000000000008003ull,
      0x8000000000008002ull, 0x8000000000000080ull, 0x000000000000800aull, 0x800000008000000aull,
      0x8000000080008081ull, 0x8000000000008080ull, 0x0000000080000001ull, 0x8000000080008008ull};
#endif

KC_HD void keccak_f(uint64_t st[25]) {
#ifdef __CUDA_ARCH__
  const uint64_t* RC = RC_DEVICE;
#else
  const uint64_t RC[24] = {
      0x0000000000000001ull, 0x0000000000008082ull, 0x800000000000808aull, 0x8000000080008000ull,
      0x000000000000808bull, 0x0000000080000001ull, 0x8000000080008081ull, 0x8000000000008009ull,
      0x000000000000008aull, 0x0000000000000088ull, 0x0000000080008009ull, 0x000000008000000aull,
      0x000000008000808bull, 0x800000000000008bull, 0x8000000000008089ull, 0x8000000000008003ull,
      0x8000000000008002ull, 0x8000000000000080ull, 0x000000000000800aull, 0x800000008000000aull,
      0x8000000080008081ull, 0x8000000000008080ull, 0x0000000080000001ull, 0x8000000080008008ull};
#endif
  // rho offsets and pi lane order along the pi cycle starting at lane 1
  const int ROTC[24] = {1, 3, 6, 10, 15, 21, 28, 36, 45, 55, 2, 14, 27, 41, 56, 8, 25, 43, 62, 18, 39, 61, 20, 44};
  const int PILN[24] = {10, 7, 11, 17, 18, 3, 5, 16, 8, 21, 24, 4, 15, 23, 19, 13, 12, 2, 20, 14, 22, 9, 6, 1};
#ifdef __CUDA_ARCH__
#pragma unroll 1
#endif
  for (int round = 0; round < 24; round++) {
    uint64_t bc[5];
#pragma unroll
    for (int x = 0; x < 5; x++) bc[x] = st[x] ^ st[x + 5] ^ st[x + 10] ^ st[x + 15] ^ st[x + 20];
#pragma unroll
    for (int x = 0; x < 5; x++) {
      uint64_t d = bc[(x + 4) % 5] ^ rotl(bc[(x + 1) % 5], 1);
#pragma unroll
      for (int y = 0; y < 25; y += 5) st[y + x] ^= d;
    }
    uint64_t t = st[1];
#pragma unroll
    for (int i = 0; i < 24; i++) {
      int j = PILN[i];
      uint64_t b = st[j];
      st[j] = rotl(t, ROTC[i]);
      t = b;
    }
#pragma unroll
    for (int y = 0; y < 25; y += 5) {
      uint64_t a0 = st[y], a1 = st[y + 1], a2 = st[y + 2], a3 = st[y + 3], a4 = st[y + 4];
      st[y] = a0 ^ (~a1 & a2);
      st[y + 1] = a1 ^ (~a2 & a3);
      st[y + 2] = a2 ^ (~a3 & a4);
      st[y + 3] = a3 ^ (~a4 & a0);
      st[y + 4] = a4 ^ (~a0 & a1);
    }
    st[0] ^= RC[round];
  }
}

}  // namespace keccak
