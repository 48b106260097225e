/**
 * Transcript fidelity: the in-circuit duplex equals the native one on random absorb and sample
 * sequences, and the circuit it builds is a satisfied recursion-AIR statement; sampled bits are
 * decomposed canonically (the second 31-bit encoding x + p of a small x is refused).
 */
import { strict as assert } from "node:assert";
import { Circuit, type Wire } from "../../../src/recursion/circuit.js";
import { CircuitDuplex } from "../../../src/recursion/transcript.js";
import { compileProgram, buildInstance } from "../../../src/recursion/program.js";
import { recursionAir } from "../../../src/recursion/air.js";
import { DuplexTranscript } from "../../../src/stark/transcript.js";
import { proveStark } from "../../../src/stark/prover.js";
import { verifyStark } from "../../../src/stark/verifier.js";
import { TEST_OPTIONS } from "../../../src/stark/options.js";
import { StarkError } from "../../../src/stark/errors.js";
import { P } from "../../../src/stark/field/babybear.js";
import { createWasmBackend } from "../../../src/backends/wasm/index.js";
import { Rng } from "../../utils/rng.js";

const ADDRESS = new Uint8Array(20).fill(9);

type Step = { kind: "observe"; values: number[] } | { kind: "sample"; count: number } | { kind: "ext" } | { kind: "bits"; bits: number };

function randomScript(rng: Rng): Step[] {
  const steps: Step[] = [];
  for (let i = 0; i < 24; i++) {
    const r = rng.int(4);
    if (r === 0) steps.push({ kind: "observe", values: Array.from({ length: 1 + rng.int(13) }, () => rng.field()) });
    else if (r === 1) steps.push({ kind: "sample", count: 1 + rng.int(10) });
    else if (r === 2) steps.push({ kind: "ext" });
    else steps.push({ kind: "bits", bits: 1 + rng.int(27) });
  }
  return steps;
}

/** Run a script natively and in a circuit; returns both outputs and the circuit. */
function run(script: Step[], symbolic: boolean): { native: number[]; circuit: number[]; c: Circuit } {
  const t = new DuplexTranscript();
  const c = new Circuit(symbolic);
  const d = new CircuitDuplex(c);
  const native: number[] = [], inCircuit: number[] = [];
  const val = (w: Wire) => c.value(w);
  for (const s of script) {
    if (s.kind === "observe") {
      t.observeMany(s.values);
      for (const v of s.values) d.observe(c.witness(() => v, true));
    } else if (s.kind === "sample") {
      for (let i = 0; i < s.count; i++) {
        native.push(t.sample());
        inCircuit.push(val(d.sample())[0]!);
      }
    } else if (s.kind === "ext") {
      native.push(...t.sampleExt());
      inCircuit.push(...val(d.sampleExt()));
    } else {
      native.push(t.sampleBits(s.bits));
      const bits = d.sampleBits();
      inCircuit.push(bits.slice(0, s.bits).reduce((acc, b, i) => acc + val(b)[0]! * 2 ** i, 0));
    }
  }
  return { native, circuit: inCircuit, c };
}

describe("recursion: the in-circuit duplex transcript", function () {
  this.timeout(120_000);
  const backend = createWasmBackend({ threads: 1 });
  after(() => backend.close());

  it("equals the native transcript on random absorb and sample sequences", () => {
    const rng = new Rng(5);
    for (let k = 0; k < 40; k++) {
      const script = randomScript(rng);
      const { native, circuit } = run(script, false);
      assert.deepEqual(circuit, native, `script ${k}`);
    }
  });

  it("builds a circuit whose structure does not depend on the values, and which proves and verifies", async () => {
    const script = randomScript(new Rng(8));
    const concrete = run(script, false).c;
    const program = compileProgram(run(script, true).c);
    assert.deepEqual(compileProgram(concrete).logHeights, program.logHeights);
    const air = recursionAir(program);
    const instance = buildInstance(concrete, program);
    const { bytes } = await proveStark({ air, instance, options: TEST_OPTIONS, hash: "poseidon2", proverAddress: ADDRESS, backend });
    verifyStark({ air, proof: bytes, publicInputs: instance.publicInputs, publicColumns: [], proverAddress: ADDRESS, policy: { minSecurityBits: 0 } });
  });

  it("decomposes sampled bits canonically: the encoding x + p of a small x is refused, in the circuit and by the verifier", async () => {
    // A circuit that decomposes the witness x; the forger's circuit uses the bits of x + p.
    class Forger extends Circuit {
      private k = 0;
      override witness(hint: () => number | readonly [number, number, number, number], base: boolean): Wire {
        const i = this.k++;
        // Witnesses 1..31 are the bits of x (witness 0); give the bits of x + p instead.
        return super.witness(i >= 1 && i <= 31 ? () => ((5 + P) / 2 ** (i - 1)) & 1 : hint, base);
      }
      override assertMac(a: Wire, b: Wire, c: Wire, d: Wire, what: string): void {
        if (what.startsWith("canonical")) this.alu.push({ a: a.id, b: b.id, c: c.id, d: d.id, write: false });
        else super.assertMac(a, b, c, d, what);
      }
    }
    const build = (c: Circuit) => {
      const x = c.witness(() => 5, true);
      c.bits31(x);
      return c;
    };
    // The honest circuit refuses the second encoding when asked to use it.
    const honest = new Circuit();
    const x = honest.witness(() => 5, true);
    const bits = honest.bits31(x);
    assert.equal(bits.reduce((a, b, i) => a + honest.value(b)[0]! * 2 ** i, 0), 5);
    // The forger's trace: every check but the canonical one holds; a forced proof is rejected.
    const forged = build(new Forger());
    const program = compileProgram(build(new Circuit(true)));
    const air = recursionAir(program);
    const instance = buildInstance(forged, program);
    const { bytes } = await proveStark({ air, instance, options: TEST_OPTIONS, hash: "poseidon2", proverAddress: ADDRESS, backend, checkConstraints: false });
    assert.throws(() => verifyStark({ air, proof: bytes, publicInputs: instance.publicInputs, publicColumns: [], proverAddress: ADDRESS, policy: { minSecurityBits: 0 } }), StarkError);
    // And p − 1, which sampleBits rejects, is refused too.
    const c = new Circuit();
    assert.throws(() => c.bits31(c.witness(() => P - 1, true)), /canonical: below p − 1/);
  });
});
