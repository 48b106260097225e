/**
 * JSON-RPC over several endpoints with failover. Requests go to the endpoint in use; a connection
 * error, a timeout, an HTTP 5xx or 429 moves to the next one and replays the request there (JSON-RPC
 * errors, e.g. a revert, are answers and never fail over). The pool is sticky: once an endpoint fails,
 * the next one stays in use until it fails in turn, so logs and `/status` can say which URL is live.
 */
import {
  BaseError,
  ContractFunctionRevertedError,
  ContractFunctionZeroDataError,
  createPublicClient,
  createTransport,
  createWalletClient,
  defineChain,
  http,
  HttpRequestError,
  LimitExceededRpcError,
  InternalRpcError,
  ResourceUnavailableRpcError,
  TimeoutError,
  UnknownRpcError,
  type Account,
  type Chain,
  type EIP1193RequestFn,
  type PublicClient,
  type Transport,
} from "viem";
import { ChainError } from "./chain-error.js";
import { AbortError } from "../util/errors.js";
import { sleep } from "../util/sleep.js";
import type { AnyWalletClient } from "./contracts.js";

export interface RpcPoolOpts {
  /** Endpoints in order of preference. May carry API keys: only `redactRpcUrl` forms are printed. */
  urls: readonly string[];
  /** Per-request timeout (ms) before the next endpoint is tried. */
  timeoutMs?: number;
  /**
   * The timeout of requests that execute contract code (eth_estimateGas, eth_call, eth_createAccessList;
   * default 60 s, never below `timeoutMs`). Estimating an aggregate that verifies several STARKs runs
   * the verifiers many times over: on a loaded provider that takes longer than a read, and giving up
   * after the read timeout meant no aggregate was ever submitted (chaos soak seed 1).
   */
  executionTimeoutMs?: number;
}

/** Methods that run contract code on the provider (their cost grows with the code, not the answer). */
const EXECUTING_METHODS: ReadonlySet<string> = new Set(["eth_estimateGas", "eth_call", "eth_createAccessList"]);

export interface RpcSwitch {
  from: string;
  to: string;
  reason: string;
}

/** `https://user:key@host/path/KEY` → `https://***@host/***`: enough to tell endpoints apart. */
export function redactRpcUrl(u: string): string {
  try {
    const url = new URL(u);
    const auth = url.username || url.password ? "***@" : "";
    const path = url.pathname && url.pathname !== "/" ? "/***" : "";
    return `${url.protocol}//${auth}${url.host}${path}`;
  } catch {
    return "<invalid url>";
  }
}

/** Connection-level failures that another endpoint may not have. */
export function isFailoverError(err: unknown): boolean {
  if (!(err instanceof BaseError)) return err instanceof TypeError; // fetch() failing outright
  let hit = false;
  err.walk((e) => {
    if (e instanceof TimeoutError) hit = true;
    else if (e instanceof HttpRequestError) hit = e.status === undefined || e.status >= 500 || e.status === 429;
    return hit;
  });
  return hit;
}

/**
 * Whether an error says "the RPC could not answer now" rather than "the chain says no": dropped
 * connections, timeouts, HTTP 5xx / 429, and JSON-RPC errors of the provider (limit exceeded, internal
 * error, resource unavailable). Not transient: a contract's revert or no contract at the address (an
 * answer), and endpoints that all refuse the connection (nothing listens there: most likely a wrong URL).
 */
export function isTransientRpcError(err: unknown): boolean {
  const unreachable = (e: ChainError): boolean => e.type.code === "RPC_UNREACHABLE" && !e.type.refused;
  if (err instanceof ChainError) return unreachable(err);
  if (!(err instanceof BaseError)) return err instanceof TypeError;
  let answer = false;
  let transient = false;
  err.walk((e) => {
    if (e instanceof ContractFunctionRevertedError || e instanceof ContractFunctionZeroDataError) answer = true;
    else if (e instanceof ChainError) transient ||= unreachable(e);
    else if (e instanceof TimeoutError || e instanceof HttpRequestError || e instanceof LimitExceededRpcError || e instanceof InternalRpcError || e instanceof ResourceUnavailableRpcError || e instanceof UnknownRpcError) transient = true;
    return false;
  });
  const refused = err.walk((e) => e instanceof ChainError && e.type.code === "RPC_UNREACHABLE" && e.type.refused === true);
  return transient && !answer && !refused;
}

export interface RpcRetryOpts {
  /** Give up (rethrow the last error) after this long. */
  timeoutMs: number;
  signal?: AbortSignal;
  /** Told of each failed attempt that will be retried. */
  onRetry?: (err: unknown, attempt: number) => void;
}

/** Run `read` again while it fails with a transient RPC error (backoff 0.5 s … 5 s), for at most `timeoutMs`. */
export async function withRpcRetry<T>(read: () => Promise<T>, o: RpcRetryOpts): Promise<T> {
  const end = Date.now() + o.timeoutMs;
  for (let attempt = 1; ; attempt++) {
    try {
      return await read();
    } catch (err) {
      if (o.signal?.aborted) throw new AbortError();
      if (!isTransientRpcError(err) || Date.now() >= end) throw err;
      o.onRetry?.(err, attempt);
      await sleep(Math.min(5_000, 250 * 2 ** Math.min(attempt, 5), Math.max(1, end - Date.now())), o.signal);
    }
  }
}

