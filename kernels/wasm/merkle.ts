// Keccak-256 (the EVM's keccak256: rate 136 bytes, padding 0x01 … 0x80) for Merkle leaves, Merkle
// nodes and proof-of-work grinding. st is a 200-byte per-thread scratch state.

import { keccakF } from "./keccak-f";
import { keccakF2 } from "./keccak-f2";

const RATE_WORDS: u32 = 34; // 136 bytes as u32 words

@inline function clearState(st: usize): void {
  memory.fill(st, 0, 200);
}

/** Pad after `pos` message bytes of the current block, permute, write the 32-byte digest at out. */
@inline function finish(st: usize, pos: u32, out: usize): void {
  store<u8>(st + pos, load<u8>(st + pos) ^ 0x01);
  store<u8>(st + 135, load<u8>(st + 135) ^ 0x80);
  keccakF(st);
  store<u64>(out, load<u64>(st));
  store<u64>(out, load<u64>(st, 8), 8);
  store<u64>(out, load<u64>(st, 16), 16);
  store<u64>(out, load<u64>(st, 24), 24);
}

/**
 * Leaves [start, end) of a column-major matrix whose column c starts at the byte address in
 * cols[c] (a table of u32 addresses): leaf i hashes rows i, i+L, …, i+(arity−1)·L (L = height /
 * arity), each row as its words in column order.
 */
export function merkleLeaves(cols: usize, height: u32, width: u32, arity: u32, out: usize, start: u32, end: u32, st: usize): void {
  const leafCount = height / arity;
  for (let i = start; i < end; i++) {
    clearState(st);
    let pos: u32 = 0; // words absorbed in the current block
    for (let k: u32 = 0; k < arity; k++) {
      const row = <usize>(i + k * leafCount) << 2;
      for (let c: u32 = 0; c < width; c++) {
        const p = <usize>load<u32>(cols + (<usize>c << 2)) + row;
        const q = st + (<usize>pos << 2);
        store<u32>(q, load<u32>(q) ^ load<u32>(p));
        pos++;
        if (pos == RATE_WORDS) {
          keccakF(st);
          pos = 0;
        }
      }
    }
    finish(st, pos << 2, out + (<usize>i << 5));
  }
}

/** Nodes [start, end) of the next level: dst[j] = keccak256(src[2j] ‖ src[2j+1]). */
export function merkleNodes(src: usize, dst: usize, start: u32, end: u32, st: usize): void {
  for (let j = start; j < end; j++) {
    const s = src + (<usize>j << 6);
    clearState(st);
    store<u64>(st, load<u64>(s));
    store<u64>(st, load<u64>(s, 8), 8);
    store<u64>(st, load<u64>(s, 16), 16);
    store<u64>(st, load<u64>(s, 24), 24);
    store<u64>(st, load<u64>(s, 32), 32);
    store<u64>(st, load<u64>(s, 40), 40);
    store<u64>(st, load<u64>(s, 48), 48);
    store<u64>(st, load<u64>(s, 56), 56);
    finish(st, 64, dst + (<usize>j << 5));
  }
}

/** Keccak-256 of len bytes at msg (any length), digest at out. */
export function keccak256(msg: usize, len: u32, out: usize, st: usize): void {
  clearState(st);
  let pos: u32 = 0;
  for (let i: u32 = 0; i < len; i++) {
    store<u8>(st + pos, load<u8>(st + pos) ^ load<u8>(msg + i));
    pos++;
    if (pos == 136) {
      keccakF(st);
      pos = 0;
    }
  }
  finish(st, pos, out);
}

@inline function leadingZeroBits(st: usize): u32 {
  let total: u32 = 0;
  for (let l: u32 = 0; l < 4; l++) {
    const w = bswap<u64>(load<u64>(st + (<usize>l << 3)));
    if (w != 0) return total + <u32>clz<u64>(w);
    total += 64;
  }
  return total;
}

