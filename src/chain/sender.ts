/**
 * Transaction sending with our own nonces. Every transaction is signed locally, so its hash is known
 * before the broadcast (a broadcast that errors may still have reached the mempool). When a receipt
 * does not come in time the sender reads the chain — the account's confirmed nonce, the mempool — and
 * reports what it learned; `sendAndConfirm` also asks the caller whether the intended state change
 * already happened before it sends anything again. Nothing is ever resent blindly.
 *
 * Nonces follow the chain: a transaction of ours, sent or even mined, that the node no longer knows
 * (a reorg took its block away, the node evicted it) frees its nonce, and the next send uses it again —
 * otherwise everything sent after it would wait forever behind the gap. A wait notices such a
 * disappearance within seconds instead of at the end of its timeout.
 */
import {
  BaseError,
  InsufficientFundsError,
  TransactionNotFoundError,
  TransactionReceiptNotFoundError,
  keccak256,
  type Address,
  type Chain,
  type Hex,
  type LocalAccount,
  type PublicClient,
  type TransactionReceipt,
} from "viem";
import { AbortError } from "../util/errors.js";
import { sleep } from "../util/sleep.js";
import { ChainError } from "./chain-error.js";
import { decodeRevert } from "./errors.js";
import { isTransientRpcError } from "./rpc.js";

export interface TxRequest {
  to: Address;
  data: Hex;
  value?: bigint;
  /** Skip estimation (estimation is also what surfaces a revert before anything is sent). */
  gas?: bigint;
}

/** Same meaning as jobs/'s TxOutcome: "timeout" = unknown, still possibly pending; "dropped" = will never be mined. */
export type TxOutcome = "success" | "reverted" | "timeout" | "dropped";

export interface SentTx {
  hash: Hex;
  nonce: number;
}

export interface TxSenderOpts {
  /** Receipt polling interval (ms). */
  pollIntervalMs: number;
  /** Gas estimate × (1 + margin). */
  gasMarginBps: number;
}

export const defaultTxSenderOpts: TxSenderOpts = { pollIntervalMs: 1000, gasMarginBps: 2000 };

export interface TxSenderModules {
  publicClient: PublicClient;
  account: LocalAccount;
  chain: Chain;
}

/** How many nonces below the chain's count the sender remembers its transactions (reorg depth). */
const REORG_MEMORY = 64;
/** How often a wait checks that its transaction is still in the mempool. */
const VANISH_CHECK_MS = 2_000;

interface Tracked {
  nonce: number;
  request: TxRequest;
}

export class TxSender {
  readonly address: Address;
  private readonly opts: TxSenderOpts;
  private readonly client: PublicClient;
  private readonly account: LocalAccount;
  private readonly chain: Chain;
  private nextNonce: number | null = null;
  /** Our unconfirmed transactions (forgotten once a receipt is seen, or when dropped). */
  private readonly tracked = new Map<string, Tracked>();
  private queue: Promise<unknown> = Promise.resolve();

  constructor(opts: Partial<TxSenderOpts>, modules: TxSenderModules) {
    this.opts = { ...defaultTxSenderOpts, ...opts };
    this.client = modules.publicClient;
    this.account = modules.account;
    this.chain = modules.chain;
    this.address = modules.account.address;
  }

