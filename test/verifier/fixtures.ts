/** Proofs of the TS test set for the on-chain verifier tests (keccak configuration, small heights, generated once per file). */
import { fibAir, mixAir, lookupAir } from "../../src/stark/airs/index.js";
import { DEFAULT_OPTIONS, TEST_OPTIONS } from "../../src/stark/options.js";
import { transferAir, buildTransferInstance } from "../../src/rollup/air/index.js";
import { buildBatch, RollupState, witnessFromSegment } from "../../src/rollup/index.js";
import { keyDigestFromSeed } from "../../src/rollup/account.js";
import type { AirInstance } from "../../src/stark/air/air.js";
import { prove, type Case } from "./helpers.js";

/** A transfer-v1 segment of 2^6 rows (tree depth 4): valid, overdraft, oversized amount, new account. */
export function transferInstance(): AirInstance {
  const balances = [500, 400, 300, 0, 20];
  const accounts = balances.map((balance, i) => ({ key: keyDigestFromSeed(i, 7), balance, nonce: 0 }));
  const state = RollupState.fromGenesis({ treeDepth: 4, accounts });
  const txs = [
    { from: 0, to: 1, amount: 100, nonce: 0 },
    { from: 1, to: 2, amount: 550, nonce: 0 },
    { from: 2, to: 3, amount: 2 ** 30 + 5, nonce: 0 },
    { from: 0, to: 4, amount: 5, nonce: 0 },
  ];
  return buildTransferInstance(witnessFromSegment(buildBatch(state, 1n, txs, 6).segments[0]!));
}

export interface CaseSpec {
  name: string;
  make: () => Promise<Case>;
  /** Policy the case verifies under (0 for the insecure test options). */
  minBits: number;
}

export const VALID_CASES: CaseSpec[] = [
  { name: "fib-v1 2^5 test", make: () => prove(fibAir, fibAir.sample(5, 3), TEST_OPTIONS), minBits: 0 },
  { name: "fib-v1 2^6 test, cap height 2", make: () => prove(fibAir, fibAir.sample(6, 8), { ...TEST_OPTIONS, logCap: 2 }), minBits: 0 },
  { name: "fib-v1 2^8 test", make: () => prove(fibAir, fibAir.sample(8, 4), TEST_OPTIONS), minBits: 0 },
  { name: "fib-v1 2^6 default", make: () => prove(fibAir, fibAir.sample(6, 5), DEFAULT_OPTIONS), minBits: 96 },
  { name: "mix-v1 2^5 test", make: () => prove(mixAir, mixAir.sample(5, 3), TEST_OPTIONS), minBits: 0 },
  { name: "mix-v1 2^7 test", make: () => prove(mixAir, mixAir.sample(7, 9), TEST_OPTIONS), minBits: 0 },
  { name: "mix-v1 2^5 default", make: () => prove(mixAir, mixAir.sample(5, 6), DEFAULT_OPTIONS), minBits: 96 },
  { name: "transfer-v1 2^6 test", make: () => prove(transferAir, transferInstance(), TEST_OPTIONS), minBits: 0 },
  // lookup-v1: `sum` 2^k rows and the fixed 2^8-row `bytes` table, so either table can be the taller.
  { name: "lookup-v1 sum 2^4 (bytes taller) test", make: () => prove(lookupAir, lookupAir.sample(4, 3), TEST_OPTIONS), minBits: 0 },
  { name: "lookup-v1 sum 2^8 (one height) test", make: () => prove(lookupAir, lookupAir.sample(8, 4), TEST_OPTIONS), minBits: 0 },
  { name: "lookup-v1 sum 2^10 test, cap height 1", make: () => prove(lookupAir, lookupAir.sample(10, 5), { ...TEST_OPTIONS, logCap: 1 }), minBits: 0 },
  { name: "lookup-v1 sum 2^9 default, cap height 2", make: () => prove(lookupAir, lookupAir.sample(9, 6), { ...DEFAULT_OPTIONS, logCap: 2 }), minBits: 96 },
  { name: "lookup-v1 sum 2^6 blowup 2^6", make: () => prove(lookupAir, lookupAir.sample(6, 7), { ...TEST_OPTIONS, logBlowup: 6, friLogArity: 4 }), minBits: 0 },
];
