/**
 * `npx tsx bench/options.ts [--air fib-v1] [--log 16] [--threads 1] [--repeat 2] [--recurse]`: options per use
 * (docs/performance.md §Options per use; the recursive verifier takes AIRs without public columns:
 * fib-v1, transfer-v2-d20, …). For blowup 2, 4, 8 and 16, the fewest queries that keep the
 * conjectured security of `default` at this height (16 PoW bits), plus `default` with 20 PoW bits:
 * - the prover: wall and CPU time of a poseidon2 proof on wasm (the best of `--repeat`);
 * - the recursion verifier's cost: the rows of each table of the 1-to-1 recursion program that verifies
 *   that proof, and its committed cells (Σ 2^height × columns); with `--recurse`, the time to prove it;
 * - the L1 verifier's size drivers: the keccak proof's bytes and its calldata gas (EIP-2028); the
 *   execution gas per setting is bench/verifier-levers.ts's (it needs anvil and solc).
 * `--join`: the same settings for recursion proofs: a 1-to-1 recursion proof over one `air` proof is
 * proven with each setting (CPU time), and the program the next layer runs to verify it is counted.
 * Writes bench/results/options.json (or `--out`). Figures, not assertions.
 */
import "../src/util/polyfills.js";
import { mkdirSync, writeFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { dirname } from "node:path";
import { airRegistry, type Air } from "../src/stark/air/air.js";
import "../src/stark/airs/index.js";
import "../src/rollup/air-v2/index.js";
import { proveStark } from "../src/stark/prover.js";
import { DEFAULT_OPTIONS, type ProofOptions } from "../src/stark/options.js";
import { estimateSecurity } from "../src/stark/security.js";
import { decodeProof } from "../src/stark/proof.js";
import { createWasmBackend } from "../src/backends/wasm/index.js";
import { childKey, describe, recurse, recursionKey, recursionProgram } from "../src/recursion/recurse.js";
import { KeySet } from "../src/recursion/keys.js";

const args = process.argv.slice(2);
const flag = (name: string, dflt: string): string => {
  const i = args.indexOf(name);
  return i >= 0 && args[i + 1] ? args[i + 1]! : dflt;
};
const air: Air = airRegistry.resolve(flag("--air", "fib-v1"));
const log = Number(flag("--log", "16"));
const threads = Number(flag("--threads", "1"));
const repeat = Math.max(1, Number(flag("--repeat", "2")));
const withRecursion = args.includes("--recurse");
const address = new Uint8Array(20).fill(0x42);

const bitsOf = (o: ProofOptions): number => estimateSecurity(air, o, log, "poseidon2").conjecturedBits;
const target = bitsOf(DEFAULT_OPTIONS);
/** The fewest queries at this blowup and PoW that reach the default's bits. */
function atTarget(logBlowup: number, powBits: number): ProofOptions {
  for (let q = 1; q <= 128; q++) {
    const o = { ...DEFAULT_OPTIONS, logBlowup, powBits, numQueries: q };
    if (bitsOf(o) >= target) return o;
  }
  throw new Error(`no query count reaches ${target} bits at blowup 2^${logBlowup}`);
}
const minLogBlowup = args.includes("--join") ? 1 : Math.max(1, Math.ceil(Math.log2(Math.max(...air.tables.map((t) => t.numQuotientChunks)))));
const settings: [string, ProofOptions][] = [];
for (let b = minLogBlowup; b <= 4; b++) settings.push([`blowup ${2 ** b}`, atTarget(b, DEFAULT_OPTIONS.powBits)]);
settings.push(["blowup 8, 20 PoW bits", atTarget(3, 20)]);

const cpuMs = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};
/** Calldata gas of the bytes (EIP-2028: 16 per non-zero byte, 4 per zero byte). */
const calldataGas = (b: Uint8Array): number => b.reduce((a, x) => a + (x === 0 ? 4 : 16), 0);

const backend = createWasmBackend({ threads });
const inst = air.sample(log, 7);
const rows: Record<string, unknown>[] = [];

/** The rows and committed cells of the 1-to-1 recursion program that verifies `proof` of `a`. */
function verifierCost(a: Air, proof: ReturnType<typeof decodeProof>) {
  const { program, air: rAir } = recursionProgram(describe([{ air: a, proof }]));
  const tables = rAir.tables.map((t) => {
    const k = t.name as keyof typeof program.rows;
    return { table: t.name, rows: program.rows[k], logHeight: program.logHeights[k], columns: t.width + 4 * t.numAux + t.numPreprocessed };
  });
  return { tables, rows: tables.reduce((x, t) => x + t.rows, 0), committedCells: tables.reduce((x, t) => x + 2 ** t.logHeight * t.columns, 0) };
}

