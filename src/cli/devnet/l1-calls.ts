/**
 * Every L1 call the devnet's network makes to the system contracts (market, rollup, election, staking),
 * read from the chain: each transaction's function, its batch and the gas its receipt shows, and per batch
 * the segments, transactions and posted → finalized latency (L1 block timestamps). What `<dir>/summary.json`
 * holds (issue 19: gas of every call by kind, flat across segment counts, under EIP-7825's cap).
 */
import { decodeFunctionData, parseEventLogs, type Abi, type Address, type Hex, type PublicClient } from "viem";
import { aggregatorElectionAbi, proverStakingAbi, rollupAbi, segmentMarketAbi } from "../../chain/abi/index.js";
import type { SystemAddresses } from "../../chain/contracts.js";
import type { PostedBatch } from "../../sequencer/index.js";
import { EIP7825_TX_GAS_CAP } from "./aggregate.js";

export interface L1Call {
  /** `<contract>.<function>`, e.g. `market.postBatch`, `rollup.submitAggregate`. */
  readonly kind: string;
  readonly batchId: bigint | null;
  readonly gasUsed: bigint;
  readonly status: "success" | "reverted";
  readonly block: bigint;
  readonly timestamp: bigint;
  readonly hash: Hex;
  readonly from: Address;
}

export interface GasByKind {
  [kind: string]: { calls: number; total: bigint; max: bigint };
}

export interface BatchReport {
  batchId: bigint;
  kind: "data" | "bundle";
  segments: number;
  transactions: number;
  /** L1 timestamps (seconds) of the postBatch and of the finalization, when seen. */
  postedAt: bigint | null;
  finalizedAt: bigint | null;
  latencySeconds: number | null;
  gas: GasByKind;
  gasTotal: bigint;
}

export interface L1Report {
  eip7825Cap: number;
  /** The largest gas any single call used, and whether every call stayed under the cap. */
  maxCallGas: bigint;
  allUnderCap: boolean;
  gasByKind: GasByKind;
  batches: BatchReport[];
  /** Calls of no batch (registration, staking, election epochs). */
  otherCalls: number;
}

/** Scans blocks once, incrementally, from the deployment block. */
export class L1CallLog {
  private next: bigint;
  readonly calls: L1Call[] = [];
  private readonly targets: Map<string, { name: string; abi: Abi }>;

  constructor(
    private readonly client: PublicClient,
    private readonly addresses: SystemAddresses,
    private readonly fromBlock: bigint,
  ) {
    this.next = fromBlock + 1n;
    this.targets = new Map([
      [addresses.market.toLowerCase(), { name: "market", abi: segmentMarketAbi as Abi }],
      [addresses.rollup.toLowerCase(), { name: "rollup", abi: rollupAbi as Abi }],
      [addresses.election.toLowerCase(), { name: "election", abi: aggregatorElectionAbi as Abi }],
      [addresses.staking.toLowerCase(), { name: "staking", abi: proverStakingAbi as Abi }],
    ]);
  }

  /** Read the blocks not read yet (up to the head). */
  async scan(): Promise<void> {
    const head = await this.client.getBlockNumber();
    for (; this.next <= head; this.next++) {
      const block = await this.client.getBlock({ blockNumber: this.next, includeTransactions: true });
      for (const tx of block.transactions) {
        const target = tx.to ? this.targets.get(tx.to.toLowerCase()) : undefined;
        if (!target) continue;
        const receipt = await this.client.getTransactionReceipt({ hash: tx.hash });
        let fn = "unknown";
        let batchId: bigint | null = null;
        try {
          const call = decodeFunctionData({ abi: target.abi, data: tx.input });
          fn = call.functionName;
          const inputs = (target.abi.find((x) => x.type === "function" && x.name === fn && "inputs" in x && x.inputs.length === (call.args?.length ?? 0)) as { inputs: readonly { name?: string }[] } | undefined)?.inputs;
          if (inputs?.[0]?.name === "batchId" && typeof call.args?.[0] === "bigint") batchId = call.args[0];
        } catch {
          // not a call of the ABI (a plain transfer): kept as "unknown"
        }
        if (batchId === null && fn === "postBatch") {
          const posted = parseEventLogs({ abi: segmentMarketAbi, eventName: "BatchPosted", logs: receipt.logs })[0];
          batchId = posted ? BigInt(posted.args.batchId) : null;
        }
        this.calls.push({ kind: `${target.name}.${fn}`, batchId, gasUsed: receipt.gasUsed, status: receipt.status, block: block.number, timestamp: block.timestamp, hash: tx.hash, from: tx.from });
      }
    }
  }

  /** The report: per batch of `posted` (the sequencer's), and every call by kind. */
  async report(posted: readonly PostedBatch[]): Promise<L1Report> {
    await this.scan();
    const finalized = await this.client.getContractEvents({ address: this.addresses.market, abi: segmentMarketAbi, eventName: "BatchFinalized", fromBlock: this.fromBlock, toBlock: "latest" });
    const finalizedAt = new Map<bigint, bigint>();
    for (const e of finalized) {
      const id = BigInt((e.args as { batchId: bigint | number }).batchId);
      const call = this.calls.find((c) => c.block === e.blockNumber);
      const ts = call?.timestamp ?? (await this.client.getBlock({ blockNumber: e.blockNumber! })).timestamp;
      if (!finalizedAt.has(id)) finalizedAt.set(id, ts);
    }
    const batches: BatchReport[] = posted.map((b) => {
      const mine = this.calls.filter((c) => c.batchId === b.batchId);
      const post = mine.find((c) => c.kind === "market.postBatch" && c.status === "success");
      const fin = finalizedAt.get(b.batchId) ?? null;
      return {
        batchId: b.batchId,
        kind: b.kind,
        segments: b.segments.length,
        transactions: b.transactions,
        postedAt: post?.timestamp ?? null,
        finalizedAt: fin,
        latencySeconds: post && fin !== null ? Number(fin - post.timestamp) : null,
        gas: byKind(mine),
        gasTotal: mine.reduce((t, c) => t + c.gasUsed, 0n),
      };
    });
    const maxCallGas = this.calls.reduce((m, c) => (c.gasUsed > m ? c.gasUsed : m), 0n);
    return {
      eip7825Cap: EIP7825_TX_GAS_CAP,
      maxCallGas,
      allUnderCap: maxCallGas < BigInt(EIP7825_TX_GAS_CAP),
      gasByKind: byKind(this.calls),
      batches,
      otherCalls: this.calls.filter((c) => c.batchId === null).length,
    };
  }
}

function byKind(calls: readonly L1Call[]): GasByKind {
  const out: GasByKind = {};
  for (const c of calls) {
    const k = (out[c.kind] ??= { calls: 0, total: 0n, max: 0n });
    k.calls++;
    k.total += c.gasUsed;
    if (c.gasUsed > k.max) k.max = c.gasUsed;
  }
  return out;
}

/** JSON with bigints as decimal strings. */
export function reportJson(r: unknown): string {
  return `${JSON.stringify(r, (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v), 2)}\n`;
}
