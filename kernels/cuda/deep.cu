// DEEP composition, FRI folding and out-of-domain evaluation: element-wise kernels in K, one thread
// per domain point (per pair of (column, point) block for the evaluations).
#include "field.cuh"
#include "prover_cuda.h"

namespace {

uint32_t blocks_for(size_t work, uint32_t threads) {
  size_t b = (work + threads - 1) / threads;
  return (uint32_t)(b > 65535 ? 65535 : (b == 0 ? 1 : b));
}

__device__ __forceinline__ bb::Ext load_ext(const uint32_t* p) { return {p[0], p[1], p[2], p[3]}; }

__device__ bb::Ext ext_pow_mont(bb::Ext a, uint32_t e) {
  bb::Ext r = {bb::R_MOD_P, 0, 0, 0};
  while (e != 0) {
    if (e & 1) r = bb::ext_mul(r, a);
    a = bb::ext_mul(a, a);
    e >>= 1;
  }
  return r;
}

/**
 * f(x) = sum_p (sum_{k at p} gamma^k P_k(x) - V_p) / (x - z_p). One K inversion per point and row
 * (through the norm): the GPU has the arithmetic to spare, and no batch state crosses threads.
 */
__global__ void deep_kernel(const uint32_t* const* cols, uint32_t log_n, uint32_t shift_mont, uint32_t w_mont, uint32_t np, const uint32_t* points,
                            const uint32_t* vals, const uint32_t* claim_start, const uint32_t* claim_col, const uint32_t* claim_coef, uint32_t* out,
                            uint32_t* error) {
  const size_t n = (size_t)1 << log_n;
  for (uint32_t i = blockIdx.x * blockDim.x + threadIdx.x; i < n; i += gridDim.x * blockDim.x) {
    const uint32_t x = bb::from_mont(bb::mont_mul(shift_mont, bb::mont_pow(w_mont, i)));
    bb::Ext f = {0, 0, 0, 0};
    for (uint32_t p = 0; p < np; p++) {
      const uint32_t k0 = claim_start[p], k1 = claim_start[p + 1];
      if (k0 == k1) continue;  // a point no claim names contributes nothing
      const bb::Ext z = load_ext(points + 4 * p);
      const bb::Ext d = {bb::sub(x, z.c0), bb::neg(z.c1), bb::neg(z.c2), bb::neg(z.c3)};
      bool ok;
      const bb::Ext inv = bb::ext_inv_mont(bb::ext_to_mont(d), &ok);
      if (!ok) {
        *error = 1;
        return;
      }
      bb::Ext g = {0, 0, 0, 0};
      for (uint32_t k = k0; k < k1; k++) {
        const uint32_t v = cols[claim_col[k]][i];
        const uint32_t* cf = claim_coef + 4 * (size_t)k;
        g.c0 = bb::add(g.c0, bb::mont_mul(v, cf[0]));
        g.c1 = bb::add(g.c1, bb::mont_mul(v, cf[1]));
        g.c2 = bb::add(g.c2, bb::mont_mul(v, cf[2]));
        g.c3 = bb::add(g.c3, bb::mont_mul(v, cf[3]));
      }
      f = bb::ext_add(f, bb::ext_mul(bb::ext_sub(g, load_ext(vals + 4 * p)), inv));
    }
    out[i] = f.c0;
    out[n + i] = f.c1;
    out[2 * n + i] = f.c2;
    out[3 * n + i] = f.c3;
  }
}

/** out[i] = (v(x) + v(-x))/2 + beta*(v(x) - v(-x))/(2x), x = s*w_M^i, -x at i + M/2. */
__global__ void fri_fold2_kernel(const uint32_t* src, uint32_t* dst, uint32_t log_m, bb::Ext beta_mont, uint32_t inv_two_shift_mont, uint32_t w_inv_mont) {
  const size_t half = ((size_t)1 << log_m) >> 1;
  const size_t m = half * 2;
  const uint32_t inv2 = bb::mont_inv(bb::to_mont(2));
  for (uint32_t i = blockIdx.x * blockDim.x + threadIdx.x; i < half; i += gridDim.x * blockDim.x) {
    const uint32_t y = bb::mont_mul(inv_two_shift_mont, bb::mont_pow(w_inv_mont, i));  // 1/(2x), Montgomery
    uint32_t s[4], d[4];
#pragma unroll
    for (int c = 0; c < 4; c++) {
      const uint32_t a = src[c * m + i], b = src[c * m + half + i];
      s[c] = bb::mont_mul(bb::add(a, b), inv2);
      d[c] = bb::mont_mul(bb::sub(a, b), y);
    }
    const bb::Ext t = bb::ext_mul(bb::Ext{d[0], d[1], d[2], d[3]}, beta_mont);
    dst[i] = bb::add(s[0], t.c0);
    dst[half + i] = bb::add(s[1], t.c1);
    dst[2 * half + i] = bb::add(s[2], t.c2);
    dst[3 * half + i] = bb::add(s[3], t.c3);
  }
}

constexpr uint32_t EVAL_THREADS = 256;

/**
 * P(z) = sum_t z^t Q_t(z^256), Q_t(y) = sum_j c_{t + 256 j} y^j: thread t runs Horner on Q_t, so the
 * threads of a block read consecutive coefficients; the block then sums its 256 terms.
 * Block (column c, point j).
 */
__global__ void eval_kernel(const uint32_t* const* coefs, uint32_t n, uint32_t m, const uint32_t* points, uint32_t* out) {
  __shared__ bb::Ext part[EVAL_THREADS];
  const uint32_t c = blockIdx.x, j = blockIdx.y;
  const uint32_t* col = coefs[c];
  const bb::Ext z = bb::ext_to_mont(load_ext(points + 4 * (size_t)j));
  const bb::Ext y = ext_pow_mont(z, EVAL_THREADS);
  for (uint32_t t = threadIdx.x; t < EVAL_THREADS; t += blockDim.x) {
    bb::Ext acc = {0, 0, 0, 0};
    if (t < n) {
      for (uint32_t k = (n - 1 - t) / EVAL_THREADS + 1; k-- > 0;) {
        acc = bb::ext_mul(acc, y);
        acc.c0 = bb::add(acc.c0, col[t + (size_t)k * EVAL_THREADS]);
      }
      acc = bb::ext_mul(acc, ext_pow_mont(z, t));
    }
    part[t] = acc;
  }
  __syncthreads();
  for (uint32_t s = EVAL_THREADS / 2; s > 0; s >>= 1) {
    for (uint32_t t = threadIdx.x; t < s; t += blockDim.x) part[t] = bb::ext_add(part[t], part[t + s]);
    __syncthreads();
  }
  if (threadIdx.x == 0) {
    uint32_t* o = out + 4 * ((size_t)j * m + c);
    o[0] = part[0].c0;
    o[1] = part[0].c1;
    o[2] = part[0].c2;
    o[3] = part[0].c3;
  }
}

/** out = a + c*b in K, one thread per point; c Montgomery. */
__global__ void add_scaled_ext_kernel(const uint32_t* a, const uint32_t* b, uint32_t* out, uint32_t n, bb::Ext c) {
  for (uint32_t i = blockIdx.x * blockDim.x + threadIdx.x; i < n; i += gridDim.x * blockDim.x) {
    const bb::Ext t = bb::ext_mul(bb::Ext{b[i], b[(size_t)n + i], b[2 * (size_t)n + i], b[3 * (size_t)n + i]}, c);
    out[i] = bb::add(a[i], t.c0);
    out[(size_t)n + i] = bb::add(a[(size_t)n + i], t.c1);
    out[2 * (size_t)n + i] = bb::add(a[2 * (size_t)n + i], t.c2);
    out[3 * (size_t)n + i] = bb::add(a[3 * (size_t)n + i], t.c3);
  }
}

/** Column blockIdx.y: element i times first * step^i. */
__global__ void scale_powers_kernel(uint32_t* cols, uint32_t n, uint32_t first_mont, uint32_t step_mont) {
  uint32_t* col = cols + (size_t)blockIdx.y * n;
  for (uint32_t i = blockIdx.x * blockDim.x + threadIdx.x; i < n; i += gridDim.x * blockDim.x) {
    col[i] = bb::mont_mul(col[i], bb::mont_mul(first_mont, bb::mont_pow(step_mont, i)));
  }
}

/** out (4 columns of n) = sum_k w_k * col_k in K, one thread per row; weights Montgomery (4 words each). */
__global__ void combine_kernel(const uint32_t* const* cols, uint32_t count, const uint32_t* weights, uint32_t* out, uint32_t n) {
  for (uint32_t i = blockIdx.x * blockDim.x + threadIdx.x; i < n; i += gridDim.x * blockDim.x) {
    bb::Ext acc = {0, 0, 0, 0};
    for (uint32_t k = 0; k < count; k++) {
      const uint32_t v = cols[k][i];
      const uint32_t* w = weights + 4 * (size_t)k;
      acc.c0 = bb::add(acc.c0, bb::mont_mul(v, w[0]));
      acc.c1 = bb::add(acc.c1, bb::mont_mul(v, w[1]));
      acc.c2 = bb::add(acc.c2, bb::mont_mul(v, w[2]));
      acc.c3 = bb::add(acc.c3, bb::mont_mul(v, w[3]));
    }
    out[i] = acc.c0;
    out[(size_t)n + i] = acc.c1;
    out[2 * (size_t)n + i] = acc.c2;
    out[3 * (size_t)n + i] = acc.c3;
  }
}

/** out[k * width + j] = cols[j][rows[k]]: the opened rows of a commitment. */
__global__ void gather_rows_kernel(const uint32_t* const* cols, uint32_t width, const uint32_t* rows, uint32_t count, uint32_t* out) {
  const size_t total = (size_t)width * count;
  for (size_t t = (size_t)blockIdx.x * blockDim.x + threadIdx.x; t < total; t += (size_t)gridDim.x * blockDim.x) {
    const size_t k = t / width, j = t % width;
    out[t] = cols[j][rows[k]];
  }
}

__global__ void first_non_canonical_kernel(const uint32_t* words, size_t count, unsigned long long* first) {
  for (size_t i = (size_t)blockIdx.x * blockDim.x + threadIdx.x; i < count; i += (size_t)gridDim.x * blockDim.x) {
    if (words[i] >= bb::P) atomicMin(first, (unsigned long long)i);
  }
}

}  // namespace

