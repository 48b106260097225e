/**
 * JSON-RPC over several endpoints with failover. Requests go to the endpoint in use; a connection
 * error, a timeout, an HTTP 5xx or 429 moves to the next one and replays the request there (JSON-RPC
 * errors, e.g. a revert, are answers and never fail over). The pool is sticky: once an endpoint fails,
 * the next one stays in use until it fails in turn, so logs and `/status` can say which URL is live.
 */
import {
  BaseError,
  createPublicClient,
  createTransport,
  createWalletClient,
  defineChain,
  http,
  HttpRequestError,
  TimeoutError,
  type Account,
  type Chain,
  type EIP1193RequestFn,
  type PublicClient,
  type Transport,
} from "viem";
import { ChainError } from "./chain-error.js";
import type { AnyWalletClient } from "./contracts.js";

export interface RpcPoolOpts {
  /** Endpoints in order of preference. May carry API keys: only `redactRpcUrl` forms are printed. */
  urls: readonly string[];
  /** Per-request timeout (ms) before the next endpoint is tried. */
  timeoutMs?: number;
}

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

type RequestFn = (args: { method: string; params?: unknown }) => Promise<unknown>;

export class RpcPool {
  readonly urls: readonly string[];
  private readonly endpoints: RequestFn[];
  private index = 0;
  private readonly listeners: ((s: RpcSwitch) => void)[] = [];

  constructor(opts: RpcPoolOpts) {
    if (opts.urls.length === 0) throw new Error("RpcPool needs at least one URL");
    this.urls = [...opts.urls];
    const timeout = opts.timeoutMs ?? 10_000;
    this.endpoints = this.urls.map((url) => http(url, { timeout, retryCount: 0 })({ retryCount: 0 }).request as RequestFn);
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
    for (let tried = 0; tried < this.urls.length; tried++) {
      const i = this.index;
      try {
        return await this.endpoints[i]!({ method, params });
      } catch (err) {
        if (!isFailoverError(err)) throw err;
        lastError = err;
        if (this.index === i) this.moveFrom(i, err);
      }
    }
    throw new ChainError(
      { code: "RPC_UNREACHABLE", urls: this.urls.map(redactRpcUrl), lastError: shortMessage(lastError) },
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
