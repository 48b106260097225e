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

uint32_t blocks_for(size_t work, uint32_t threads) {
  size_t b = (work + threads - 1) / threads;
  return (uint32_t)(b > 65535 ? 65535 : (b == 0 ? 1 : b));
}

// ---- the poseidon2 hash configuration: Merkle leaves and nodes, the duplex proof of work ------------
// (here and not in merkle.cu: the kernels read this translation unit's __constant__ round constants)

/**
 * Leaf i = poseidon2Hash of rows i, i+L, ..., i+(arity-1)L (L = leaf count), each row's words in column
 * order: state[8] = number of words, each chunk of up to 8 words overwrites state[0 .. len) and is
 * followed by one permutation (an empty leaf: one permutation); the digest is state[0 .. 8). One thread
 * per leaf, its state in registers: every state index is a compile-time constant (a partial chunk is a
 * select per word), so nothing goes to local memory. The threads of a warp read consecutive rows of a
 * column. *error is set when a word is not canonical (>= p).
 */
__global__ void p2_leaves_kernel(const uint32_t* const* cols, uint32_t width, uint32_t leaf_count, uint32_t leaf_arity, uint32_t* out, uint32_t* error) {
  const Constants<16>& k = c16;
  const uint32_t total = leaf_arity * width;
  for (uint32_t i = blockIdx.x * blockDim.x + threadIdx.x; i < leaf_count; i += gridDim.x * blockDim.x) {
    uint32_t s[16];
#pragma unroll
    for (int j = 0; j < 16; j++) s[j] = 0;
    s[8] = bb::to_mont(total);
    uint32_t c = 0, bad = 0;
    size_t row = i;
    // the next word of the leaf: column c of `row`, then on to the next column / the next row of the group
#define NEXT_WORD(w)     \
  do {                   \
    (w) = cols[c][row];  \
    bad |= (w) >= bb::P; \
    if (++c == width) {  \
      c = 0;             \
      row += leaf_count; \
    }                    \
  } while (0)
    uint32_t left = total;
    for (; left >= 8; left -= 8) {
#pragma unroll
      for (int j = 0; j < 8; j++) {
        uint32_t w;
        NEXT_WORD(w);
        s[j] = bb::to_mont(w);
      }
      permute<16>(s, k);
    }
    if (left > 0 || total == 0) {
      // the last, partial chunk overwrites state[0 .. left); the rest of the rate keeps its value
#pragma unroll
      for (uint32_t j = 0; j < 8; j++) {
        uint32_t w = 0;
        if (j < left) NEXT_WORD(w);
        s[j] = j < left ? bb::to_mont(w) : s[j];
      }
      permute<16>(s, k);
    }
#undef NEXT_WORD
    uint4* o = reinterpret_cast<uint4*>(out + 8 * (size_t)i);
    o[0] = uint4{bb::from_mont(s[0]), bb::from_mont(s[1]), bb::from_mont(s[2]), bb::from_mont(s[3])};
    o[1] = uint4{bb::from_mont(s[4]), bb::from_mont(s[5]), bb::from_mont(s[6]), bb::from_mont(s[7])};
    if (bad) *error = 1;  // every writer writes the same value
  }
}

/** dst[j] = permute(src[2j] ‖ src[2j+1])[0 .. 8) (8-word digests), one thread per node. */
__global__ void p2_nodes_kernel(const uint32_t* src, uint32_t* dst, uint32_t count) {
  const Constants<16>& k = c16;
  for (uint32_t j = blockIdx.x * blockDim.x + threadIdx.x; j < count; j += gridDim.x * blockDim.x) {
    const uint4* in = reinterpret_cast<const uint4*>(src + 16 * (size_t)j);
    uint32_t s[16];
#pragma unroll
    for (int q = 0; q < 4; q++) {
      const uint4 v = in[q];
      s[4 * q] = bb::to_mont(v.x);
      s[4 * q + 1] = bb::to_mont(v.y);
      s[4 * q + 2] = bb::to_mont(v.z);
      s[4 * q + 3] = bb::to_mont(v.w);
    }
    permute<16>(s, k);
    uint4* o = reinterpret_cast<uint4*>(dst + 8 * (size_t)j);
    o[0] = uint4{bb::from_mont(s[0]), bb::from_mont(s[1]), bb::from_mont(s[2]), bb::from_mont(s[3])};
    o[1] = uint4{bb::from_mont(s[4]), bb::from_mont(s[5]), bb::from_mont(s[6]), bb::from_mont(s[7])};
  }
}

/**
 * One thread per nonce n in [start, start + count): the template state (Montgomery form; rate = pending
 * inputs and zeros, word 15 already increased) with n at word `pos` (a select per word: pos is known
 * only at run time), one permutation; n passes when x = output word 0 is < p - 1 with its low `bits`
 * bits zero. atomicMin keeps the smallest; a thread stops once a smaller passing nonce is known.
 */
__global__ void p2_grind_kernel(const uint32_t* tmpl, uint32_t pos, uint32_t bits, uint32_t start, uint32_t count, unsigned int* found) {
  const Constants<16>& k = c16;
  const uint32_t mask = (1u << bits) - 1;
  for (uint32_t t = blockIdx.x * blockDim.x + threadIdx.x; t < count; t += gridDim.x * blockDim.x) {
    const uint32_t nonce = start + t;
    if (nonce >= *(volatile unsigned int*)found) return;
    const uint32_t nm = bb::to_mont(nonce);
    uint32_t s[16];
#pragma unroll
    for (uint32_t j = 0; j < 16; j++) s[j] = j == pos ? nm : tmpl[j];
    permute<16>(s, k);
    const uint32_t x = bb::from_mont(s[0]);
    if (x < bb::P - 1 && (x & mask) == 0) atomicMin(found, nonce);
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

cudaError_t poseidon2_merkle_leaves(const uint32_t* const* d_cols, uint32_t width, uint32_t height, uint32_t leaf_arity, uint32_t* d_out, uint32_t* d_error,
                                    cudaStream_t stream) {
  const uint32_t leaf_count = height / leaf_arity;
  LAUNCH(p2_leaves_kernel, blocks_for(leaf_count, 128), 128, 0, stream)(d_cols, width, leaf_count, leaf_arity, d_out, d_error);
  return cudaGetLastError();
}

cudaError_t poseidon2_merkle_nodes(const uint32_t* d_src, uint32_t* d_dst, uint32_t count, cudaStream_t stream) {
  LAUNCH(p2_nodes_kernel, blocks_for(count, 128), 128, 0, stream)(d_src, d_dst, count);
  return cudaGetLastError();
}

cudaError_t poseidon2_grind_range(const uint32_t* d_template, uint32_t pos, uint32_t bits, uint32_t start, uint32_t count, unsigned int* d_found, cudaStream_t stream) {
  if (pos >= 8 || bits > 27) return cudaErrorInvalidValue;
  LAUNCH(p2_grind_kernel, blocks_for(count, 256), 256, 0, stream)(d_template, pos, bits, start, count, d_found);
  return cudaGetLastError();
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
