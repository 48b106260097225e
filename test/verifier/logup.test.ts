/**
 * The v2 features on-chain (keccak): LogUp terminal sums and auxiliary values, forced proofs of unbalanced
 * buses, preprocessed columns the verifier derives itself, table heights in the header, and the
 * configurations the Solidity verifier refuses by design (poseidon2, unbaked preprocessed commitments).
 */
import { strict as assert } from "node:assert";
import { lookupAir, fibAir } from "../../src/stark/airs/index.js";
import { byteColumn, lookupInstance, BYTE_BUS } from "../../src/stark/airs/lookup.js";
import { defineAir, type AirInstance } from "../../src/stark/air/air.js";
import { TEST_OPTIONS } from "../../src/stark/options.js";
import { proveStark } from "../../src/stark/prover.js";
import { StarkError } from "../../src/stark/errors.js";
import { JsBackend } from "../../src/backends/js/index.js";
import { P, add } from "../../src/stark/field/babybear.js";
import { toHex } from "../../src/stark/hash/keccak.js";
import { verifyOnChain } from "../../src/chain/stark-verifier.js";
import { CALL_GAS, PROVER, chainVerdict, prove, startChain, statementOf, tsVerdict, type Case, type Chain } from "./helpers.js";
import { proofSections, readWord, withWord } from "./sections.js";

/** lookup-v1 with another preprocessed column (255 replaced by 300): the same AIR id, another verification key. */
const forgedLookupAir = defineAir({
  name: "lookup-v1",
  version: 1,
  numPublicInputs: 2,
  tables: [
    {
      name: "sum",
      width: 3,
      numPublicColumns: 0,
      constraints(g) {
        const word = (a: ReturnType<typeof g.cur>, b: ReturnType<typeof g.cur>) => a.mul(256).add(b);
        g.assert(g.cur(2).sub(g.publicInput(0)).sub(word(g.cur(0), g.cur(1))), "firstRow");
        g.assert(g.next(2).sub(g.cur(2)).sub(word(g.next(0), g.next(1))), "transition");
        g.assert(g.cur(2).sub(g.publicInput(1)), "lastRow");
        g.send(BYTE_BUS, [g.cur(0)]);
        g.send(BYTE_BUS, [g.cur(1)]);
      },
    },
    {
      name: "bytes",
      width: 1,
      numPublicColumns: 0,
      numPreprocessed: 1,
      preprocessed: (logRows) => {
        const col = byteColumn(logRows);
        col[255] = 300;
        return [col];
      },
      minLogRows: 8,
      maxLogRows: 8,
      constraints(g) {
        g.receive(BYTE_BUS, [g.preprocessed(0)], g.cur(0));
      },
    },
  ],
});

/** A sum table of 2^6 rows whose bytes are `a` and `b`, with the byte table's counts adjusted by `adjust`. */
function instance(a: number[], b: number[], adjust: (counts: Uint32Array) => void = () => {}): AirInstance {
  const inst = lookupInstance(6, 9, { a, b });
  const counts = Uint32Array.from(inst.extraTraces![0]![0]!);
  adjust(counts);
  return { ...inst, extraTraces: [[counts]] };
}

const BYTES_A = Array.from({ length: 64 }, (_, i) => (i * 37) % 200);
const BYTES_B = Array.from({ length: 64 }, (_, i) => (i * 11 + 5) % 256);