if (args.includes("--join")) {
  // Recursion proofs as the measured proofs: a 1-to-1 statement over one `air` proof (default options),
  // proven with each setting; its verifier cost is the program the next layer (a join) runs for it.
  const child = await proveStark({ air, instance: inst, options: DEFAULT_OPTIONS, hash: "poseidon2", proverAddress: address, backend });
  const childProof = decodeProof(child.bytes, air);
  const desc = describe([{ air, proof: childProof }]);
  const cKey = await childKey({ air, proof: childProof }, backend);
  try {
    for (const [name, options] of settings) {
      const keys = new KeySet([cKey, await recursionKey(desc, options, "poseidon2", backend)]);
      let best = { ms: Infinity, cpu: 0 };
      let one: Awaited<ReturnType<typeof recurse>> | null = null;
      for (let r = 0; r < repeat; r++) {
        const t0 = performance.now(), c0 = cpuMs();
        one = await recurse({ children: [{ air, proof: child.bytes, publicInputs: inst.publicInputs, proverAddress: address }], keys, options, hash: "poseidon2", proverAddress: address, backend });
        const ms = performance.now() - t0;
        if (ms < best.ms) best = { ms, cpu: cpuMs() - c0 };
      }
      const rAir = recursionProgram(one!.descriptor).air;
      const rProof = decodeProof(one!.bytes, rAir);
      const row = {
        setting: name, options, conjecturedBits: +estimateSecurity(rAir, options, rProof.logHeights, "poseidon2").conjecturedBits.toFixed(1),
        recursionProveMs: Math.round(best.ms), recursionProveCpuMs: Math.round(best.cpu), recursionProofBytes: one!.bytes.length,
        nextLayer: verifierCost(rAir, rProof),
      };
      console.log(JSON.stringify(row));
      rows.push(row);
    }
  } finally {
    await backend.close();
  }
} else try {
  for (const [name, options] of settings) {
    let best = { ms: Infinity, cpu: 0 };
    let bytes = new Uint8Array(0) as Uint8Array;
    for (let r = 0; r < repeat; r++) {
      const t0 = performance.now(), c0 = cpuMs();
      const res = await proveStark({ air, instance: inst, options, hash: "poseidon2", proverAddress: address, backend, checkConstraints: false });
      const ms = performance.now() - t0;
      if (ms < best.ms) best = { ms, cpu: cpuMs() - c0 };
      bytes = res.bytes;
    }
    const proof = decodeProof(bytes, air);
    const desc = describe([{ air, proof }]);
    let recurseMs: number | undefined;
    if (withRecursion) {
      const keys = new KeySet([await childKey({ air, proof }, backend), await recursionKey(desc, DEFAULT_OPTIONS, "poseidon2", backend)]);
      const t0 = performance.now();
      await recurse({ children: [{ air, proof: bytes, publicInputs: inst.publicInputs, proverAddress: address }], keys, options: DEFAULT_OPTIONS, hash: "poseidon2", proverAddress: address, backend });
      recurseMs = Math.round(performance.now() - t0);
    }
    const keccak = await proveStark({ air, instance: inst, options, hash: "keccak", proverAddress: address, backend, checkConstraints: false });
    const row = {
      setting: name, options, conjecturedBits: +bitsOf(options).toFixed(1),
      proveMs: Math.round(best.ms), proveCpuMs: Math.round(best.cpu),
      recursion: { ...verifierCost(air, proof), ...(recurseMs !== undefined ? { proveMs: recurseMs } : {}) },
      poseidon2ProofBytes: bytes.length, keccakProofBytes: keccak.bytes.length, keccakCalldataGas: calldataGas(keccak.bytes),
    };
    console.log(JSON.stringify(row));
    rows.push(row);
  }
} finally {
  await backend.close();
}
const out = flag("--out", "bench/results/options.json");
mkdirSync(dirname(out), { recursive: true });
writeFileSync(out, JSON.stringify({ date: new Date().toISOString(), loadavg: loadavg(), node: process.version, cpu: cpus()[0]?.model, cores: cpus().length, air: air.name, logRows: log, threads, targetBits: target, results: rows }, null, 2));
console.log(`wrote ${out}`);
