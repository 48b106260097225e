/**
 * Event ingestion from a persisted cursor. Blocks are processed one at a time once `confirmations`
 * blocks bury them; each block's logs are fetched by block hash (so they belong to exactly that block)
 * and handed to the handler, whose writes are committed in the same atomic batch as the new cursor.
 *
 * Reorgs: the hashes of the last `reorgDepth` processed blocks are remembered. When a new block's parent
 * hash differs from the remembered hash of its predecessor — or the cursor's own block is no longer on
 * the chain — the ingester walks back to the newest block whose hash still matches (the common
 * ancestor), rolls the cursor back to it, tells the handler (`onReorg`), and re-emits from there. The
 * handler must therefore be idempotent per block (keyed writes, not increments).
 */
import type { Hex, Log, PublicClient, Address } from "viem";
import { sleep } from "../util/sleep.js";
import type { Logger } from "../util/logger.js";

/** Same shape as store/'s ChainCursor. */
export interface IngestCursor {
  readonly blockNumber: bigint;
  readonly blockHash: string;
}

/** What the ingester needs from the store (store/'s ChainCursorRepository fits). */
export interface CursorRepository<Op> {
  get(name: string): Promise<IngestCursor | null>;
  putOp(name: string, cursor: IngestCursor): Op;
}

export interface IngestedBlock {
  number: bigint;
  hash: Hex;
  parentHash: Hex;
  timestamp: bigint;
  logs: Log[];
}

export interface IngestHandler<Op> {
  /** Turn one block's logs into writes; they are committed atomically with the cursor. */
  onBlock(block: IngestedBlock): Promise<Op[]> | Op[];
  /** Blocks after `ancestor` were replaced; they will be emitted again. */
  onReorg?(ancestor: IngestCursor, depth: number): Promise<void> | void;
}

export interface EventIngesterOpts {
  /** Cursor name in the store (e.g. "market"). */
  name: string;
  /** Contract(s) whose logs are ingested; all logs when omitted. */
  address?: Address | Address[];
  /** Blocks a block must be buried under before it is processed. */
  confirmations: number;
  /** First block to process when no cursor is stored (the deployment block). */
  fromBlock: bigint;
  /** Most blocks processed per poll. */
  maxBlocksPerPoll: number;
  /** Recent block hashes remembered for reorg detection; deeper reorgs re-emit this many blocks. */
  reorgDepth: number;
  pollIntervalMs: number;
}

export const defaultEventIngesterOpts: Omit<EventIngesterOpts, "name" | "fromBlock"> = {
  confirmations: 2,
  maxBlocksPerPoll: 500,
  reorgDepth: 64,
  pollIntervalMs: 2000,
};

export interface EventIngesterModules<Op> {
  publicClient: PublicClient;
  cursors: CursorRepository<Op>;
  /** Atomic write (store/'s `Store.batch`). */
  commit(ops: Op[]): Promise<void>;
  handler: IngestHandler<Op>;
  logger?: Logger;
}

export interface PollResult {
  processed: number;
  reorgs: number;
  cursor: IngestCursor | null;
}

export class EventIngester<Op> {
  private readonly opts: EventIngesterOpts;
  private readonly m: EventIngesterModules<Op>;
  /** number → hash of recently processed blocks. */
  private readonly recent = new Map<bigint, string>();
  private cursor: IngestCursor | null = null;
  private loaded = false;

  constructor(opts: Partial<EventIngesterOpts> & Pick<EventIngesterOpts, "name" | "fromBlock">, modules: EventIngesterModules<Op>) {
    this.opts = { ...defaultEventIngesterOpts, ...opts };
    this.m = modules;
  }

  get position(): IngestCursor | null {
    return this.cursor;
  }

