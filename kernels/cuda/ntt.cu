// Batched radix-2 NTTs over many columns, natural order in and out (decimation in time after a
// bit-reversal permutation, exactly the butterflies of src/stark/poly/ntt.ts).
//
// Passes over global memory for a column of 2^log_n:
//   1. a permutation pass (bit reversal; the LDE folds the coset scaling and the zero padding into it),
//   2. one pass doing stages 0..LOG_TILE-1 on contiguous tiles of 2^LOG_TILE words in shared memory,
//   3. one pass per STRIDED_STAGES further stages: a tile is 2^STRIDED_STAGES rows of 32 consecutive
//      words (128-byte coalesced runs), the rows 2^h apart, so stages h..h+4 run in shared memory.
// 2^22 therefore costs 1 + 1 + 3 passes (2 + 2·4 words moved per element) instead of 23.
// Data stay canonical; twiddles are Montgomery form, so mont_mul(data, twiddle) is canonical.
#include "field.cuh"
#include "prover_cuda.h"

namespace {

constexpr uint32_t LOG_TILE = 10;
constexpr uint32_t STRIDED_STAGES = 5;
constexpr uint32_t MAX_GRID_Y = 65535;

__device__ __forceinline__ uint32_t bit_reverse(uint32_t x, uint32_t bits) { return bits == 0 ? 0 : __brev(x) >> (32 - bits); }

__global__ void twiddle_kernel(uint32_t* tw, uint32_t half, uint32_t root_mont) {
  for (uint32_t i = blockIdx.x * blockDim.x + threadIdx.x; i < half; i += gridDim.x * blockDim.x) tw[i] = bb::mont_pow(root_mont, i);
}

/** dst[o] = src[rev(o)] * scale (scale Montgomery form) for every column. */
__global__ void bitrev_scale_kernel(const uint32_t* src, uint32_t* dst, uint32_t log_n, uint32_t scale_mont) {
  const size_t n = (size_t)1 << log_n;
  const uint32_t* s = src + (size_t)blockIdx.y * n;
  uint32_t* d = dst + (size_t)blockIdx.y * n;
  for (uint32_t o = blockIdx.x * blockDim.x + threadIdx.x; o < n; o += gridDim.x * blockDim.x) d[o] = bb::mont_mul(s[bit_reverse(o, log_n)], scale_mont);
}

/**
 * LDE input: out (2^(log_n+log_blowup) per column) after bit reversal and the first log_blowup
 * stages: position o holds c_i * shift^i, i = rev_{log_n}(o >> log_blowup) (the zero padding makes
 * those stages copies within each group of 2^log_blowup).
 */
__global__ void lde_scatter_kernel(const uint32_t* coefs, uint32_t* out, uint32_t log_n, uint32_t log_blowup, uint32_t shift_mont) {
  const size_t n = (size_t)1 << log_n;
  const size_t big = n << log_blowup;
  const uint32_t* c = coefs + (size_t)blockIdx.y * n;
  uint32_t* d = out + (size_t)blockIdx.y * big;
  for (uint32_t o = blockIdx.x * blockDim.x + threadIdx.x; o < big; o += gridDim.x * blockDim.x) {
    uint32_t i = bit_reverse(o >> log_blowup, log_n);
    d[o] = bb::mont_mul(c[i], bb::mont_pow(shift_mont, i));
  }
}

/** Stages t_start..log_b-1 on contiguous tiles of 2^log_b words (one tile per block). */
__global__ void dit_tile_kernel(uint32_t* data, uint32_t log_n, uint32_t log_b, uint32_t t_start, const uint32_t* tw, uint32_t log_tw) {
  DYN_SHARED(uint32_t, s);
  const uint32_t b = 1u << log_b;
  uint32_t* col = data + ((size_t)blockIdx.y << log_n) + ((size_t)blockIdx.x << log_b);
  for (uint32_t e = threadIdx.x; e < b; e += blockDim.x) s[e] = col[e];
  __syncthreads();
  for (uint32_t t = t_start; t < log_b; t++) {
    const uint32_t h = 1u << t;
    for (uint32_t p = threadIdx.x; p < b / 2; p += blockDim.x) {
      const uint32_t q = p & (h - 1);
      const uint32_t j0 = ((p >> t) << (t + 1)) | q;
      const uint32_t j1 = j0 | h;
      const uint32_t w = tw[q << (log_tw - t - 1)];
      const uint32_t u = s[j0], v = bb::mont_mul(s[j1], w);
      s[j0] = bb::add(u, v);
      s[j1] = bb::sub(u, v);
    }
    __syncthreads();
  }
  for (uint32_t e = threadIdx.x; e < b; e += blockDim.x) col[e] = s[e];
}

/**
 * Stages h..h+k-1 (h >= 5, k <= 5): a block loads 2^k rows of 32 consecutive words, row j at
 * offset j*2^h, i.e. element index = high + (j << h) + low_base + l.
 */
__global__ void dit_strided_kernel(uint32_t* data, uint32_t log_n, uint32_t h, uint32_t k, const uint32_t* tw, uint32_t log_tw) {
  __shared__ uint32_t s[32u << STRIDED_STAGES];
  const uint32_t tile = blockIdx.x;
  const uint32_t low_base = (tile & ((1u << (h - 5)) - 1)) << 5;
  const size_t high = (size_t)(tile >> (h - 5)) << (h + k);
  uint32_t* col = data + ((size_t)blockIdx.y << log_n);
  const uint32_t size = 32u << k;
  for (uint32_t e = threadIdx.x; e < size; e += blockDim.x) s[e] = col[high + ((size_t)(e >> 5) << h) + low_base + (e & 31)];
  __syncthreads();
  for (uint32_t t = 0; t < k; t++) {
    const uint32_t hb = 1u << t;
    for (uint32_t p = threadIdx.x; p < size / 2; p += blockDim.x) {
      const uint32_t l = p & 31, jj = p >> 5;
      const uint32_t j0 = ((jj >> t) << (t + 1)) | (jj & (hb - 1));
      const uint32_t j1 = j0 | hb;
      const uint32_t q = ((j0 & (hb - 1)) << h) + low_base + l;  // position in the butterfly group of 2^(h+t+1)
      const uint32_t w = tw[q << (log_tw - h - t - 1)];
      const uint32_t a0 = (j0 << 5) | l, a1 = (j1 << 5) | l;
      const uint32_t u = s[a0], v = bb::mont_mul(s[a1], w);
      s[a0] = bb::add(u, v);
      s[a1] = bb::sub(u, v);
    }
    __syncthreads();
  }
  for (uint32_t e = threadIdx.x; e < size; e += blockDim.x) col[high + ((size_t)(e >> 5) << h) + low_base + (e & 31)] = s[e];
}

uint32_t blocks_for(size_t work, uint32_t threads) {
  size_t b = (work + threads - 1) / threads;
  return (uint32_t)(b > 65535 ? 65535 : (b == 0 ? 1 : b));
}

/** DIT stages t_start..log_n-1 over `count` columns of 2^log_n (already bit-reversed). */
cudaError_t dit_stages(uint32_t* d, uint32_t log_n, uint32_t t_start, uint32_t count, const uint32_t* tw, uint32_t log_tw, cudaStream_t stream) {
  const size_t n = (size_t)1 << log_n;
  for (uint32_t c0 = 0; c0 < count; c0 += MAX_GRID_Y) {
    const uint32_t cols = count - c0 < MAX_GRID_Y ? count - c0 : MAX_GRID_Y;
    uint32_t* base = d + (size_t)c0 * n;
    const uint32_t log_b = log_n < LOG_TILE ? log_n : LOG_TILE;
    if (t_start < log_b) {
      const uint32_t threads = log_b <= 1 ? 1 : (log_b - 1 >= 8 ? 256 : 1u << (log_b - 1));
      dim3 grid((uint32_t)(n >> log_b), cols);
      LAUNCH(dit_tile_kernel, grid, threads, sizeof(uint32_t) << log_b, stream)(base, log_n, log_b, t_start, tw, log_tw);
    }
    for (uint32_t h = t_start > log_b ? t_start : log_b; h < log_n;) {
      const uint32_t k = log_n - h < STRIDED_STAGES ? log_n - h : STRIDED_STAGES;
      dim3 grid((uint32_t)(n >> (5 + k)), cols);
      LAUNCH(dit_strided_kernel, grid, 256, 0, stream)(base, log_n, h, k, tw, log_tw);
      h += k;
    }
  }
  return cudaGetLastError();
}

}  // namespace

