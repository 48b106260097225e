// Poseidon2-BabyBear permutations in bulk, one thread per state held in registers (widths 16 and 24,
// x^7, 8 full rounds, 13 or 21 partial rounds; Plonky3's structure as src/stark/hash/poseidon2.ts).
// The state is moved into Montgomery form on load and back on store; the linear layers are sums, so
// they are the same in either form. Round constants live in constant memory, uploaded from the
// TypeScript constants (poseidon2-constants.ts) by poseidon2_set_constants: never duplicated here.
#include "field.cuh"
#include "prover_cuda.h"

namespace {

constexpr uint32_t MAX_PARTIAL = 21;

template <uint32_t W>
struct Constants {
  uint32_t ext_initial[4 * W];
  uint32_t ext_final[4 * W];
  uint32_t internal[MAX_PARTIAL];
  uint32_t diag[W];
  uint32_t partial_rounds;
};

__constant__ Constants<16> c16;
__constant__ Constants<24> c24;

__device__ __forceinline__ uint32_t sbox(uint32_t x) {
  const uint32_t x2 = bb::mont_mul(x, x);
  const uint32_t x3 = bb::mont_mul(x2, x);
  return bb::mont_mul(bb::mont_mul(x3, x3), x);
}

template <uint32_t W>
__device__ __forceinline__ void external_layer(uint32_t s[W]) {
#pragma unroll
  for (uint32_t c = 0; c < W; c += 4) {
    const uint32_t a = s[c], b = s[c + 1], d = s[c + 2], e = s[c + 3];
    const uint32_t t01 = bb::add(a, b), t23 = bb::add(d, e), t0123 = bb::add(t01, t23);
    const uint32_t t01123 = bb::add(t0123, b), t01233 = bb::add(t0123, e);
    s[c] = bb::add(t01123, t01);                 // 2a + 3b + c + d
    s[c + 1] = bb::add(t01123, bb::add(d, d));   // a + 2b + 3c + d
    s[c + 2] = bb::add(t01233, t23);             // a + b + 2c + 3d
    s[c + 3] = bb::add(t01233, bb::add(a, a));   // 3a + b + c + 2d
  }
  uint32_t sum[4] = {0, 0, 0, 0};
#pragma unroll
  for (uint32_t c = 0; c < W; c++) sum[c & 3] = bb::add(sum[c & 3], s[c]);
#pragma unroll
  for (uint32_t c = 0; c < W; c++) s[c] = bb::add(s[c], sum[c & 3]);
}

template <uint32_t W>
__device__ void permute(uint32_t s[W], const Constants<W>& k) {
  external_layer<W>(s);
  for (uint32_t r = 0; r < 4; r++) {
#pragma unroll
    for (uint32_t i = 0; i < W; i++) s[i] = sbox(bb::add(s[i], k.ext_initial[r * W + i]));
    external_layer<W>(s);
  }
  for (uint32_t r = 0; r < k.partial_rounds; r++) {
    s[0] = sbox(bb::add(s[0], k.internal[r]));
    uint32_t sum = 0;
#pragma unroll
    for (uint32_t i = 0; i < W; i++) sum = bb::add(sum, s[i]);
#pragma unroll
    for (uint32_t i = 0; i < W; i++) s[i] = bb::add(bb::mont_mul(k.diag[i], s[i]), sum);
  }
  for (uint32_t r = 0; r < 4; r++) {
#pragma unroll
    for (uint32_t i = 0; i < W; i++) s[i] = sbox(bb::add(s[i], k.ext_final[r * W + i]));
    external_layer<W>(s);
  }
}

template <uint32_t W>
__global__ void permute_kernel(uint32_t* states, uint32_t count) {
  const Constants<W>& k = W == 16 ? *reinterpret_cast<const Constants<W>*>(&c16) : *reinterpret_cast<const Constants<W>*>(&c24);
  for (uint32_t t = blockIdx.x * blockDim.x + threadIdx.x; t < count; t += gridDim.x * blockDim.x) {
    uint32_t s[W];
    uint32_t* p = states + (size_t)t * W;
#pragma unroll
    for (uint32_t i = 0; i < W; i++) s[i] = bb::to_mont(p[i]);
    permute<W>(s, k);
#pragma unroll
    for (uint32_t i = 0; i < W; i++) p[i] = bb::from_mont(s[i]);
  }
}

template <uint32_t W>
cudaError_t upload(const void* symbol, const uint32_t* ext_initial, const uint32_t* ext_final, const uint32_t* internal, uint32_t partial_rounds, const uint32_t* diag) {
  if (partial_rounds > MAX_PARTIAL) return cudaErrorInvalidValue;
  Constants<W> h{};
  for (uint32_t i = 0; i < 4 * W; i++) {
    h.ext_initial[i] = bb::to_mont(ext_initial[i]);
    h.ext_final[i] = bb::to_mont(ext_final[i]);
  }
  for (uint32_t i = 0; i < partial_rounds; i++) h.internal[i] = bb::to_mont(internal[i]);
  for (uint32_t i = 0; i < W; i++) h.diag[i] = bb::to_mont(diag[i]);
  h.partial_rounds = partial_rounds;
  return cudaMemcpyToSymbol(symbol, &h, sizeof(h));
}

}  // namespace

namespace pc {

cudaError_t poseidon2_set_constants(uint32_t width, const uint32_t* ext_initial, const uint32_t* ext_final, const uint32_t* internal, uint32_t partial_rounds, const uint32_t* diag) {
  if (width == 16) return upload<16>(&c16, ext_initial, ext_final, internal, partial_rounds, diag);
  if (width == 24) return upload<24>(&c24, ext_initial, ext_final, internal, partial_rounds, diag);
  return cudaErrorInvalidValue;
}

cudaError_t poseidon2_permute(uint32_t* d_states, uint32_t width, uint32_t count, cudaStream_t stream) {
  if (count == 0) return cudaSuccess;
  size_t blocks = (count + 127) / 128;
  const uint32_t grid = (uint32_t)(blocks > 65535 ? 65535 : blocks);
  if (width == 16) LAUNCH(permute_kernel<16>, grid, 128, 0, stream)(d_states, count);
  else if (width == 24) LAUNCH(permute_kernel<24>, grid, 128, 0, stream)(d_states, count);
  else return cudaErrorInvalidValue;
  return cudaGetLastError();
}

}  // namespace pc