type RequestFn = (args: { method: string; params?: unknown }) => Promise<unknown>;

export class RpcPool {
  readonly urls: readonly string[];
  private readonly endpoints: RequestFn[];
  private readonly executing: RequestFn[];
  private index = 0;
  private readonly listeners: ((s: RpcSwitch) => void)[] = [];

  constructor(opts: RpcPoolOpts) {
    if (opts.urls.length === 0) throw new Error("RpcPool needs at least one URL");
    this.urls = [...opts.urls];
    const timeout = opts.timeoutMs ?? 10_000;
    const executionTimeout = Math.max(timeout, opts.executionTimeoutMs ?? 60_000);
    this.endpoints = this.urls.map((url) => http(url, { timeout, retryCount: 0 })({ retryCount: 0 }).request as RequestFn);
    this.executing = this.urls.map((url) => http(url, { timeout: executionTimeout, retryCount: 0 })({ retryCount: 0 }).request as RequestFn);
  }

  /** The endpoint requests go to now. */
  get activeUrl(): string {
    return this.urls[this.index]!;
  }

  get activeIndex(): number {
    return this.index;
  }

  /** Called each time the pool moves to another endpoint (log it with `redactRpcUrl`). */
  onSwitch(listener: (s: RpcSwitch) => void): void {
    this.listeners.push(listener);
  }

  /** Send one JSON-RPC request, trying each endpoint at most once starting from the one in use. */
  async request(method: string, params?: unknown): Promise<unknown> {
    let lastError: unknown;
    let refused = true;
    for (let tried = 0; tried < this.urls.length; tried++) {
      const i = this.index;
      try {
        return await (EXECUTING_METHODS.has(method) ? this.executing : this.endpoints)[i]!({ method, params });
      } catch (err) {
        if (!isFailoverError(err)) throw err;
        lastError = err;
        refused &&= connectionRefused(err);
        if (this.index === i) this.moveFrom(i, err);
      }
    }
    throw new ChainError(
      { code: "RPC_UNREACHABLE", urls: this.urls.map(redactRpcUrl), lastError: shortMessage(lastError), refused },
      `no RPC endpoint reachable (${this.urls.map(redactRpcUrl).join(", ")}): ${shortMessage(lastError)}`,
    );
  }

  /** A viem transport over this pool. */
  transport(): Transport {
    const request = ((args: { method: string; params?: unknown }) => this.request(args.method, args.params)) as EIP1193RequestFn;
    return () => createTransport({ key: "failover", name: "Failover RPC", type: "failover", request, retryCount: 0 });
  }

  private moveFrom(i: number, err: unknown): void {
    if (this.urls.length === 1) return;
    this.index = (i + 1) % this.urls.length;
    const s = { from: redactRpcUrl(this.urls[i]!), to: redactRpcUrl(this.urls[this.index]!), reason: shortMessage(err) };
    for (const l of this.listeners) l(s);
  }
}

/** The endpoint was never reached: nothing listens there (ECONNREFUSED), no such host, or a port fetch refuses to use. */
function connectionRefused(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e !== null && e !== undefined && depth < 8; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (code === "ECONNREFUSED" || code === "ENOTFOUND" || (e instanceof Error && e.message === "bad port")) return true;
  }
  return false;
}

function shortMessage(err: unknown): string {
  if (err instanceof BaseError) return err.shortMessage;
  return err instanceof Error ? err.message : String(err);
}

export interface ChainConnection {
  pool: RpcPool;
  chain: Chain;
  public: PublicClient;
  /** Present when an account was given. */
  wallet?: AnyWalletClient;
}

export interface ConnectOpts extends RpcPoolOpts {
  /** Refuse another chain. */
  expectedChainId?: number | null;
  account?: Account;
  pollingIntervalMs?: number;
  /** Told of every endpoint switch, including those while connecting. */
  onSwitch?: (s: RpcSwitch) => void;
}

/** Connect to the first reachable endpoint, read the chain id, and build viem clients over the pool. */
export async function connectChain(opts: ConnectOpts): Promise<ChainConnection> {
  const pool = new RpcPool(opts);
  if (opts.onSwitch) pool.onSwitch(opts.onSwitch);
  const chainId = Number(BigInt((await pool.request("eth_chainId")) as string));
  if (opts.expectedChainId != null && opts.expectedChainId !== chainId) {
    throw new ChainError({ code: "CHAIN_ID_MISMATCH", expected: opts.expectedChainId, actual: chainId }, `the RPC serves chain ${chainId}, expected ${opts.expectedChainId}`);
  }
  const chain = defineChain({
    id: chainId,
    name: `chain-${chainId}`,
    nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 },
    rpcUrls: { default: { http: [] } },
  });
  const transport = pool.transport();
  const pollingInterval = opts.pollingIntervalMs ?? 1000;
  const publicClient = createPublicClient({ chain, transport, pollingInterval, cacheTime: 0 }) as PublicClient;
  const wallet = opts.account ? (createWalletClient({ chain, transport, account: opts.account, pollingInterval }) as AnyWalletClient) : undefined;
  return { pool, chain, public: publicClient, wallet };
}
