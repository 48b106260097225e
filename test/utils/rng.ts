/** Deterministic PRNG for reproducible randomized tests (xorshift128+ folded to u32). */
import { P } from "../../src/stark/field/babybear.js";
import type { Ext } from "../../src/stark/field/extension.js";

export class Rng {
  private s0: bigint;
  private s1: bigint;
  constructor(seed: number) {
    this.s0 = BigInt(seed) * 0x9e3779b97f4a7c15n + 1n;
    this.s1 = (BigInt(seed) ^ 0xdeadbeefn) * 0xbf58476d1ce4e5b9n + 7n;
    for (let i = 0; i < 8; i++) this.u32();
  }
  u32(): number {
    const M = (1n << 64n) - 1n;
    let x = this.s0;
    const y = this.s1;
    this.s0 = y;
    x ^= (x << 23n) & M;
    this.s1 = x ^ y ^ (x >> 17n) ^ (y >> 26n);
    return Number(((this.s1 + y) & M) >> 32n);
  }
  /** Integer in [0, n). */
  int(n: number): number {
    return Math.floor((this.u32() / 2 ** 32) * n);
  }
  field(): number {
    for (;;) {
      const x = this.u32() & 0x7fffffff;
      if (x < P) return x;
    }
  }
  ext(): Ext {
    return [this.field(), this.field(), this.field(), this.field()];
  }
  fieldArray(n: number): Uint32Array {
    return Uint32Array.from({ length: n }, () => this.field());
  }
}

/** Edge values every arithmetic test should include. */
export const EDGE_VALUES = [0, 1, 2, P - 1, P - 2, (P - 1) / 2, (P + 1) / 2, 0x7fffffff % P, 1 << 30, 65535, 65536];
