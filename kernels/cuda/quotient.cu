// The constraint-bytecode interpreter (src/stark/air/bytecode.ts, version 1) and the quotient
//   Q(x) = acc_T*(x - w_last)/Z_H(x) + acc_F/(x - 1) + acc_L/(x - w_last) + acc_E/Z_H(x)
// (src/stark/quotient.ts) over the LDE domain, one thread per row. Every thread of a warp runs the
// same instruction (the program is uniform), so the interpreter never diverges; the registers of a
// chunk of rows live in a scratch matrix [register][row] so their loads and stores are coalesced, and
// the trace loads are coalesced reads of one column. Registers hold Montgomery form, accumulators
// canonical values (Montgomery x canonical alpha = canonical).
#include "field.cuh"
#include "prover_cuda.h"

namespace {

enum Op : uint32_t { CONST = 1, CUR = 2, NEXT = 3, PUBIN = 4, PCUR = 5, PNEXT = 6, ADD = 7, SUB = 8, MUL = 9, NEG = 10, ACC = 11 };

__global__ void quotient_kernel(pc::QuotientParams q, const uint32_t* trace, const uint32_t* pub, const uint32_t* pub_in, const uint32_t* alpha,
                                const uint4* code, const uint32_t* zh_inv, uint32_t* regs, uint32_t reg_rows, uint32_t row0, uint32_t* out, uint32_t* error) {
  const size_t n = (size_t)1 << q.log_n;
  const uint32_t mask = (uint32_t)(n - 1);
  const uint32_t slots = (uint32_t)(n - row0 < reg_rows ? n - row0 : reg_rows);
  for (uint32_t slot = blockIdx.x * blockDim.x + threadIdx.x; slot < slots; slot += gridDim.x * blockDim.x) {
  const uint32_t row = row0 + slot;
  const uint32_t next = (row + (1u << q.log_blowup)) & mask;
  uint32_t* r = regs + slot;
#define REG(i) r[(size_t)(i) * reg_rows]
  uint32_t acc[16];
#pragma unroll
  for (int i = 0; i < 16; i++) acc[i] = 0;
  for (uint32_t k = 0; k < q.num_instructions; k++) {
    const uint4 ins = code[k];  // op, dst, a, b
    switch (ins.x) {
      case CONST: REG(ins.y) = bb::to_mont(ins.z); break;
      case CUR: REG(ins.y) = bb::to_mont(trace[(size_t)ins.z * n + row]); break;
      case NEXT: REG(ins.y) = bb::to_mont(trace[(size_t)ins.z * n + next]); break;
      case PUBIN: REG(ins.y) = bb::to_mont(pub_in[ins.z]); break;
      case PCUR: REG(ins.y) = bb::to_mont(pub[(size_t)ins.z * n + row]); break;
      case PNEXT: REG(ins.y) = bb::to_mont(pub[(size_t)ins.z * n + next]); break;
      case ADD: REG(ins.y) = bb::add(REG(ins.z), REG(ins.w)); break;
      case SUB: REG(ins.y) = bb::sub(REG(ins.z), REG(ins.w)); break;
      case MUL: REG(ins.y) = bb::mont_mul(REG(ins.z), REG(ins.w)); break;
      case NEG: REG(ins.y) = bb::neg(REG(ins.z)); break;
      case ACC: {
        const uint32_t x = REG(ins.z);
        const uint32_t* al = alpha + 4 * (size_t)ins.w;
        uint32_t* a = acc + 4 * (ins.y & 3);
        a[0] = bb::add(a[0], bb::mont_mul(x, al[0]));
        a[1] = bb::add(a[1], bb::mont_mul(x, al[1]));
        a[2] = bb::add(a[2], bb::mont_mul(x, al[2]));
        a[3] = bb::add(a[3], bb::mont_mul(x, al[3]));
        break;
      }
      default: *error = 1; return;
    }
  }
#undef REG
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

}  // namespace

namespace pc {

cudaError_t quotient(const QuotientParams& q, const uint32_t* d_trace, const uint32_t* d_pub, const uint32_t* d_pub_in, const uint32_t* d_alpha,
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

}  // namespace pc