namespace pc {

cudaError_t twiddles(uint32_t* d_tw, uint32_t log_n, bool inverse, cudaStream_t stream) {
  const uint32_t half = log_n == 0 ? 1 : 1u << (log_n - 1);
  uint32_t root = bb::two_adic_root_mont(log_n);
  if (inverse) root = bb::mont_inv(root);
  LAUNCH(twiddle_kernel, blocks_for(half, 256), 256, 0, stream)(d_tw, half, root);
  return cudaGetLastError();
}

cudaError_t interpolate(uint32_t* d_cols, uint32_t* d_tmp, uint32_t log_n, uint32_t count, const uint32_t* d_inv_tw, uint32_t log_tw, cudaStream_t stream) {
  if (log_n == 0 || count == 0) return cudaSuccess;
  const size_t n = (size_t)1 << log_n;
  const uint32_t n_inv = bb::mont_inv(bb::to_mont((uint32_t)(n % bb::P)));
  for (uint32_t c0 = 0; c0 < count; c0 += MAX_GRID_Y) {
    const uint32_t cols = count - c0 < MAX_GRID_Y ? count - c0 : MAX_GRID_Y;
    dim3 grid(blocks_for(n, 256), cols);
    LAUNCH(bitrev_scale_kernel, grid, 256, 0, stream)(d_cols + (size_t)c0 * n, d_tmp + (size_t)c0 * n, log_n, n_inv);
  }
  cudaError_t err = dit_stages(d_tmp, log_n, 0, count, d_inv_tw, log_tw, stream);
  if (err != cudaSuccess) return err;
  return cudaMemcpyAsync(d_cols, d_tmp, n * count * sizeof(uint32_t), cudaMemcpyDeviceToDevice, stream);
}

cudaError_t coset_lde(const uint32_t* d_coefs, uint32_t* d_out, uint32_t log_n, uint32_t log_blowup, uint32_t count, uint32_t shift, const uint32_t* d_tw, uint32_t log_tw, cudaStream_t stream) {
  if (count == 0) return cudaSuccess;
  const size_t n = (size_t)1 << log_n;
  const uint32_t log_big = log_n + log_blowup;
  const size_t big = (size_t)1 << log_big;
  const uint32_t shift_mont = bb::to_mont(shift % bb::P);
  for (uint32_t c0 = 0; c0 < count; c0 += MAX_GRID_Y) {
    const uint32_t cols = count - c0 < MAX_GRID_Y ? count - c0 : MAX_GRID_Y;
    dim3 grid(blocks_for(big, 256), cols);
    LAUNCH(lde_scatter_kernel, grid, 256, 0, stream)(d_coefs + (size_t)c0 * n, d_out + (size_t)c0 * big, log_n, log_blowup, shift_mont);
  }
  return dit_stages(d_out, log_big, log_blowup, count, d_tw, log_tw, stream);
}

}  // namespace pc
