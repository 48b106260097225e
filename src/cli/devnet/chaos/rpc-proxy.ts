/**
 * A flaky JSON-RPC proxy in front of anvil (the chaos devnet's "bad RPC provider"). Every request is
 * forwarded unless the current fault rates say otherwise:
 *   - drop:     the connection is destroyed without an answer (the client sees a socket error);
 *   - delay:    the request waits up to `maxDelayMs` before it is forwarded;
 *   - error:    an HTTP 503 / 429, or a JSON-RPC "limit exceeded" error, without forwarding;
 *   - sentThenTimeout (eth_sendRawTransaction only): the transaction IS forwarded to anvil, then the
 *               client gets no answer (socket destroyed after a short hold): it looks failed but went
 *               through — the case that slashes provers who trust a failed RPC call.
 * Decisions come from a seeded PRNG, one draw per request in arrival order; rates change at run time
 * (`setRates`) as the chaos schedule's RPC storms start and end. It never changes an answer.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { prng } from "../../../rollup/random.js";
import { sleep } from "../../../util/sleep.js";

export interface RpcFaultRates {
  /** Probability a request's connection is dropped unanswered. */
  drop: number;
  /** Probability a request is delayed (uniformly up to maxDelayMs). */
  delay: number;
  maxDelayMs: number;
  /** Probability a request is answered with an error without being forwarded. */
  error: number;
  /** Probability an eth_sendRawTransaction is forwarded and then answered with nothing. */
  sentThenTimeout: number;
}

export const NO_RPC_FAULTS: RpcFaultRates = { drop: 0, delay: 0, maxDelayMs: 0, error: 0, sentThenTimeout: 0 };

export type RpcFaultKind = "drop" | "delay" | "error" | "sentThenTimeout";

export interface RpcProxyStats {
  requests: number;
  forwarded: number;
  faults: Record<RpcFaultKind, number>;
}

export class FlakyRpcProxy {
  private rates: RpcFaultRates = NO_RPC_FAULTS;
  private readonly random: () => number;
  readonly stats: RpcProxyStats = { requests: 0, forwarded: 0, faults: { drop: 0, delay: 0, error: 0, sentThenTimeout: 0 } };

  private constructor(
    private readonly server: Server,
    readonly upstream: string,
    seed: number,
  ) {
    this.random = prng(seed ^ 0x5bd1e995);
  }

  /** Listen on 127.0.0.1 (a free port) and forward to `upstream`. Starts transparent. */
  static async start(upstream: string, seed: number): Promise<FlakyRpcProxy> {
    let proxy: FlakyRpcProxy | null = null;
    const server = createServer((req, res) => void proxy!.handle(req, res));
    proxy = new FlakyRpcProxy(server, upstream, seed);
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(0, "127.0.0.1", () => resolve());
    });
    return proxy;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  setRates(rates: RpcFaultRates): void {
    this.rates = rates;
  }

  get currentRates(): RpcFaultRates {
    return this.rates;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks);
    this.stats.requests++;
    const r = this.rates;
    // One draw per decision, in a fixed order, so a seed gives the same sequence of decisions.
    const [dDrop, dError, dDelay, dDelayMs, dSent, dKind] = [this.random(), this.random(), this.random(), this.random(), this.random(), this.random()];
    if (dDrop < r.drop) {
      this.stats.faults.drop++;
      req.socket.destroy();
      return;
    }
    if (dError < r.error) {
      this.stats.faults.error++;
      this.answerError(res, body, dKind);
      return;
    }
    if (dDelay < r.delay && r.maxDelayMs > 0) {
      this.stats.faults.delay++;
      await sleep(Math.floor(dDelayMs * r.maxDelayMs));
    }
    const sendsTx = dSent < r.sentThenTimeout && isSendRawTransaction(body);
    let upstream: Response;
    try {
      upstream = await fetch(this.upstream, { method: "POST", headers: { "content-type": "application/json" }, body });
    } catch {
      req.socket.destroy(); // anvil is down (teardown): the client sees what it would see
      return;
    }
    const answer = Buffer.from(await upstream.arrayBuffer());
    this.stats.forwarded++;
    if (sendsTx) {
      this.stats.faults.sentThenTimeout++;
      await sleep(1000);
      req.socket.destroy();
      return;
    }
    res.writeHead(upstream.status, { "content-type": upstream.headers.get("content-type") ?? "application/json" });
    res.end(answer);
  }

  private answerError(res: ServerResponse, body: Buffer, draw: number): void {
    if (draw < 0.4) {
      res.writeHead(503, { "content-type": "text/plain" });
      res.end("service unavailable");
    } else if (draw < 0.7) {
      res.writeHead(429, { "content-type": "text/plain" });
      res.end("too many requests");
    } else {
      let id: unknown = null;
      try {
        id = (JSON.parse(body.toString("utf8")) as { id?: unknown }).id ?? null;
      } catch {
        // not JSON: answer with a null id
      }
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ jsonrpc: "2.0", id, error: { code: -32005, message: "limit exceeded" } }));
    }
  }
}

function isSendRawTransaction(body: Buffer): boolean {
  return body.includes("eth_sendRawTransaction");
}
