// The constraint-bytecode interpreter (src/stark/air/bytecode.ts, version 1) and its three programs:
// the quotient
//   Q(x) = acc_T*(x - w_last)/Z_H(x) + acc_F/(x - 1) + acc_L/(x - w_last) + acc_E/Z_H(x)
// (src/stark/quotient.ts) on its domain (the LDE read by stride), the constraint pre-check and LogUp's
// helper and running-sum columns on the trace domain; one thread per row. Every thread of a warp runs the
// same instruction (the program is uniform), so the interpreter never diverges; the registers of a
// chunk of rows live in a scratch matrix [register][row] so their loads and stores are coalesced, and
// the trace loads are coalesced reads of one column. Registers hold Montgomery form, accumulators
// canonical values (Montgomery x canonical alpha = canonical).
#include "field.cuh"
#include "prover_cuda.h"

namespace {

enum Op : uint32_t { CONST = 1, CUR = 2, NEXT = 3, PUBIN = 4, PCUR = 5, PNEXT = 6, ADD = 7, SUB = 8, MUL = 9, NEG = 10, ACC = 11 };

/**
 * The interpreter for one row (quotient-domain or trace-domain index `row` of a domain of mask + 1
 * points): columns through pointer tables, read at index i << log_stride, the next row at
 * (row + next_step) & mask. `acc(dst, b, x)` receives every ACC. Returns false on a bad opcode.
 */
template <typename Acc>
__device__ __forceinline__ bool interpret(const uint32_t* const* trace, const uint32_t* const* pub, const uint32_t* pub_in, const uint4* code, uint32_t num_instructions,
                                          uint32_t* r, uint32_t reg_rows, uint32_t row, uint32_t mask, uint32_t log_stride, uint32_t next_step, Acc acc) {
  const size_t cur = (size_t)row << log_stride;
  const size_t next = (size_t)((row + next_step) & mask) << log_stride;
#define REG(i) r[(size_t)(i) * reg_rows]
  for (uint32_t k = 0; k < num_instructions; k++) {
    const uint4 ins = code[k];  // op, dst, a, b
    switch (ins.x) {
      case CONST: REG(ins.y) = bb::to_mont(ins.z); break;
      case CUR: REG(ins.y) = bb::to_mont(trace[ins.z][cur]); break;
      case NEXT: REG(ins.y) = bb::to_mont(trace[ins.z][next]); break;
      case PUBIN: REG(ins.y) = bb::to_mont(pub_in[ins.z]); break;
      case PCUR: REG(ins.y) = bb::to_mont(pub[ins.z][cur]); break;
      case PNEXT: REG(ins.y) = bb::to_mont(pub[ins.z][next]); break;
      case ADD: REG(ins.y) = bb::add(REG(ins.z), REG(ins.w)); break;
      case SUB: REG(ins.y) = bb::sub(REG(ins.z), REG(ins.w)); break;
      case MUL: REG(ins.y) = bb::mont_mul(REG(ins.z), REG(ins.w)); break;
      case NEG: REG(ins.y) = bb::neg(REG(ins.z)); break;
      case ACC: acc(ins.y, ins.w, REG(ins.z)); break;
      default: return false;
    }
  }
#undef REG
  return true;
}

__global__ void quotient_kernel(pc::QuotientParams q, const uint32_t* const* trace, const uint32_t* const* pub, const uint32_t* pub_in, const uint32_t* alpha,
                                const uint4* code, const uint32_t* zh_inv, uint32_t* regs, uint32_t reg_rows, uint32_t row0, uint32_t* out, uint32_t* error) {
  const size_t n = (size_t)1 << q.log_n;
  const uint32_t mask = (uint32_t)(n - 1);
  const uint32_t slots = (uint32_t)(n - row0 < reg_rows ? n - row0 : reg_rows);
  for (uint32_t slot = blockIdx.x * blockDim.x + threadIdx.x; slot < slots; slot += gridDim.x * blockDim.x) {
    const uint32_t row = row0 + slot;
    uint32_t acc[16];
#pragma unroll
    for (int i = 0; i < 16; i++) acc[i] = 0;
    const bool ok = interpret(trace, pub, pub_in, code, q.num_instructions, regs + slot, reg_rows, row, mask, q.log_stride, 1u << q.log_blowup,
                              [&](uint32_t sel, uint32_t b, uint32_t x) {
                                const uint32_t* al = alpha + 4 * (size_t)b;
                                uint32_t* a = acc + 4 * (sel & 3);
                                a[0] = bb::add(a[0], bb::mont_mul(x, al[0]));
                                a[1] = bb::add(a[1], bb::mont_mul(x, al[1]));
                                a[2] = bb::add(a[2], bb::mont_mul(x, al[2]));
                                a[3] = bb::add(a[3], bb::mont_mul(x, al[3]));
                              });
    if (!ok) {
      *error = 1;
      return;
    }
    const uint32_t x = bb::mont_mul(q.shift_mont, bb::mont_pow(q.w_mont, row));
    const uint32_t d_first = bb::sub(x, bb::R_MOD_P), d_last = bb::sub(x, q.w_last_mont);
    const uint32_t prod = bb::mont_mul(d_first, d_last);
    if (prod == 0) {
      *error = 1;
      return;
    }
    const uint32_t inv = bb::mont_inv(prod);
    const uint32_t f_first = bb::mont_mul(d_last, inv), f_last = bb::mont_mul(d_first, inv);
    const uint32_t zi = zh_inv[row & ((1u << q.log_blowup) - 1)];
    const uint32_t f_trans = bb::mont_mul(d_last, zi);
#pragma unroll
    for (int c = 0; c < 4; c++) {
      uint32_t v = bb::mont_mul(acc[c], f_trans);
      v = bb::add(v, bb::mont_mul(acc[4 + c], f_first));
      v = bb::add(v, bb::mont_mul(acc[8 + c], f_last));
      v = bb::add(v, bb::mont_mul(acc[12 + c], zi));
      out[(size_t)c * n + row] = v;
    }
  }
}

/** The constraint pre-check: rows whose applicable constraints are not all zero atomically min-ed into *first. */
__global__ void check_kernel(const uint32_t* const* trace, const uint32_t* const* pub, const uint32_t* pub_in, const uint4* code, uint32_t num_instructions,
                             uint32_t log_n, uint32_t* regs, uint32_t reg_rows, uint32_t row0, unsigned int* first, uint32_t* error) {
  const size_t n = (size_t)1 << log_n;
  const uint32_t slots = (uint32_t)(n - row0 < reg_rows ? n - row0 : reg_rows);
  for (uint32_t slot = blockIdx.x * blockDim.x + threadIdx.x; slot < slots; slot += gridDim.x * blockDim.x) {
    const uint32_t row = row0 + slot;
    uint32_t flags[4] = {0, 0, 0, 0};
    const bool ok = interpret(trace, pub, pub_in, code, num_instructions, regs + slot, reg_rows, row, (uint32_t)(n - 1), 0, 1,
                              [&](uint32_t sel, uint32_t, uint32_t x) { flags[sel & 3] |= x; });
    if (!ok) {
      *error = 1;
      return;
    }
    if (flags[3] != 0 || (flags[0] != 0 && row < n - 1) || (flags[1] != 0 && row == 0) || (flags[2] != 0 && row == n - 1)) atomicMin(first, row);
  }
}

/**
 * LogUp, one thread per row of the trace domain: the program's slot sums (slot 2i: Σ μ^(j+1)·v_ij,
 * slot 2i + 1: the multiplicity; weights Montgomery) in a scratch matrix [slot·4 + c][row], then
 * d_i = offset_i − slot_2i, one K inversion per (interaction, row) through the norm, the helpers
 * h_k = Σ ±m_i/d_i into out (column 4k + e, canonical) and their sum into row_sum (4 columns).
 * *error = row + 1 (min) where a denominator vanishes, or 1 << 31 on a bad opcode.
 */
__global__ void logup_rows_kernel(const uint32_t* const* trace, const uint32_t* const* pub, const uint32_t* pub_in, const uint32_t* weights, const uint4* code,
                                  uint32_t num_instructions, uint32_t log_n, const uint32_t* offsets, const uint32_t* sends, uint32_t num_interactions,
                                  uint32_t batch, uint32_t* regs, uint32_t* slots, uint32_t reg_rows, uint32_t row0, uint32_t* out, uint32_t* row_sum,
                                  unsigned int* error) {
  const size_t n = (size_t)1 << log_n;
  const uint32_t rows = (uint32_t)(n - row0 < reg_rows ? n - row0 : reg_rows);
  const uint32_t helpers = (num_interactions + batch - 1) / batch;
  for (uint32_t slot = blockIdx.x * blockDim.x + threadIdx.x; slot < rows; slot += gridDim.x * blockDim.x) {
    const uint32_t row = row0 + slot;
    uint32_t* sl = slots + slot;
#define SLOT(k, c) sl[((size_t)(k) * 4 + (c)) * reg_rows]
    for (uint32_t k = 0; k < 8 * num_interactions; k++) sl[(size_t)k * reg_rows] = 0;
    const bool ok = interpret(trace, pub, pub_in, code, num_instructions, regs + slot, reg_rows, row, (uint32_t)(n - 1), 0, 1,
                              [&](uint32_t dst, uint32_t b, uint32_t x) {
                                const uint32_t* w = weights + 4 * (size_t)b;
                                for (int c = 0; c < 4; c++) SLOT(dst, c) = bb::add(SLOT(dst, c), bb::mont_mul(x, w[c]));
                              });
    if (!ok) {
      atomicMin(error, 1u << 31);
      return;
    }
    bb::Ext total = {0, 0, 0, 0};
    for (uint32_t k = 0; k < helpers; k++) {
      bb::Ext h = {0, 0, 0, 0};
      const uint32_t last = (k + 1) * batch < num_interactions ? (k + 1) * batch : num_interactions;
      for (uint32_t i = k * batch; i < last; i++) {
        const uint32_t* o = offsets + 4 * (size_t)i;
        const bb::Ext d = {bb::sub(bb::to_mont(o[0]), SLOT(2 * i, 0)), bb::sub(bb::to_mont(o[1]), SLOT(2 * i, 1)), bb::sub(bb::to_mont(o[2]), SLOT(2 * i, 2)),
                           bb::sub(bb::to_mont(o[3]), SLOT(2 * i, 3))};
        bool nonzero;
        const bb::Ext inv = bb::ext_inv_mont(d, &nonzero);
        if (!nonzero) {
          atomicMin(error, row + 1);
          return;
        }
        const uint32_t m = SLOT(2 * i + 1, 0);
        const bb::Ext t = bb::ext_scale(inv, m);  // Montgomery
        h = sends[i] ? bb::ext_add(h, t) : bb::ext_sub(h, t);
      }
      h = {bb::from_mont(h.c0), bb::from_mont(h.c1), bb::from_mont(h.c2), bb::from_mont(h.c3)};
      out[(size_t)(4 * k) * n + row] = h.c0;
      out[(size_t)(4 * k + 1) * n + row] = h.c1;
      out[(size_t)(4 * k + 2) * n + row] = h.c2;
      out[(size_t)(4 * k + 3) * n + row] = h.c3;
      total = bb::ext_add(total, h);
    }
#undef SLOT
    row_sum[row] = total.c0;
    row_sum[n + row] = total.c1;
    row_sum[2 * n + row] = total.c2;
    row_sum[3 * n + row] = total.c3;
  }
}

/** Running sums within chunks of `chunk` rows (one thread per chunk) into sum; the chunk's total into totals. */
__global__ void scan_chunks_kernel(const uint32_t* row_sum, uint32_t* sum, uint32_t log_n, uint32_t chunk, uint32_t* totals) {
  const size_t n = (size_t)1 << log_n;
  const uint32_t chunks = (uint32_t)(n / chunk);
  for (uint32_t c = blockIdx.x * blockDim.x + threadIdx.x; c < chunks; c += gridDim.x * blockDim.x) {
    bb::Ext s = {0, 0, 0, 0};
    for (size_t r = (size_t)c * chunk; r < (size_t)(c + 1) * chunk; r++) {
      s = bb::ext_add(s, bb::Ext{row_sum[r], row_sum[n + r], row_sum[2 * n + r], row_sum[3 * n + r]});
      sum[r] = s.c0;
      sum[n + r] = s.c1;
      sum[2 * n + r] = s.c2;
      sum[3 * n + r] = s.c3;
    }
    totals[4 * c] = s.c0;
    totals[4 * c + 1] = s.c1;
    totals[4 * c + 2] = s.c2;
    totals[4 * c + 3] = s.c3;
  }
}

/** One thread: totals[c] becomes the sum of the chunks before c (exclusive scan), and the last slot the grand total. */
__global__ void scan_totals_kernel(uint32_t* totals, uint32_t chunks) {
  if (blockIdx.x != 0 || threadIdx.x != 0) return;
  bb::Ext s = {0, 0, 0, 0};
  for (uint32_t c = 0; c < chunks; c++) {
    const bb::Ext t = {totals[4 * c], totals[4 * c + 1], totals[4 * c + 2], totals[4 * c + 3]};
    totals[4 * c] = s.c0;
    totals[4 * c + 1] = s.c1;
    totals[4 * c + 2] = s.c2;
    totals[4 * c + 3] = s.c3;
    s = bb::ext_add(s, t);
  }
  totals[4 * chunks] = s.c0;
  totals[4 * chunks + 1] = s.c1;
  totals[4 * chunks + 2] = s.c2;
  totals[4 * chunks + 3] = s.c3;
}

__global__ void add_chunk_offsets_kernel(uint32_t* sum, uint32_t log_n, uint32_t chunk, const uint32_t* totals) {
  const size_t n = (size_t)1 << log_n;
  for (size_t r = (size_t)blockIdx.x * blockDim.x + threadIdx.x; r < n; r += (size_t)gridDim.x * blockDim.x) {
    const uint32_t* o = totals + 4 * (r / chunk);
    for (int e = 0; e < 4; e++) sum[(size_t)e * n + r] = bb::add(sum[(size_t)e * n + r], o[e]);
  }
}

uint32_t blocks_for(size_t work, uint32_t threads) {
  size_t b = (work + threads - 1) / threads;
  return (uint32_t)(b > 65535 ? 65535 : (b == 0 ? 1 : b));
}

}  // namespace

