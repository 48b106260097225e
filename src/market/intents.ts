/**
 * Advisory lock intents (docs/p2p.md, the `intents` topic): before sending `lock`, a node announces the segment
 * it is about to lock and waits a moment for competing announcements. Among the intents for one segment
 * the lowest keccak256(segmentId ‖ signer) wins — a per-segment pseudo-random order, so no node is always
 * first — and the others back off until the winner's intent expires. Intents are advice, never trusted:
 * the chain decides who holds a lock, and a winner that never locks only delays the others by one TTL.
 */
import { keccakHex } from "../util/keccak.js";
import type { Clock } from "../util/clock.js";
import { systemClock } from "../util/clock.js";
import type { Logger } from "../util/logger.js";
import { nullLogger } from "../util/logger.js";
import { sleep } from "../util/sleep.js";

export type Address = `0x${string}`;

export interface LockIntentsOpts {
  /** How long to listen for competing intents after announcing ours (ms). */
  settleMs: number;
  /** How long an intent holds (ms): the winner has this long to get its lock mined. */
  ttlMs: number;
}

export const defaultLockIntentsOpts: LockIntentsOpts = { settleMs: 400, ttlMs: 15_000 };

export interface LockIntentsModules {
  /** This node's staking address (the signer of its intents). */
  self: Address;
  /** Publish our intent on gossip (best effort: a failure only means nobody backs off for us). */
  announce(i: { batchId: bigint; segmentIndex: number; expiresAt: number }): Promise<unknown>;
  clock?: Clock;
  logger?: Logger;
}

export type ClaimResult = { readonly ok: true } | { readonly ok: false; readonly holder: Address; readonly retryAt: number };

/** Priority of `signer` for `segmentId`: lower wins. */
export function intentPriority(segmentId: bigint, signer: Address): bigint {
  const buf = new Uint8Array(52);
  let v = segmentId;
  for (let i = 31; i >= 0; i--) {
    buf[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  buf.set(Buffer.from(signer.slice(2).toLowerCase(), "hex"), 32);
  return BigInt(keccakHex(buf));
}

export class LockIntents {
  private readonly opts: LockIntentsOpts;
  private readonly m: LockIntentsModules;
  private readonly clock: Clock;
  private readonly log: Logger;
  /** segmentId → signer → expiresAt (ms) */
  private readonly seen = new Map<bigint, Map<Address, number>>();

  constructor(opts: Partial<LockIntentsOpts>, modules: LockIntentsModules) {
    this.opts = { ...defaultLockIntentsOpts, ...opts };
    this.m = modules;
    this.clock = modules.clock ?? systemClock;
    this.log = modules.logger ?? nullLogger;
  }

  /** An intent received on gossip (already validated: signed by a staked, registered prover). */
  record(segmentId: bigint, signer: Address, expiresAt: number): void {
    if (signer.toLowerCase() === this.m.self.toLowerCase()) return;
    const now = this.clock.now();
    if (expiresAt <= now) return;
    // Bound how long anyone can hold a segment with one intent.
    const until = Math.min(expiresAt, now + this.opts.ttlMs);
    let bySigner = this.seen.get(segmentId);
    if (!bySigner) this.seen.set(segmentId, (bySigner = new Map()));
    bySigner.set(signer.toLowerCase() as Address, until);
    this.prune(now);
  }

  /** The live intent that beats ours for this segment, if any. */
  private better(segmentId: bigint, now: number): { holder: Address; until: number } | null {
    const mine = intentPriority(segmentId, this.m.self);
    let best: { holder: Address; until: number; p: bigint } | null = null;
    for (const [signer, until] of this.seen.get(segmentId) ?? []) {
      if (until <= now) continue;
      const p = intentPriority(segmentId, signer);
      if (p < mine && (best === null || p < best.p)) best = { holder: signer, until, p };
    }
    return best;
  }

  /** Announce our intent, listen for `settleMs`, and say whether we should go ahead and lock. */
  async claim(segmentId: bigint, batchId: bigint, segmentIndex: number, signal?: AbortSignal): Promise<ClaimResult> {
    const before = this.better(segmentId, this.clock.now());
    if (before) return { ok: false, holder: before.holder, retryAt: before.until };
    const expiresAt = this.clock.now() + this.opts.ttlMs;
    try {
      await this.m.announce({ batchId, segmentIndex, expiresAt });
    } catch (err) {
      this.log.debug("Lock intent not published", { segmentId, error: (err as Error).message });
    }
    await sleep(this.opts.settleMs, signal);
    const after = this.better(segmentId, this.clock.now());
    if (after) return { ok: false, holder: after.holder, retryAt: after.until };
    return { ok: true };
  }

  private prune(now: number): void {
    if (this.seen.size < 1024) return;
    for (const [id, bySigner] of this.seen) {
      for (const [s, until] of bySigner) if (until <= now) bySigner.delete(s);
      if (bySigner.size === 0) this.seen.delete(id);
    }
  }
}
