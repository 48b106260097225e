// Poseidon2 Merkle trees and the duplex transcript's proof of work (the `poseidon2` hash configuration,
// src/stark/merkle/hasher.ts and src/stark/grind.ts), four hashes per vector: lane l of every state
// vector belongs to leaf / node / nonce l of the group, so the permutation (permute16Lanes) and the
// absorption are lane-parallel. States are in Montgomery form; inputs and digests are canonical.
//
// Leaf = poseidon2Hash(words): state[8] = number of words, every chunk of up to 8 words overwrites
// state[0 .. len) and is followed by one permutation (an empty leaf: one permutation), output
// state[0 .. 8). Node = the first 8 words of the permutation of left ‖ right.

import { P, R2_MOD_P, toMont, vMontMul } from "./field";
import { permute16Lanes, transpose4 } from "./poseidon2";

const STATE_BYTES: usize = 16 << 4; // 16 vectors
const RATE: u32 = 8;

/** Writes the 8-word digests of lanes [0, lanes) of the state at s to out, out + 32, …; canonical. */
@inline function storeDigests(s: usize, out: usize, lanes: u32, pad: usize): void {
  const fromMont = i32x4.splat(1);
  if (lanes == 4) {
    transpose4(s, 16, out, 32, fromMont);
    transpose4(s + 64, 16, out + 16, 32, fromMont);
    return;
  }
  transpose4(s, 16, pad, 32, fromMont);
  transpose4(s + 64, 16, pad + 16, 32, fromMont);
  memory.copy(out, pad, <usize>lanes << 5);
}

/**
 * Leaves [start, end) of a column-major matrix (column c at cols + c·height words): leaf i hashes rows
 * i, i+L, …, i+(arity−1)·L (L = height / arity), each row as its words in column order. Four leaves
 * per group: with L ≥ 4 (start a multiple of 4) rows i … i+3 of a column are one vector load; with
 * L < 4 (a single group) the lanes are gathered, lanes past L repeating the last leaf. scratch: 512
 * bytes. Returns 1 when a word of these leaves is not a canonical field element (≥ p), else 0.
 */
export function poseidon2Leaves(cols: usize, height: u32, width: u32, arity: u32, out: usize, start: u32, end: u32, scratch: usize): u32 {
  const leafCount = height / arity;
  const colStride = <usize>height << 2;
  const groupStride = <usize>leafCount << 2;
  const words = width * arity;
  const toMontV = i32x4.splat(R2_MOD_P);
  const lengthTag = i32x4.splat(toMont(words));
  const pv = i32x4.splat(P);
  const s = scratch;
  const pad = scratch + STATE_BYTES;
  let bad = i32x4.splat(0);
  for (let i = start; i < end; i += 4) {
    const lanes = min<u32>(4, end - i);
    memory.fill(s, 0, STATE_BYTES);
    v128.store(s + (<usize>RATE << 4), lengthTag);
    let j: u32 = 0; // words of the current chunk
    for (let k: u32 = 0; k < arity; k++) {
      let p = cols + <usize>k * groupStride + (<usize>i << 2);
      for (let c: u32 = 0; c < width; c++) {
        let v: v128;
        if (leafCount >= 4) {
          v = v128.load(p);
        } else {
          // rows i + min(l, L − 1) of group k: lanes past the last leaf repeat it
          const last = <usize>(leafCount - 1 - i) << 2;
          v = i32x4.splat(load<u32>(p));
          v = i32x4.replace_lane(v, 1, load<u32>(p + min<usize>(4, last)));
          v = i32x4.replace_lane(v, 2, load<u32>(p + min<usize>(8, last)));
          v = i32x4.replace_lane(v, 3, load<u32>(p + min<usize>(12, last)));
        }
        bad = v128.or(bad, i32x4.ge_u(v, pv));
        v128.store(s + (<usize>j << 4), vMontMul(v, toMontV));
        p += colStride;
        if (++j == RATE) {
          permute16Lanes(s);
          j = 0;
        }
      }
    }
    if (j != 0 || words == 0) permute16Lanes(s);
    storeDigests(s, out + (<usize>i << 5), lanes, pad);
  }
  return v128.any_true(bad) ? 1 : 0;
}

/**
 * Nodes [start, end) of the next level: dst[j] = permute(src[2j] ‖ src[2j+1])[0 .. 8), four per group
 * (start a multiple of 4; a group of fewer nodes is padded in scratch). scratch: 768 bytes.
 */
export function poseidon2Nodes(src: usize, dst: usize, start: u32, end: u32, scratch: usize): void {
  const s = scratch;
  const pad = scratch + STATE_BYTES;
  const toMontV = i32x4.splat(R2_MOD_P);
  for (let j = start; j < end; j += 4) {
    const lanes = min<u32>(4, end - j);
    let from = src + (<usize>j << 6);
    if (lanes < 4) {
      memory.fill(pad, 0, 256);
      memory.copy(pad, from, <usize>lanes << 6);
      from = pad;
    }
    // four consecutive 16-word states, transposed so that vector w holds word w of the four
    for (let g: usize = 0; g < 16; g += 4) transpose4(from + (g << 2), 64, s + (g << 4), 16, toMontV);
    permute16Lanes(s);
    storeDigests(s, dst + (<usize>j << 5), lanes, pad + 256);
  }
}

/**
 * Proof-of-work search over nonces [start, start + count): the state at tmpl (16 canonical words: the
 * sponge state with its rate already holding the pending inputs and zeros, and word 15 already
 * increased by the number of inputs) gets the nonce at word `pos` and is permuted; the nonce passes
 * when x = output word 0 is < p − 1 and has its low `bits` bits zero. Nonces are tried in increasing
 * order, four at a time; returns the first that passes, or −1. scratch: 512 bytes.
 */
export function poseidon2GrindRange(tmpl: usize, pos: u32, bits: u32, start: u32, count: u32, scratch: usize): i64 {
  const s = scratch;
  const base = scratch + STATE_BYTES; // the template, transposed (every lane the same) and in Montgomery form
  for (let w: u32 = 0; w < 16; w++) v128.store(base + (<usize>w << 4), i32x4.splat(toMont(load<u32>(tmpl + (<usize>w << 2)))));
  const mask = i32x4.splat(bits >= 32 ? -1 : (1 << bits) - 1);
  const limit = i32x4.splat(P - 1);
  const toMontV = i32x4.splat(R2_MOD_P);
  const fromMontV = i32x4.splat(1);
  const zero = i32x4.splat(0);
  const at = s + (<usize>pos << 4);
  for (let k: u32 = 0; k < count; k += 4) {
    memory.copy(s, base, STATE_BYTES);
    const n = start + k;
    const nonces = i32x4.add(i32x4.splat(n), i32x4(0, 1, 2, 3));
    v128.store(at, vMontMul(nonces, toMontV));
    permute16Lanes(s);
    const x = vMontMul(v128.load(s), fromMontV);
    const ok = v128.and(i32x4.lt_u(x, limit), i32x4.eq(v128.and(x, mask), zero));
    const hits = i32x4.bitmask(ok) & ((1 << min<u32>(4, count - k)) - 1); // lanes past the range do not count
    if (hits != 0) return <i64>(n + ctz<u32>(hits));
  }
  return -1;
}