  /** Sign and broadcast; resolves with the hash once the node accepted it. Reverts surface here, decoded. */
  send(request: TxRequest): Promise<SentTx> {
    // Gas is estimated before the queue: an estimate needs no nonce and may take seconds (an aggregate's
    // on-chain verification, a slow RPC), and a commit must not wait behind it for its lock's deadline.
    if (request.gas === undefined) return this.estimate(request).then((gas) => this.send({ ...request, gas }));
    // One send at a time: nonce allocation and broadcast must not interleave.
    const run = this.queue.then(() => this.sendNow(request));
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async sendNow(request: TxRequest, fixedNonce?: number): Promise<SentTx> {
    const gas = request.gas ?? (await this.estimate(request));
    const nonce = fixedNonce ?? (await this.allocateNonce());
    let hash: Hex | undefined;
    try {
      const fees = await this.client.estimateFeesPerGas();
      const serialized = await this.account.signTransaction({
        chainId: this.chain.id,
        type: "eip1559",
        nonce,
        gas,
        to: request.to,
        data: request.data,
        value: request.value ?? 0n,
        maxFeePerGas: fees.maxFeePerGas,
        maxPriorityFeePerGas: fees.maxPriorityFeePerGas,
      });
      hash = keccak256(serialized);
      this.tracked.set(hash, { nonce, request });
      try {
        await this.client.sendRawTransaction({ serializedTransaction: serialized });
      } catch (err) {
        // The node may know it already (a failover replayed the broadcast): that is a success. An RPC
        // that failed in transit (a timeout, a dropped connection) may have passed it on all the same:
        // it counts as sent, and waitForTx finds out (dropped if the node never saw it).
        if (!/already known|already imported/i.test(errorText(err)) && !isTransientRpcError(err)) throw err;
      }
      return { hash, nonce };
    } catch (err) {
      // Not broadcast (or unknown): release the nonce; the next send re-reads the pending count.
      if (hash) this.tracked.delete(hash);
      this.nextNonce = null;
      throw this.rejection(err);
    }
  }

  private async estimate(request: TxRequest): Promise<bigint> {
    try {
      const est = await this.client.estimateGas({ account: this.account, to: request.to, data: request.data, value: request.value });
      return est + (est * BigInt(this.opts.gasMarginBps)) / 10_000n;
    } catch (err) {
      throw this.rejection(err);
    }
  }

  private rejection(err: unknown): unknown {
    if (err instanceof ChainError) return err;
    if ((err instanceof BaseError && err.walk((e) => e instanceof InsufficientFundsError)) || /insufficient funds/i.test(errorText(err))) {
      return new ChainError({ code: "INSUFFICIENT_GAS_FUNDS", address: this.address }, `${this.address} cannot pay for gas: fund it with the chain's native currency`);
    }
    const decoded = decodeRevert(err);
    if (!decoded) return err;
    return new ChainError({ code: "TX_REJECTED", errorName: decoded.errorName, detail: formatArgs(decoded.args) }, `rejected by the contract: ${decoded.errorName}(${formatArgs(decoded.args)})`);
  }

  private async allocateNonce(): Promise<number> {
    const [pending, latest] = await Promise.all([
      this.client.getTransactionCount({ address: this.address, blockTag: "pending" }),
      this.client.getTransactionCount({ address: this.address, blockTag: "latest" }),
    ]);
    this.forgetBelow(latest - REORG_MEMORY);
    if (this.nextNonce === null || pending > this.nextNonce) this.nextNonce = pending;
    // A nonce of ours above the chain's count whose transaction the node no longer knows was lost (a
    // reorg took it, the node evicted it): use it again, or everything after it waits forever.
    const lost = await this.lostNonce(latest, this.nextNonce);
    if (lost !== null) return lost;
    return this.nextNonce++;
  }

  /** The lowest nonce in [from, to) whose transaction of ours (sent by this process) the node does not know. */
  private async lostNonce(from: number, to: number): Promise<number | null> {
    for (const [hash, t] of [...this.tracked.entries()].filter(([, t]) => t.nonce >= from && t.nonce < to).sort((x, y) => x[1].nonce - y[1].nonce)) {
      if (await this.known(hash as Hex)) continue;
      this.tracked.delete(hash);
      return t.nonce;
    }
    return null;
  }

  /** Transactions this far below the chain's nonce are final for us (deeper reorgs are not handled). */
  private forgetBelow(nonce: number): void {
    for (const [hash, t] of this.tracked) if (t.nonce < nonce) this.tracked.delete(hash);
  }

  /** Whether the node knows the transaction (in its mempool or mined). */
  private async known(hash: Hex): Promise<boolean> {
    try {
      await this.client.getTransaction({ hash });
      return true;
    } catch (err) {
      if (err instanceof TransactionNotFoundError) return false;
      throw err;
    }
  }

  /**
   * Wait for the receipt at most `timeoutMs`. On timeout, classify from chain state: our nonce used by
   * another transaction, or the transaction gone from the mempool → "dropped"; still pending → "timeout".
   */
  async waitForTx(hash: string, timeoutMs: number, signal?: AbortSignal): Promise<TxOutcome> {
    const deadline = Date.now() + timeoutMs;
    let lastSeen = Date.now();
    for (;;) {
      if (signal?.aborted) throw new AbortError();
      const receipt = await this.receipt(hash as Hex);
      // Kept in `tracked` after its receipt: a reorg may still take it away (allocateNonce).
      if (receipt) return receipt.status === "success" ? "success" : "reverted";
      if (Date.now() >= deadline) break;
      // Gone from the mempool (evicted, or its nonce went stale in a reorg)? Then say so now.
      if (Date.now() - lastSeen >= VANISH_CHECK_MS) {
        lastSeen = Date.now();
        if (!(await this.known(hash as Hex))) return this.classifyUnconfirmed(hash as Hex);
      }
      await sleep(Math.min(this.opts.pollIntervalMs, Math.max(1, deadline - Date.now())), signal);
    }
    return this.classifyUnconfirmed(hash as Hex);
  }

  /** What the chain says about a transaction with no receipt. */
  async classifyUnconfirmed(hash: Hex): Promise<TxOutcome> {
    const known = this.tracked.get(hash);
    let nonce = known?.nonce;
    let inMempool = false;
    try {
      const tx = await this.client.getTransaction({ hash });
      inMempool = true;
      nonce = tx.nonce;
    } catch (err) {
      if (!(err instanceof TransactionNotFoundError)) throw err;
    }
    // A receipt may have arrived between the last poll and now.
    const receipt = await this.receipt(hash);
    if (receipt) return receipt.status === "success" ? "success" : "reverted";
    if (nonce !== undefined) {
      const confirmed = await this.client.getTransactionCount({ address: this.address, blockTag: "latest" });
      if (confirmed > nonce) return this.dropped(hash); // the nonce went to another transaction
    }
    if (inMempool) return "timeout";
    return this.dropped(hash); // gone from the mempool, nonce unused: the next send reuses it
  }

  /** Kept in `tracked`: a nonce the node no longer knows is used again by the next send (allocateNonce). */
  private dropped(_hash: Hex): TxOutcome {
    return "dropped";
  }

  async receipt(hash: Hex): Promise<TransactionReceipt | null> {
    try {
      return await this.client.getTransactionReceipt({ hash });
    } catch (err) {
      if (err instanceof TransactionReceiptNotFoundError) return null;
      throw err;
    }
  }

  /**
   * Send, and keep waiting until confirmed. After every unconfirmed wait it reads chain state first:
   * `isDone()` true → the intended change happened (another tx, another process): stop without resending.
   * Resends only a transaction the chain reports dropped, at most `maxSends` times in all.
   */
  async sendAndConfirm(
    request: TxRequest,
    opts: { timeoutMs: number; isDone?: () => Promise<boolean>; maxSends?: number; maxWaits?: number; signal?: AbortSignal },
  ): Promise<{ hash: Hex; receipt: TransactionReceipt | null; sends: number }> {
    const maxSends = opts.maxSends ?? 3;
    const maxWaits = opts.maxWaits ?? 10;
    let sent = await this.send(request);
    let sends = 1;
    for (let waits = 0; waits < maxWaits; waits++) {
      const outcome = await this.waitForTx(sent.hash, opts.timeoutMs, opts.signal);
      if (outcome === "success") return { hash: sent.hash, receipt: await this.receipt(sent.hash), sends };
      if (outcome === "reverted") throw await this.revertError(sent.hash);
      if (opts.isDone && (await opts.isDone())) return { hash: sent.hash, receipt: null, sends };
      if (outcome === "timeout") continue; // still pending: wait again, never send a second one
      if (sends >= maxSends) break;
      sent = await this.send(request);
      sends++;
    }
    throw new ChainError({ code: "TX_NOT_CONFIRMED", hash: sent.hash, attempts: sends }, `transaction ${sent.hash} not confirmed; chain state re-read, nothing resent blindly`);
  }

  /** Replay a reverted transaction on the state before its block to recover the custom error. */
  async revertError(hash: Hex): Promise<ChainError> {
    let errorName: string | null = null;
    let detail = "";
    try {
      const tx = await this.client.getTransaction({ hash });
      const receipt = await this.client.getTransactionReceipt({ hash });
      await this.client.call({ account: tx.from, to: tx.to!, data: tx.input, value: tx.value, blockNumber: receipt.blockNumber - 1n });
    } catch (err) {
      const d = decodeRevert(err);
      if (d) {
        errorName = d.errorName;
        detail = formatArgs(d.args);
      }
    }
    return new ChainError({ code: "TX_REVERTED", hash, errorName }, `transaction ${hash} reverted${errorName ? `: ${errorName}(${detail})` : ""}`);
  }
}

function errorText(err: unknown): string {
  if (err instanceof BaseError) return `${err.shortMessage} ${err.details ?? ""}`;
  return err instanceof Error ? err.message : String(err);
}

function formatArgs(args: readonly unknown[]): string {
  return args.map((a) => (typeof a === "bigint" ? a.toString() : String(a))).join(", ");
}
