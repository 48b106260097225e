/**
 * Transaction sending with our own nonces. Every transaction is signed locally, so its hash is known
 * before the broadcast (a broadcast that errors may still have reached the mempool). When a receipt
 * does not come in time the sender reads the chain — the account's confirmed nonce, the mempool — and
 * reports what it learned; `sendAndConfirm` also asks the caller whether the intended state change
 * already happened before it sends anything again. Nothing is ever resent blindly.
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
  /** Nonces of dropped transactions, below nextNonce: reused first so later ones are not stuck. */
  private readonly gaps = new Set<number>();
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
    // One send at a time: nonce allocation and broadcast must not interleave.
    const run = this.queue.then(() => this.sendNow(request));
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async sendNow(request: TxRequest): Promise<SentTx> {
    const gas = request.gas ?? (await this.estimate(request));
    const nonce = await this.allocateNonce();
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
        // The node may know it already (a failover replayed the broadcast): that is a success.
        if (!/already known|already imported/i.test(errorText(err))) throw err;
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
    if (this.gaps.size > 0) {
      const n = Math.min(...this.gaps);
      this.gaps.delete(n);
      return n;
    }
    if (this.nextNonce === null) this.nextNonce = await this.client.getTransactionCount({ address: this.address, blockTag: "pending" });
    return this.nextNonce++;
  }

  /**
   * Wait for the receipt at most `timeoutMs`. On timeout, classify from chain state: our nonce used by
   * another transaction, or the transaction gone from the mempool → "dropped"; still pending → "timeout".
   */
  async waitForTx(hash: string, timeoutMs: number, signal?: AbortSignal): Promise<TxOutcome> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (signal?.aborted) throw new AbortError();
      const receipt = await this.receipt(hash as Hex);
      if (receipt) return receipt.status === "success" ? "success" : "reverted";
      if (Date.now() >= deadline) break;
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
      if (confirmed > nonce) return this.dropped(hash, nonce, false); // the nonce went to another transaction
    }
    if (inMempool) return "timeout";
    return this.dropped(hash, nonce, true);
  }

  private dropped(hash: Hex, nonce: number | undefined, reusable: boolean): TxOutcome {
    this.tracked.delete(hash);
    if (reusable && nonce !== undefined && this.nextNonce !== null && nonce < this.nextNonce) this.gaps.add(nonce);
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
