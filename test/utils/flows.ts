/** Building blocks of the contract tests: provers with stake, batches with roots and transactions, proving. */
import { keccak256, parseEther, toBytes, toHex, type Address, type Hex, type LocalAccount } from "viem";
import { packRoot, proofHash, txDataHash } from "../../src/chain/statement.js";
import { roles, type System } from "./system.js";

export const Verdict = { Unknown: 0, Valid: 1, Revert: 2, BurnGas: 3 } as const;

export const MIN_PRICE = parseEther("1");
export const MAX_PRICE = parseEther("2");

export interface TestSegment {
  index: number;
  rootIn: Hex;
  rootOut: Hex;
  column: number[];
  txCount: number;
  witnessHash: Hex;
  txDataHash: Hex;
}

export interface TestBatch {
  batchId: bigint;
  /** Gas of the postBatch transaction. */
  postGas: bigint;
  segments: TestSegment[];
  finalRoot: Hex;
}

let salt = 0;
/** A root that is a valid 8 x u32 packing (distinct per call). */
export function testRoot(tag: number): Hex {
  return packRoot(Array.from({ length: 8 }, (_, k) => (tag * 8 + k + 1) % 2013265921));
}

export function peerIdFor(account: LocalAccount): Hex {
  return toHex(toBytes(`12D3KooW-${account.address}`));
}

/** Register `account` and self-bond `amount`. */
export async function addProver(sys: System, account: LocalAccount, amount = parseEther("1000")): Promise<void> {
  await sys.send(sys.c.staking.write.register([peerIdFor(account)], { account }));
  if (amount > 0n) await sys.send(sys.c.staking.write.bond([amount], { account }));
}

/** Post a batch of `n` segments whose roots chain from the rollup's current root. */
export async function postBatch(
  sys: System,
  n: number,
  opts: { minPrice?: bigint; maxPrice?: bigint; specifyRoots?: boolean; startRoot?: Hex } = {},
): Promise<TestBatch> {
  const start = opts.startRoot ?? (await sys.c.rollup.read.stateRoot());
  const roots = [start, ...Array.from({ length: n }, () => testRoot(++salt))];
  const segments: TestSegment[] = roots.slice(0, n).map((rootIn, index) => {
    const column = Array.from({ length: 4 + index }, (_, k) => (salt * 1000 + index * 10 + k) % 2013265921);
    return {
      index,
      rootIn,
      rootOut: roots[index + 1]!,
      column,
      txCount: 1 + index,
      witnessHash: keccak256(toBytes(`witness-${salt}-${index}`)),
      txDataHash: txDataHash(column),
    };
  });
  const specify = opts.specifyRoots ?? true;
  const zero = `0x${"00".repeat(32)}` as Hex;
  const input = segments.map((s) => ({
    rootIn: specify ? s.rootIn : zero,
    witnessHash: s.witnessHash,
    txDataHash: s.txDataHash,
    txCount: s.txCount,
  }));
  const batchId = await sys.c.market.read.nextBatchId();
  const finalRoot = roots[n]!;
  const receipt = await sys.send(
    sys.c.market.write.postBatch([input, specify ? finalRoot : zero, opts.minPrice ?? MIN_PRICE, opts.maxPrice ?? MAX_PRICE], {
      account: roles.deployer,
    }),
  );
  return { batchId, postGas: receipt.gasUsed, segments, finalRoot };
}

/** Deterministic proof bytes for (batch, segment, prover, attempt). */
export function proofBytes(batch: TestBatch, index: number, prover: Address, attempt = 0): Hex {
  return keccak256(toBytes(`proof-${batch.batchId}-${index}-${prover}-${attempt}`));
}

/** Lock, set the mock verdict for the proof, and commit. Returns the proof bytes. */
export async function proveSegment(
  sys: System,
  batch: TestBatch,
  index: number,
  prover: LocalAccount,
  opts: { verdict?: number; attempt?: number; lock?: boolean } = {},
): Promise<Hex> {
  const seg = batch.segments[index]!;
  if (opts.lock !== false) await sys.send(sys.c.market.write.lock([batch.batchId, index], { account: prover }));
  const proof = proofBytes(batch, index, prover.address, opts.attempt ?? 0);
  await sys.send(
    sys.mock.write.setVerdict([proofHash(proof), opts.verdict ?? Verdict.Valid, prover.address], { account: roles.deployer }),
  );
  await sys.send(
    sys.c.market.write.commitProof([batch.batchId, index, proofHash(proof), seg.rootIn, seg.rootOut], { account: prover }),
  );
  return proof;
}

export function aggregateArgs(batch: TestBatch, proofs: Hex[]) {
  return proofs.map((proof, i) => ({ proof, publicColumn: batch.segments[i]!.column }));
}

/** The account elected as rank `rank` for the batch (needs the batch fully committed). */
export async function electedAccount(sys: System, batchId: bigint, rank = 0): Promise<LocalAccount> {
  const b = await sys.c.market.read.getBatch([batchId]);
  const epoch = await sys.c.election.read.epochOf([b.fullyCommittedBlock]);
  const addr = await sys.c.election.read.aggregatorFor([epoch, rank]);
  const acct = [...roles.provers].find((a) => a.address === addr);
  if (!acct) throw new Error(`rank ${rank} aggregator ${addr} is not a test prover`);
  return acct;
}
