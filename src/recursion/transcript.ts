/**
 * The duplex transcript in the circuit (docs/recursion.md §4): the same sponge as `DuplexTranscript`
 * (src/stark/transcript.ts), one Poseidon2 row per duplexing. Its rows must follow each other in the
 * Poseidon2 table (each chains the previous one's capacity), so a transcript runs without other
 * Poseidon2 work in between — the verifier circuit hashes keys before and openings after it.
 */
import { P } from "../stark/field/babybear.js";
import type { Circuit, Wire } from "./circuit.js";
import { RecursionError } from "./errors.js";

export class CircuitDuplex {
  private input: Wire[] = [];
  /** The row whose outputs are being sampled, and the next output position; null: none available. */
  private out: { row: number; next: number } | null = null;
  private started = false;
  private lastRow = -1;

  constructor(private readonly c: Circuit) {}

  observe(w: Wire): void {
    if (!w.base) throw new RecursionError("CIRCUIT", "the transcript observes base-field wires (unpack K values first)");
    this.out = null;
    this.input.push(w);
    if (this.input.length === 8) this.duplex();
  }

  observeMany(ws: readonly Wire[]): void {
    for (const w of ws) this.observe(w);
  }

  /** A K wire, as its four coordinates. */
  observeExt(w: Wire): void {
    this.observeMany(this.c.unpack(w));
  }

  private duplex(): void {
    if (this.started && this.c.p2.length - 1 !== this.lastRow) {
      throw new RecursionError("CIRCUIT", "another Poseidon2 row interrupted the transcript's chain");
    }
    const l = this.input.length;
    const rate = Array.from({ length: 8 }, (_, i) => (i < l ? ("read" as const) : ("zero" as const)));
    const rateIn = Array.from({ length: 8 }, (_, i) => (i < l ? this.input[i]!.id : null));
    const initCap = [0, 0, 0, 0, 0, 0, 0, l % P];
    this.c.permute({ rate, rateIn, compress: false, bit: null, chain: this.started, initCap }, new Array(8).fill(null));
    this.started = true;
    this.lastRow = this.c.p2.length - 1;
    this.input = [];
    this.out = { row: this.lastRow, next: 0 };
  }

  sample(): Wire {
    if (this.input.length > 0 || this.out === null || this.out.next === 8) this.duplex();
    const o = this.out!;
    return this.c.outputWireOf(o.row, o.next++);
  }

  /** Four samples as a K wire. */
  sampleExt(): Wire {
    const s = [this.sample(), this.sample(), this.sample(), this.sample()];
    return this.c.pack(s);
  }

  /** A sample below p − 1 and its canonical bits (the low `bits` of them are the drawn integer). */
  sampleBits(): Wire[] {
    return this.c.bits31(this.sample());
  }

  /** The proof of work: observe the nonce; the next sample is below p − 1 with `bits` low zero bits. */
  checkPow(nonce: Wire, bits: number): void {
    this.observe(nonce);
    const b = this.sampleBits();
    for (let i = 0; i < bits; i++) this.c.assertZero(b[i]!, `proof of work bit ${i}`);
  }
}
