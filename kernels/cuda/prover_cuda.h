// Host-side launchers of the CUDA kernels (kernels/cuda/*.cu), called by the N-API binding. Every
// pointer named d_* is device memory; every function enqueues on `stream` and returns the launch
// status (cudaGetLastError), never synchronising. Values in device memory are canonical BabyBear
// elements; matrices are column-major (column c of a height-n matrix at base + c*n).
#pragma once
#include <cuda_runtime_api.h>
#include <stdint.h>

// Kernel launches and dynamic shared memory go through these macros so that the same sources also
// compile for the CPU emulation (emu/emu.h), which runs every kernel with one thread per block.
#ifndef LAUNCH
#define LAUNCH(kernel, grid, block, smem, stream) kernel<<<grid, block, smem, stream>>>
#define DYN_SHARED(type, name) extern __shared__ type name[]
#endif

namespace pc {

// ---- NTT (ntt.cu) -------------------------------------------------------------------------------
/** tw[i] = w^i (Montgomery form), i < 2^(log_n - 1), for w = two-adic root of order 2^log_n (inverse: w^-1). */
cudaError_t twiddles(uint32_t* d_tw, uint32_t log_n, bool inverse, cudaStream_t stream);
/** In place, `count` columns of 2^log_n: evaluations over <w> -> coefficients (scaled by 1/n). d_tmp: same size. */
cudaError_t interpolate(uint32_t* d_cols, uint32_t* d_tmp, uint32_t log_n, uint32_t count, const uint32_t* d_inv_tw, uint32_t log_tw, cudaStream_t stream);
/** Coset LDE: d_coefs (count x 2^log_n) -> d_out (count x 2^(log_n+log_blowup)) over shift*<w_N>. */
cudaError_t coset_lde(const uint32_t* d_coefs, uint32_t* d_out, uint32_t log_n, uint32_t log_blowup, uint32_t count, uint32_t shift, const uint32_t* d_tw, uint32_t log_tw, cudaStream_t stream);

// ---- Merkle (merkle.cu) -------------------------------------------------------------------------
/** Leaf digests (32 bytes each) of `width` columns given by a device array of column pointers. */
cudaError_t merkle_leaves(const uint32_t* const* d_cols, uint32_t width, uint32_t height, uint32_t leaf_arity, uint8_t* d_out, cudaStream_t stream);
/** d_dst[i] = keccak256(d_src[2i] || d_src[2i+1]), i < count. */
cudaError_t merkle_nodes(const uint8_t* d_src, uint8_t* d_dst, uint32_t count, cudaStream_t stream);
/** Smallest nonce in [start, start + count) with `bits` leading zero bits of keccak256(state || u64le(nonce)),
 *  atomically min-ed into *d_found (initialise to ~0). d_template: 17 lanes, state and padding in place. */
cudaError_t grind_range(const uint64_t* d_template, uint32_t state_len, uint32_t bits, uint64_t start, uint64_t count, unsigned long long* d_found, cudaStream_t stream);

// ---- Poseidon2 (poseidon2.cu) -------------------------------------------------------------------
/** Upload round constants (canonical; converted to Montgomery form here). Synchronous. */
cudaError_t poseidon2_set_constants(uint32_t width, const uint32_t* ext_initial, const uint32_t* ext_final, const uint32_t* internal, uint32_t partial_rounds, const uint32_t* diag);
cudaError_t poseidon2_permute(uint32_t* d_states, uint32_t width, uint32_t count, cudaStream_t stream);
/** Poseidon2 Merkle leaf digests (8 canonical words each) of `width` columns given by a device array of
 *  column pointers (as merkle_leaves); *d_error set to 1 when a word is not canonical. Needs the width-16 constants. */
cudaError_t poseidon2_merkle_leaves(const uint32_t* const* d_cols, uint32_t width, uint32_t height, uint32_t leaf_arity, uint32_t* d_out, uint32_t* d_error,
                                    cudaStream_t stream);
/** d_dst[i] = the first 8 words of the width-16 permutation of d_src[2i] || d_src[2i+1] (8-word digests), i < count. */
cudaError_t poseidon2_merkle_nodes(const uint32_t* d_src, uint32_t* d_dst, uint32_t count, cudaStream_t stream);
/** Smallest nonce n in [start, start + count) passing the duplex proof of work (d_template: 16 words,
 *  Montgomery form, n goes to word pos < 8; bits <= 27), atomically min-ed into *d_found (initialise to ~0). */
cudaError_t poseidon2_grind_range(const uint32_t* d_template, uint32_t pos, uint32_t bits, uint32_t start, uint32_t count, unsigned int* d_found, cudaStream_t stream);

// ---- Quotient, DEEP, FRI, evaluation (quotient.cu, deep.cu) -------------------------------------
struct QuotientParams {
  uint32_t num_instructions, num_registers, log_n, log_blowup;
  uint32_t shift_mont, w_mont, w_last_mont;
};
/**
 * d_code: instructions (4 words each, header stripped); d_alpha: alpha^i canonical (4 words each);
 * d_zh_inv: 1/Z_H at the 2^log_blowup distinct values (Montgomery); d_regs: num_registers * reg_rows
 * words of scratch; d_out: 4 columns of 2^log_n; *d_error set to 1 on a vanishing denominator or a bad opcode.
 */
cudaError_t quotient(const QuotientParams& q, const uint32_t* d_trace, const uint32_t* d_pub, const uint32_t* d_pub_in,
                     const uint32_t* d_alpha, const uint32_t* d_code, const uint32_t* d_zh_inv, uint32_t* d_regs, uint32_t reg_rows,
                     uint32_t* d_out, uint32_t* d_error, cudaStream_t stream);

/**
 * DEEP composition. d_cols: column pointers (renumbered claim columns); d_points / d_vals: per point z_p
 * (canonical) and V_p = sum gamma^k v_k (canonical); d_claim_start: np+1 offsets; d_claim_col, d_claim_coef
 * (gamma^k, Montgomery, 4 words). Output 4 columns of 2^log_n.
 */
cudaError_t deep_compose(const uint32_t* const* d_cols, uint32_t log_n, uint32_t shift_mont, uint32_t np, const uint32_t* d_points,
                         const uint32_t* d_vals, const uint32_t* d_claim_start, const uint32_t* d_claim_col, const uint32_t* d_claim_coef,
                         uint32_t* d_out, uint32_t* d_error, cudaStream_t stream);

/** One binary FRI fold of 4 columns of 2^log_m at d_src into 4 columns of 2^(log_m-1) at d_dst. beta_mont: 4 words. */
cudaError_t fri_fold2(const uint32_t* d_src, uint32_t* d_dst, uint32_t log_m, const uint32_t beta_mont[4], uint32_t inv_two_shift_mont, uint32_t w_inv_mont, cudaStream_t stream);

/** out word 4(j*m + c) + e = coefficient e of P_c(z_j); m columns of n coefficients (contiguous matrix). */
cudaError_t eval_at_points(const uint32_t* d_coefs, uint32_t n, uint32_t m, const uint32_t* d_points, uint32_t np, uint32_t* d_out, cudaStream_t stream);

}  // namespace pc