  /** Process every confirmed block not yet processed (at most maxBlocksPerPoll). */
  async poll(): Promise<PollResult> {
    if (!this.loaded) {
      this.cursor = await this.m.cursors.get(this.opts.name);
      if (this.cursor) this.recent.set(this.cursor.blockNumber, this.cursor.blockHash);
      this.loaded = true;
    }
    let processed = 0;
    let reorgs = 0;
    const head = await this.m.publicClient.getBlockNumber({ cacheTime: 0 });
    const target = head - BigInt(this.opts.confirmations);

    // The cursor's own block may have been replaced while we were away.
    if (this.cursor && this.cursor.blockNumber <= head) {
      const onChain = await this.m.publicClient.getBlock({ blockNumber: this.cursor.blockNumber });
      if (onChain.hash !== this.cursor.blockHash) {
        await this.rollBack(this.cursor.blockNumber - 1n);
        reorgs++;
      }
    }

    while (processed < this.opts.maxBlocksPerPoll) {
      const next = this.cursor ? this.cursor.blockNumber + 1n : this.opts.fromBlock;
      if (next > target) break;
      const block = await this.m.publicClient.getBlock({ blockNumber: next });
      const parentKnown = this.recent.get(next - 1n);
      if (parentKnown !== undefined && parentKnown !== block.parentHash) {
        await this.rollBack(next - 1n);
        reorgs++;
        if (reorgs > 8) break; // the chain is churning: try again next poll
        continue;
      }
      const logs = await this.m.publicClient.getLogs({ address: this.opts.address, blockHash: block.hash! } as Parameters<PublicClient["getLogs"]>[0]);
      const ingested: IngestedBlock = { number: next, hash: block.hash!, parentHash: block.parentHash, timestamp: block.timestamp, logs: logs as Log[] };
      const ops = await this.m.handler.onBlock(ingested);
      const cursor = { blockNumber: next, blockHash: block.hash! };
      await this.m.commit([...ops, this.m.cursors.putOp(this.opts.name, cursor)]);
      this.cursor = cursor;
      this.recent.set(next, block.hash!);
      this.recent.delete(next - BigInt(this.opts.reorgDepth));
      processed++;
    }
    return { processed, reorgs, cursor: this.cursor };
  }

  /** Poll until aborted. */
  async run(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      try {
        await this.poll();
      } catch (err) {
        if (signal.aborted) break;
        this.m.logger?.warn("Chain ingestion poll failed", { cursor: this.opts.name, error: (err as Error).message });
      }
      await sleep(this.opts.pollIntervalMs, signal).catch(() => undefined);
    }
  }

  /** Find the newest remembered block still on the chain at or below `from`, and move the cursor there. */
  private async rollBack(from: bigint): Promise<void> {
    const oldTip = this.cursor?.blockNumber ?? from;
    let ancestor: IngestCursor | null = null;
    for (let n = from; n >= 0n && n > from - BigInt(this.opts.reorgDepth); n--) {
      const known = this.recent.get(n);
      if (known === undefined) continue;
      const onChain = await this.m.publicClient.getBlock({ blockNumber: n });
      if (onChain.hash === known) {
        ancestor = { blockNumber: n, blockHash: known };
        break;
      }
    }
    if (!ancestor) {
      // Deeper than we remember: re-emit `reorgDepth` blocks from a block that is on the chain now.
      let n = from - BigInt(this.opts.reorgDepth);
      if (n < this.opts.fromBlock - 1n) n = this.opts.fromBlock - 1n;
      const b = n >= 0n ? await this.m.publicClient.getBlock({ blockNumber: n }) : null;
      ancestor = { blockNumber: n, blockHash: b?.hash ?? "0x" };
    }
    for (const k of [...this.recent.keys()]) if (k > ancestor.blockNumber) this.recent.delete(k);
    this.recent.set(ancestor.blockNumber, ancestor.blockHash);
    this.m.logger?.warn("Chain reorg: rolling back", { cursor: this.opts.name, ancestor: ancestor.blockNumber, depth: Number(oldTip - ancestor.blockNumber) });
    await this.m.commit([this.m.cursors.putOp(this.opts.name, ancestor)]);
    this.cursor = ancestor;
    await this.m.handler.onReorg?.(ancestor, Number(oldTip - ancestor.blockNumber));
  }
}