namespace pc {

cudaError_t quotient(const QuotientParams& q, const uint32_t* const* d_trace, const uint32_t* const* d_pub, const uint32_t* d_pub_in, const uint32_t* d_alpha,
                     const uint32_t* d_code, const uint32_t* d_zh_inv, uint32_t* d_regs, uint32_t reg_rows, uint32_t* d_out, uint32_t* d_error,
                     cudaStream_t stream) {
  const size_t n = (size_t)1 << q.log_n;
  const uint32_t threads = 128;
  for (size_t row0 = 0; row0 < n; row0 += reg_rows) {
    const size_t rows = n - row0 < reg_rows ? n - row0 : reg_rows;
    const uint32_t blocks = (uint32_t)((rows + threads - 1) / threads);
    LAUNCH(quotient_kernel, blocks, threads, 0, stream)(q, d_trace, d_pub, d_pub_in, d_alpha, reinterpret_cast<const uint4*>(d_code), d_zh_inv, d_regs,
                                                     reg_rows, (uint32_t)row0, d_out, d_error);
  }
  return cudaGetLastError();
}

cudaError_t constraint_check(const uint32_t* const* d_trace, const uint32_t* const* d_pub, const uint32_t* d_pub_in, const uint32_t* d_code,
                             uint32_t num_instructions, uint32_t log_n, uint32_t* d_regs, uint32_t reg_rows, unsigned int* d_first, uint32_t* d_error,
                             cudaStream_t stream) {
  const size_t n = (size_t)1 << log_n;
  const uint32_t threads = 128;
  for (size_t row0 = 0; row0 < n; row0 += reg_rows) {
    const size_t rows = n - row0 < reg_rows ? n - row0 : reg_rows;
    LAUNCH(check_kernel, (uint32_t)((rows + threads - 1) / threads), threads, 0, stream)(d_trace, d_pub, d_pub_in, reinterpret_cast<const uint4*>(d_code),
                                                                                         num_instructions, log_n, d_regs, reg_rows, (uint32_t)row0, d_first,
                                                                                         d_error);
  }
  return cudaGetLastError();
}

cudaError_t logup_aux(const uint32_t* const* d_trace, const uint32_t* const* d_pub, const uint32_t* d_pub_in, const uint32_t* d_weights, const uint32_t* d_code,
                      uint32_t num_instructions, uint32_t log_n, const uint32_t* d_offsets, const uint32_t* d_sends, uint32_t num_interactions, uint32_t batch,
                      uint32_t* d_regs, uint32_t* d_slots, uint32_t reg_rows, uint32_t* d_out, uint32_t* d_row_sum, uint32_t* d_totals, uint32_t chunk,
                      unsigned int* d_error, cudaStream_t stream) {
  const size_t n = (size_t)1 << log_n;
  const uint32_t threads = 128;
  for (size_t row0 = 0; row0 < n; row0 += reg_rows) {
    const size_t rows = n - row0 < reg_rows ? n - row0 : reg_rows;
    LAUNCH(logup_rows_kernel, (uint32_t)((rows + threads - 1) / threads), threads, 0, stream)(
        d_trace, d_pub, d_pub_in, d_weights, reinterpret_cast<const uint4*>(d_code), num_instructions, log_n, d_offsets, d_sends, num_interactions, batch,
        d_regs, d_slots, reg_rows, (uint32_t)row0, d_out, d_row_sum, d_error);
  }
  // The running sum (the last helper column group of out): chunked scan, a scan of the chunk totals, the offsets.
  const uint32_t helpers = (num_interactions + batch - 1) / batch;
  uint32_t* sum = d_out + (size_t)4 * helpers * n;
  const uint32_t chunks = (uint32_t)(n / chunk);
  LAUNCH(scan_chunks_kernel, blocks_for(chunks, 64), 64, 0, stream)(d_row_sum, sum, log_n, chunk, d_totals);
  LAUNCH(scan_totals_kernel, 1, 1, 0, stream)(d_totals, chunks);
  LAUNCH(add_chunk_offsets_kernel, blocks_for(n, 256), 256, 0, stream)(sum, log_n, chunk, d_totals);
  return cudaGetLastError();
}

}  // namespace pc
