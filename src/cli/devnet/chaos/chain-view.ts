/**
 * The chaos checker's view of L1: every log of the token, the market and the rollup since the
 * deployment, decoded once. Logs older than `reorgDepth` blocks below the head are kept; the newer ones
 * are read again on every refresh, so a reorg never leaves a removed event in the view.
 */
import { parseEventLogs, type Address, type Log, type PublicClient } from "viem";
import { rollupAbi, segmentMarketAbi, stakeTokenAbi } from "../../../chain/abi/index.js";

const ABI = [...stakeTokenAbi, ...segmentMarketAbi, ...rollupAbi];

export interface ViewLog {
  readonly address: Address;
  readonly eventName: string;
  readonly args: Record<string, unknown>;
  readonly blockNumber: bigint;
  readonly logIndex: number;
  readonly transactionHash: string;
}

export class ChainView {
  private settled: ViewLog[] = [];
  private recent: ViewLog[] = [];
  /** Last block of `settled`. */
  private settledTo: bigint;
  private readonly timestamps = new Map<bigint, bigint>();
  head = 0n;
  headTimestamp = 0n;

  constructor(
    private readonly client: PublicClient,
    private readonly addresses: { token: Address; market: Address; rollup: Address },
    fromBlock: bigint,
    private readonly reorgDepth = 64n,
  ) {
    this.settledTo = fromBlock - 1n;
  }

  /**
   * Read the logs up to `head` (when omitted: the block below the chain's head). The newest block is
   * left for the next refresh: under interval mining anvil has answered for it before its logs and
   * state were complete (soak seed 1: a finalization without its log in the view, and balances read
   * "at" the head that summed to more than the supply read at the same block).
   */
  async refresh(head?: bigint): Promise<void> {
    const latest = head ?? (await this.client.getBlockNumber({ cacheTime: 0 }));
    const h = head ?? (latest > 0n ? latest - 1n : 0n);
    const safe = h - this.reorgDepth;
    if (safe > this.settledTo) {
      this.settled.push(...(await this.read(this.settledTo + 1n, safe)));
      this.settledTo = safe;
    }
    this.recent = h > this.settledTo ? await this.read(this.settledTo + 1n, h) : [];
    const block = await this.client.getBlock({ blockNumber: h });
    this.head = h;
    this.headTimestamp = block.timestamp;
    for (const k of [...this.timestamps.keys()]) if (k > this.settledTo) this.timestamps.delete(k);
  }

  private async read(fromBlock: bigint, toBlock: bigint): Promise<ViewLog[]> {
    const out: ViewLog[] = [];
    const step = 2_000n;
    for (let from = fromBlock; from <= toBlock; from += step) {
      const to = from + step - 1n < toBlock ? from + step - 1n : toBlock;
      const logs = await this.client.getLogs({ address: [this.addresses.token, this.addresses.market, this.addresses.rollup], fromBlock: from, toBlock: to });
      for (const l of parseEventLogs({ abi: ABI, logs: logs as Log[], strict: false })) {
        out.push({ address: l.address, eventName: l.eventName, args: (l.args ?? {}) as Record<string, unknown>, blockNumber: l.blockNumber!, logIndex: l.logIndex!, transactionHash: l.transactionHash! });
      }
    }
    return out;
  }

  /** Every decoded log so far, in chain order. */
  logs(): ViewLog[] {
    return [...this.settled, ...this.recent];
  }

  events(eventName: string, address?: Address): ViewLog[] {
    return this.logs().filter((l) => l.eventName === eventName && (address === undefined || l.address.toLowerCase() === address.toLowerCase()));
  }

  /** A block's timestamp (seconds), cached. */
  async timestampOf(blockNumber: bigint): Promise<bigint> {
    const t = this.timestamps.get(blockNumber);
    if (t !== undefined) return t;
    const b = await this.client.getBlock({ blockNumber });
    this.timestamps.set(blockNumber, b.timestamp);
    return b.timestamp;
  }
}