namespace pc {

cudaError_t add_scaled_ext(const uint32_t* d_a, const uint32_t* d_b, uint32_t* d_out, uint32_t n, const uint32_t c[4], cudaStream_t stream) {
  const bb::Ext cm = bb::ext_to_mont(bb::Ext{c[0], c[1], c[2], c[3]});
  LAUNCH(add_scaled_ext_kernel, blocks_for(n, 256), 256, 0, stream)(d_a, d_b, d_out, n, cm);
  return cudaGetLastError();
}

cudaError_t scale_powers(uint32_t* d_cols, uint32_t n, uint32_t count, uint32_t first_mont, uint32_t step_mont, cudaStream_t stream) {
  for (uint32_t c0 = 0; c0 < count; c0 += 65535) {
    const uint32_t batch = count - c0 < 65535 ? count - c0 : 65535;
    LAUNCH(scale_powers_kernel, dim3(blocks_for(n, 256), batch), 256, 0, stream)(d_cols + (size_t)c0 * n, n, first_mont, step_mont);
  }
  return cudaGetLastError();
}

cudaError_t linear_combination(const uint32_t* const* d_cols, uint32_t count, const uint32_t* d_weights, uint32_t* d_out, uint32_t n, cudaStream_t stream) {
  LAUNCH(combine_kernel, blocks_for(n, 256), 256, 0, stream)(d_cols, count, d_weights, d_out, n);
  return cudaGetLastError();
}

cudaError_t gather_rows(const uint32_t* const* d_cols, uint32_t width, const uint32_t* d_rows, uint32_t count, uint32_t* d_out, cudaStream_t stream) {
  if (width == 0 || count == 0) return cudaSuccess;
  LAUNCH(gather_rows_kernel, blocks_for((size_t)width * count, 256), 256, 0, stream)(d_cols, width, d_rows, count, d_out);
  return cudaGetLastError();
}

cudaError_t first_non_canonical(const uint32_t* d_words, size_t count, unsigned long long* d_first, cudaStream_t stream) {
  if (count == 0) return cudaSuccess;
  LAUNCH(first_non_canonical_kernel, blocks_for(count, 256), 256, 0, stream)(d_words, count, d_first);
  return cudaGetLastError();
}

cudaError_t deep_compose(const uint32_t* const* d_cols, uint32_t log_n, uint32_t shift_mont, uint32_t np, const uint32_t* d_points, const uint32_t* d_vals,
                         const uint32_t* d_claim_start, const uint32_t* d_claim_col, const uint32_t* d_claim_coef, uint32_t* d_out, uint32_t* d_error,
                         cudaStream_t stream) {
  const size_t n = (size_t)1 << log_n;
  LAUNCH(deep_kernel, blocks_for(n, 128), 128, 0, stream)(d_cols, log_n, shift_mont, bb::two_adic_root_mont(log_n), np, d_points, d_vals, d_claim_start,
                                                      d_claim_col, d_claim_coef, d_out, d_error);
  return cudaGetLastError();
}

cudaError_t fri_fold2(const uint32_t* d_src, uint32_t* d_dst, uint32_t log_m, const uint32_t beta_mont[4], uint32_t inv_two_shift_mont, uint32_t w_inv_mont,
                      cudaStream_t stream) {
  const size_t half = ((size_t)1 << log_m) >> 1;
  const bb::Ext beta = {beta_mont[0], beta_mont[1], beta_mont[2], beta_mont[3]};
  LAUNCH(fri_fold2_kernel, blocks_for(half, 256), 256, 0, stream)(d_src, d_dst, log_m, beta, inv_two_shift_mont, w_inv_mont);
  return cudaGetLastError();
}

cudaError_t eval_at_points(const uint32_t* const* d_coefs, uint32_t n, uint32_t m, const uint32_t* d_points, uint32_t np, uint32_t* d_out, cudaStream_t stream) {
  if (m == 0 || np == 0) return cudaSuccess;
  if (np > 65535) return cudaErrorInvalidValue;
  dim3 grid(m, np);
  LAUNCH(eval_kernel, grid, EVAL_THREADS, 0, stream)(d_coefs, n, m, d_points, d_out);
  return cudaGetLastError();
}

}  // namespace pc