describe("verifier: LogUp, preprocessed columns and multi-table headers on-chain", function () {
  this.timeout(120_000);
  let chain: Chain;
  let lookup: Case;

  before(async () => {
    chain = await startChain();
    lookup = await prove(lookupAir, lookupAir.sample(6, 3), TEST_OPTIONS);
  });
  after(async () => chain?.stop());

  async function expectRejected(c: Case, bytes: Uint8Array, error: string | null, tsCode?: string): Promise<void> {
    const ts = tsVerdict(lookupAir, bytes, statementOf(c), 0);
    assert.notEqual(ts, null, "the TS verifier accepted the proof");
    if (tsCode) assert.equal(ts, tsCode);
    const v = await chainVerdict(chain, lookupAir, bytes, statementOf(c), 0);
    assert.equal(v.valid, false, "the on-chain verifier accepted the proof");
    if (!v.valid) {
      if (error) assert.equal(v.error, error);
      else assert.match(v.error, /^StarkVerifier__/);
    }
  }

  it("rejects a terminal sum changed after its challenges were drawn, alone or balanced by another", async () => {
    const sec = proofSections(lookupAir, lookup.bytes);
    assert.equal(sec.numTerminals, 2);
    const t0 = sec.terminalSums, t1 = sec.terminalSums + 16;
    await expectRejected(lookup, withWord(lookup.bytes, t0, add(readWord(lookup.bytes, t0), 1)), "StarkVerifier__BusUnbalanced", "VERIFY_FAILED");
    // +1 on one table, −1 on the other: the sums still cancel, but each table's running sum now ends elsewhere.
    const shifted = withWord(withWord(lookup.bytes, t0, add(readWord(lookup.bytes, t0), 1)), t1, add(readWord(lookup.bytes, t1), P - 1));
    await expectRejected(lookup, shifted, "StarkVerifier__OodMismatch", "VERIFY_FAILED");
  });

  it("rejects a changed auxiliary value: an opened auxiliary row, an auxiliary OOD value", async () => {
    const sec = proofSections(lookupAir, lookup.bytes);
    for (const [g, group] of sec.groups.entries()) {
      const aux = group.aux!;
      await expectRejected(lookup, withWord(lookup.bytes, aux.values + 8, add(readWord(lookup.bytes, aux.values + 8), 1)), null, "VERIFY_FAILED");
      assert.ok(g < 2);
    }
    // Table 0 (sum, width 3, no preprocessed): its auxiliary OOD values start at value 6.
    const auxOod = sec.ood + 16 * 6;
    await expectRejected(lookup, withWord(lookup.bytes, auxOod, add(readWord(lookup.bytes, auxOod), 1)), "StarkVerifier__OodMismatch", "VERIFY_FAILED");
  });

  const unbalanced: [string, AirInstance][] = [
    ["a value that is not a byte", instance([300, ...BYTES_A.slice(1)], BYTES_B)],
    ["a received entry missing", instance(BYTES_A, BYTES_B, (c) => (c[BYTES_A[3]!]! -= 1))],
    ["a received entry duplicated", instance(BYTES_A, BYTES_B, (c) => (c[BYTES_A[3]!]! += 1))],
    ["an extra received entry", instance(BYTES_A, BYTES_B, (c) => (c[255]! += 1))],
  ];
  for (const [what, inst] of unbalanced) {
    it(`rejects a forced proof of an unbalanced bus: ${what}`, async () => {
      await assert.rejects(
        proveStark({ air: lookupAir, instance: inst, options: TEST_OPTIONS, proverAddress: PROVER, backend: new JsBackend() }),
        (err: unknown) => err instanceof StarkError && err.code === "BUS_IMBALANCE",
      );
      const forced = await prove(lookupAir, inst, TEST_OPTIONS, { checkConstraints: false });
      await expectRejected(forced, forced.bytes, "StarkVerifier__BusUnbalanced", "VERIFY_FAILED");
    });
  }

  it("rejects a proof made with other preprocessed columns (same AIR id, another verification key)", async () => {
    assert.equal(toHex(forgedLookupAir.id), toHex(lookupAir.id));
    // 300 passes the forged range check: a valid proof for the forged AIR, not for lookup-v1.
    const inst = lookupInstance(6, 9, { a: [300, ...BYTES_A.slice(1)], b: BYTES_B.map((v) => v % 255) });
    const counts = Uint32Array.from(inst.extraTraces![0]![0]!);
    counts[255] = 1; // the forged table's row 255 holds 300
    // The prover checks every constraint and bus of the forged AIR: an honest proof of a false range check.
    const r = await proveStark({ air: forgedLookupAir, instance: { ...inst, extraTraces: [[counts]] }, options: TEST_OPTIONS, proverAddress: PROVER, backend: new JsBackend() });
    const forged: Case = { air: lookupAir, instance: inst, options: TEST_OPTIONS, bytes: r.bytes };
    assert.equal(tsVerdict(forgedLookupAir, r.bytes, statementOf(forged), 0), null);
    await expectRejected(forged, r.bytes, null, "VERIFY_FAILED");
  });

  it("rejects a table height changed in the header", async () => {
    const sec = proofSections(lookupAir, lookup.bytes);
    const taller = lookup.bytes.slice();
    taller[sec.heights[0]!] = 7; // sum: 2^6 → 2^7 rows, within its range
    await expectRejected(lookup, taller, null, "PROOF_DECODE");
    const bytesTable = lookup.bytes.slice();
    bytesTable[sec.heights[1]!] = 9; // bytes: fixed at 2^8 rows
    await expectRejected(lookup, bytesTable, "StarkVerifier__TableHeight", "PROOF_DECODE");
    const short = lookup.bytes.slice();
    short[sec.heights[0]!] = 1; // below every table's minimum
    await expectRejected(lookup, short, "StarkVerifier__TableHeight", "PROOF_DECODE");
  });

  it("refuses by design what it does not implement: poseidon2 proofs and unbaked preprocessed cap heights", async () => {
    const inst = fibAir.sample(5, 3);
    const p2 = await proveStark({ air: fibAir, instance: inst, options: TEST_OPTIONS, hash: "poseidon2", proverAddress: PROVER, backend: new JsBackend() });
    const s = { publicInputs: inst.publicInputs, publicColumns: inst.publicColumns, prover: PROVER };
    assert.equal(tsVerdict(fibAir, p2.bytes, s, 0), null);
    const v = await verifyOnChain(chain.publicClient, await chain.verifier("fib-v1", 0), { airId: fibAir.id, proof: p2.bytes, ...s }, { gas: CALL_GAS });
    assert.deepEqual(v, { valid: false, error: "StarkVerifier__UnsupportedHash", args: [1n] });

    const capped = await prove(lookupAir, lookupAir.sample(6, 3), { ...TEST_OPTIONS, logCap: 3 });
    assert.equal(tsVerdict(lookupAir, capped.bytes, statementOf(capped), 0), null);
    const w = await chainVerdict(chain, lookupAir, capped.bytes, statementOf(capped), 0);
    assert.deepEqual(w, { valid: false, error: "StarkVerifier__PreprocessedUnsupported", args: [1n, 8n, 2n, 3n] });
  });
});