/**
 * Grinding over nonces [start, start + count): the first nonce n such that keccak256(prefix ‖ u64le(n))
 * has at least `bits` leading zero bits, or -1. The prefix (len <= 127 bytes) is at msg; tmpl and st are
 * two 200-byte scratch states. Nonces are tried in increasing order, so the result is the smallest.
 */
export function grindRange(msg: usize, len: u32, bits: u32, start: u64, count: u32, tmpl: usize, st: usize): i64 {
  clearState(tmpl);
  for (let i: u32 = 0; i < len; i++) store<u8>(tmpl + i, load<u8>(msg + i));
  store<u8>(tmpl + len + 8, 0x01);
  store<u8>(tmpl + 135, load<u8>(tmpl + 135) ^ 0x80);
  for (let k: u32 = 0; k < count; k++) {
    const nonce = start + <u64>k;
    memory.copy(st, tmpl, 200);
    store<u64>(st + len, nonce); // unaligned is fine in wasm; the template has zeros there
    keccakF(st);
    if (leadingZeroBits(st) >= bits) return <i64>nonce;
  }
  return -1;
}

// ---------------------------------------------------------------- two hashes per permutation
// st2 is a 400-byte scratch holding two interleaved states (see keccak-f2.ts): the byte b of state A
// is at st2 + 16·(b >> 3) + (b & 7), of state B 8 bytes further.

@inline function at2(byte: u32): usize {
  return (<usize>(byte >> 3) << 4) + <usize>(byte & 7);
}

@inline function finish2(st2: usize, bytePos: u32, outA: usize, outB: usize): void {
  const p = st2 + at2(bytePos);
  store<u8>(p, load<u8>(p) ^ 0x01);
  store<u8>(p + 8, load<u8>(p + 8) ^ 0x01);
  const q = st2 + at2(135);
  store<u8>(q, load<u8>(q) ^ 0x80);
  store<u8>(q + 8, load<u8>(q + 8) ^ 0x80);
  keccakF2(st2);
  for (let l: usize = 0; l < 4; l++) {
    store<u64>(outA + (l << 3), load<u64>(st2 + (l << 4)));
    store<u64>(outB + (l << 3), load<u64>(st2 + (l << 4) + 8));
  }
}

/** merkleLeaves for leaf pairs (i, i+1), i even in [start, end) (start, end even). */
export function merkleLeaves2(cols: usize, height: u32, width: u32, arity: u32, out: usize, start: u32, end: u32, st2: usize): void {
  const leafCount = height / arity;
  for (let i = start; i < end; i += 2) {
    memory.fill(st2, 0, 400);
    let pos: u32 = 0;
    for (let k: u32 = 0; k < arity; k++) {
      const row = <usize>(i + k * leafCount) << 2;
      for (let c: u32 = 0; c < width; c++) {
        const both = load<u64>(<usize>load<u32>(cols + (<usize>c << 2)) + row); // rows i and i + 1 are adjacent in a column
        const q = st2 + (<usize>(pos >> 1) << 4) + (<usize>(pos & 1) << 2);
        store<u32>(q, load<u32>(q) ^ <u32>both);
        store<u32>(q + 8, load<u32>(q + 8) ^ <u32>(both >> 32));
        pos++;
        if (pos == RATE_WORDS) {
          keccakF2(st2);
          pos = 0;
        }
      }
    }
    finish2(st2, pos << 2, out + (<usize>i << 5), out + (<usize>(i + 1) << 5));
  }
}

/** merkleNodes for node pairs (j, j+1), j even in [start, end) (start, end even). */
export function merkleNodes2(src: usize, dst: usize, start: u32, end: u32, st2: usize): void {
  for (let j = start; j < end; j += 2) {
    const s = src + (<usize>j << 6);
    memory.fill(st2, 0, 400);
    for (let l: usize = 0; l < 8; l++) {
      store<u64>(st2 + (l << 4), load<u64>(s + (l << 3)));
      store<u64>(st2 + (l << 4) + 8, load<u64>(s + 64 + (l << 3)));
    }
    finish2(st2, 64, dst + (<usize>j << 5), dst + (<usize>(j + 1) << 5));
  }
}
