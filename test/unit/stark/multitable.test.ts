/**
 * Protocol v2 features: multi-table proofs of mixed heights, preprocessed columns and verification
 * keys, LogUp buses, Merkle caps, both hash configurations — and every way to tamper with them.
 */
import { strict as assert } from "node:assert";
import { lookupAir, lookupInstance, byteColumn } from "../../../src/stark/airs/lookup.js";
import { fibAir } from "../../../src/stark/airs/index.js";
import { defineAir, type Air, type AirInstance } from "../../../src/stark/air/air.js";
import { proveStark } from "../../../src/stark/prover.js";
import { verifyStark, type VerifierPolicy } from "../../../src/stark/verifier.js";
import { decodeProof, encodeProof, type StarkProof } from "../../../src/stark/proof.js";
import { TEST_OPTIONS, DEFAULT_OPTIONS, type ProofOptions } from "../../../src/stark/options.js";
import { StarkError } from "../../../src/stark/errors.js";
import { P, add } from "../../../src/stark/field/babybear.js";
import { addE, negE } from "../../../src/stark/field/extension.js";
import { verificationKey } from "../../../src/stark/vk.js";
import { proofLayout } from "../../../src/stark/layout.js";
import type { HashConfig } from "../../../src/stark/hash/config.js";
import { JsBackend } from "../../../src/backends/js/index.js";
import { Rng } from "../../utils/rng.js";

const ADDRESS = Uint8Array.from({ length: 20 }, (_, i) => 0xa0 + i);
const LOW: VerifierPolicy = { minSecurityBits: 0 };
const backend = new JsBackend();
const HASHES: HashConfig[] = ["keccak", "poseidon2"];

function verify(air: Air, proof: Uint8Array | StarkProof, inst: AirInstance, policy = LOW) {
  return verifyStark({ air, proof, publicInputs: inst.publicInputs, publicColumns: inst.publicColumns, proverAddress: ADDRESS, policy });
}

function prove(air: Air, instance: AirInstance, hash: HashConfig, options: ProofOptions = TEST_OPTIONS, checkConstraints = true) {
  return proveStark({ air, instance, options, hash, proverAddress: ADDRESS, backend, checkConstraints });
}

function rejects(fn: () => unknown, code?: string, pattern?: RegExp): StarkError {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof StarkError, `expected a StarkError, got ${String(err)}`);
    if (code) assert.equal(err.code, code, err.message);
    if (pattern) assert.match(err.message, pattern);
    return err;
  }
  assert.fail("accepted");
}

/** Byte columns a, b of 2^logRows rows, deterministic. */
function bytesOf(logRows: number): { a: number[]; b: number[] } {
  const n = 2 ** logRows;
  return { a: Array.from({ length: n }, (_, i) => (i * 37 + 11) % 256), b: Array.from({ length: n }, (_, i) => (i * 91 + 5) % 256) };
}

describe("stark v2: multi-table proofs, LogUp, preprocessed columns, both hash configurations", function () {
  this.timeout(120_000);

  for (const hash of HASHES) {
    it(`lookup-v1 (two tables of different heights, a LogUp range check) round-trips: ${hash}`, async () => {
      for (const [logRows, options] of [[2, TEST_OPTIONS], [5, TEST_OPTIONS], [8, TEST_OPTIONS], [11, TEST_OPTIONS], [6, { ...DEFAULT_OPTIONS, powBits: 4 }]] as const) {
        const inst = lookupAir.sample(logRows, 3);
        const { bytes, proof } = await prove(lookupAir, inst, hash, options);
        assert.equal(proof.hash, hash);
        assert.deepEqual(proof.logHeights, [logRows, 8]);
        const res = verify(lookupAir, bytes, inst);
        assert.equal(res.hash, hash);
        assert.equal(res.logTraceHeight, Math.max(logRows, 8));
        assert.deepEqual(res.vk, verificationKey(lookupAir, hash, options, [logRows, 8]).digest);
      }
    });

    it(`Merkle caps: proofs with cap heights 1..4 verify, and a cap digest changed is rejected: ${hash}`, async () => {
      const inst = lookupAir.sample(6, 9);
      for (const logCap of [1, 2, 4]) {
        const { bytes, proof } = await prove(lookupAir, inst, hash, { ...TEST_OPTIONS, logCap });
        assert.equal(proof.mainCaps[0]!.length, 2 ** logCap);
        verify(lookupAir, bytes, inst);
        const bad = { ...proof, mainCaps: proof.mainCaps.map((c, g) => (g === 1 ? [c[1]!, c[0]!, ...c.slice(2)] : c)) };
        rejects(() => verify(lookupAir, bad, inst), "VERIFY_FAILED");
      }
    });

    it(`single-table AIRs prove and verify in the ${hash} configuration`, async () => {
      const inst = fibAir.sample(7, 2);
      const { bytes } = await prove(fibAir, inst, hash);
      verify(fibAir, bytes, inst);
    });
  }

  it("a table height outside the table's range is refused by the prover and by the decoder", async () => {
    const inst = lookupAir.sample(4, 1);
    const bad = { ...inst, extraTraces: [[new Uint32Array(512)]] };
    await assert.rejects(prove(lookupAir, bad, "keccak"), /bytes: trace height 2\^9 outside 2\^8..2\^8/);
  });

  describe("buses", () => {
    const logRows = 4;
    const { a, b } = bytesOf(logRows);

    it("a bus entry missing, duplicated or extra: the prover refuses with BUS_IMBALANCE naming the tuple", async () => {
      const good = lookupInstance(logRows, 5, { a, b });
      await prove(lookupAir, good, "keccak");
      const withCounts = (edit: (m: Uint32Array) => void): AirInstance => {
        const m = good.extraTraces![0]![0]!.slice();
        edit(m);
        return { ...good, extraTraces: [[m]] };
      };
      const cases: [string, AirInstance, RegExp][] = [
        ["a receive missing", withCounts((m) => (m[a[0]!] = m[a[0]!]! - 1)), new RegExp(`tuple \\[${a[0]}\\] is sent 1 more time`)],
        ["a receive duplicated", withCounts((m) => (m[b[1]!] = m[b[1]!]! + 1)), new RegExp(`tuple \\[${b[1]}\\] is sent 1 fewer time`)],
        ["an extra send of a non-byte", lookupInstance(logRows, 5, { a: [256, ...a.slice(1)], b }), /tuple \[256\] is sent 1 more time/],
      ];
      for (const [what, inst, pattern] of cases) {
        const err = await prove(lookupAir, inst, "keccak").then(() => null, (e: unknown) => e);
        assert.ok(err instanceof StarkError && err.code === "BUS_IMBALANCE", `${what}: ${String(err)}`);
        assert.match(err.message, pattern, what);
      }
    });

    for (const hash of HASHES) {
      it(`a forced proof of an unbalanced bus is rejected (${hash}); so is one whose terminal sums were made to cancel`, async () => {
        const inst = lookupInstance(logRows, 5, { a: [300, ...a.slice(1)], b });
        const { bytes, proof } = await prove(lookupAir, inst, hash, TEST_OPTIONS, false);
        rejects(() => verify(lookupAir, bytes, inst), "VERIFY_FAILED", /logup: the tables' terminal sums do not cancel/);
        // Move the imbalance into table 1's terminal sum: the sums cancel, the running-sum constraint breaks.
        const [t0, t1] = proof.terminalSums;
        const forged = { ...proof, terminalSums: [t0!, negE(t0!)] };
        assert.notDeepEqual(forged.terminalSums[1], t1);
        rejects(() => verify(lookupAir, forged, inst), "VERIFY_FAILED");
      });
    }
  });

  describe("tampering after the challenges", () => {
    for (const hash of HASHES) {
      it(`an auxiliary value, a terminal sum, an OOD value or the heights changed: rejected (${hash})`, async () => {
        const inst = lookupAir.sample(5, 8);
        const { proof } = await prove(lookupAir, inst, hash);
        const auxGroup = proof.groupOpenings.findIndex((g) => g.aux !== null);
        const aux = proof.groupOpenings[auxGroup]!.aux!;
        const values = aux.values.slice();
        values[3] = add(values[3]!, 1);
        const edits: [string, StarkProof][] = [
          ["aux opening", { ...proof, groupOpenings: proof.groupOpenings.map((g, i) => (i === auxGroup ? { ...g, aux: { ...aux, values } } : g)) }],
          ["terminal sum", { ...proof, terminalSums: [addE(proof.terminalSums[0]!, [0, 1, 0, 0]), proof.terminalSums[1]!] }],
          // Table 0 (sum): 3 main values at z and at z·ω, then its auxiliary coordinates.
          ["aux OOD value", { ...proof, ood: proof.ood.map((x, i) => (i === 2 * 3 ? addE(x, [1, 0, 0, 0]) : x)) }],
        ];
        for (const [what, p] of edits) assert.throws(() => verify(lookupAir, p, inst), StarkError, what);
        // Another height for the sum table in the header: another verification key, another layout.
        const bytes = encodeProof(proof);
        const heightAt = 4 + 2 + 1 + 32 + 6 + 1;
        const b = bytes.slice();
        b[heightAt] = 6;
        rejects(() => verify(lookupAir, b, inst));
        const c = bytes.slice();
        c[heightAt + 1] = 9; // the bytes table's height is fixed
        rejects(() => verify(lookupAir, c, inst), "PROOF_DECODE", /height 2\^9 unsupported/);
      });
    }

    it("a proof made with other preprocessed columns is rejected: the verifier derives them itself", async () => {
      // Same AIR id (preprocessed values are not part of it), other preprocessed column.
      const evil = defineAir({
        name: "lookup-v1",
        version: 1,
        numPublicInputs: 2,
        tables: [
          { ...lookupAir.tables[0]!.definition },
          { ...lookupAir.tables[1]!.definition, preprocessed: (logRows: number) => [byteColumn(logRows).map((x) => (x === 7 ? 300 : x))] },
        ],
      });
      assert.deepEqual(evil.id, lookupAir.id);
      const evilColumn = evil.tables[1]!.preprocessedColumns(8)[0]!;
      const { a, b } = bytesOf(4);
      a[0] = 300; // a non-byte, "in range" for the evil table
      const ok = lookupInstance(4, 5, { a: a.map((x) => (x === 7 ? 8 : x)), b: b.map((x) => (x === 7 ? 8 : x)) });
      const sent = [...ok.trace[0]!, ...ok.trace[1]!];
      const counts = Uint32Array.from(evilColumn, (v) => sent.filter((x) => x === v).length);
      const inst: AirInstance = { ...ok, extraTraces: [[counts]] };
      for (const hash of HASHES) {
        const { bytes } = await prove(evil, inst, hash);
        verify(evil, bytes, inst);
        rejects(() => verify(lookupAir, bytes, inst), "VERIFY_FAILED");
      }
    });
  });

  describe("strict decoding", () => {
    for (const hash of HASHES) {
      it(`non-canonical elements anywhere are refused, digests included (${hash})`, async () => {
        const inst = lookupAir.sample(4, 6);
        const { bytes, proof } = await prove(lookupAir, inst, hash);
        const layout = proofLayout(lookupAir, proof.options, hash, proof.logHeights);
        const header = 4 + 2 + 1 + 32 + 6 + 1 + 2;
        const caps = 32 * layout.groups.length; // main caps (logCap 0)
        const auxCaps = 32 * layout.groups.filter((g) => g.auxWidth > 0).length;
        const terminals = header + caps + auxCaps;
        const ood = terminals + 16 * layout.numTerminals + 32 * layout.groups.length;
        const offsets: [string, number][] = [["terminal sum", terminals], ["OOD value", ood], ["last OOD value", ood + 16 * layout.numOod - 4]];
        if (hash === "poseidon2") offsets.push(["main cap digest", header], ["quotient cap digest", terminals + 16 * layout.numTerminals + 4]);
        for (const [what, at] of offsets) {
          const b = bytes.slice();
          new DataView(b.buffer).setUint32(at, P + 1, true);
          const err = rejects(() => verify(lookupAir, b, inst), "PROOF_DECODE");
          assert.match(err.message, /non-canonical/, what);
        }
        if (hash === "poseidon2") {
          // A Merkle sibling: every digest of a poseidon2 proof must be 8 field elements.
          const sib = decodeProof(bytes, lookupAir).groupOpenings[0]!.main.siblings[0]!;
          const at = indexOf(bytes, sib);
          const b = bytes.slice();
          new DataView(b.buffer).setUint32(at + 28, 0xffffffff, true);
          rejects(() => verify(lookupAir, b, inst), "PROOF_DECODE");
        }
        const u = bytes.slice();
        u[6] = 7; // unknown hash configuration
        rejects(() => verify(lookupAir, u, inst), "PROOF_DECODE", /unknown hash configuration/);
      });

      it(`500 random byte flips of a multi-table proof are all rejected with typed errors (${hash})`, async () => {
        const inst = lookupAir.sample(3, 4);
        const { bytes } = await prove(lookupAir, inst, hash);
        const rng = new Rng(hash === "keccak" ? 1 : 2);
        for (let i = 0; i < 500; i++) {
          const b = bytes.slice();
          const at = rng.int(b.length);
          b[at] = b[at]! ^ (1 + rng.int(255));
          rejects(() => verify(lookupAir, b, inst));
        }
      });
    }
  });

  describe("verification keys", () => {
    it("change with the hash configuration, the blowup, the cap and every table height; never come from the proof", () => {
      const base = verificationKey(lookupAir, "keccak", TEST_OPTIONS, [4, 8]).digest;
      const others = [
        verificationKey(lookupAir, "poseidon2", TEST_OPTIONS, [4, 8]).digest,
        verificationKey(lookupAir, "keccak", { ...TEST_OPTIONS, logBlowup: 3 }, [4, 8]).digest,
        verificationKey(lookupAir, "keccak", { ...TEST_OPTIONS, logCap: 1 }, [4, 8]).digest,
        verificationKey(lookupAir, "keccak", TEST_OPTIONS, [5, 8]).digest,
      ];
      for (const o of others) assert.notDeepEqual(o, base);
      assert.deepEqual(verificationKey(lookupAir, "keccak", { ...TEST_OPTIONS, numQueries: 9 }, [4, 8]).digest, base, "query count is not part of the key");
    });
  });
});

function indexOf(hay: Uint8Array, needle: Uint8Array): number {
  outer: for (let i = 0; i + needle.length <= hay.length; i++) {
    for (let j = 0; j < needle.length; j++) if (hay[i + j] !== needle[j]) continue outer;
    return i;
  }
  return -1;
}
