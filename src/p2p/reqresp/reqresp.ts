import type { Connection, Libp2p, PeerId, Stream } from "@libp2p/interface";
import { messageStreamToDuplex } from "@libp2p/utils";
import type { Multiaddr } from "@multiformats/multiaddr";
import { pipe } from "it-pipe";
import type { Hex } from "viem";
import { abortableSource, raceSignal } from "../../util/abortable.js";
import type { Logger } from "../../util/logger.js";
import { DecodeError, P2pError } from "../errors.js";
import type { P2pMetrics } from "../metrics.js";
import type { ReqRespOpts, ScoringOpts } from "../options.js";
import type { PeerScoreBook, RateLimiter } from "../scoring.js";
import { protocolId, REQRESP_NAMES, type ReqRespName } from "../topics.js";
import type { ContentStore } from "../content.js";
import { decodeFrames, encodeFrames } from "./frames.js";
import { decodeHeader, decodeRequest, encodeHeader, encodeRequest, ResponseCode } from "./messages.js";

export interface ReqRespModules {
  libp2p: Libp2p;
  network: string;
  opts: ReqRespOpts;
  scoring: ScoringOpts;
  stores: { witness?: ContentStore; proof?: ContentStore };
  /** The signed Status envelope served on `status/1`. */
  statusEnvelope: () => Promise<Uint8Array>;
  /** Largest status envelope accepted. */
  maxStatusBytes: number;
  scores: PeerScoreBook;
  limiter: RateLimiter;
  metrics: P2pMetrics | null;
  logger: Logger;
}

export interface RequestOptions {
  signal?: AbortSignal;
}

/** Largest request frame: version + hash. */
const MAX_REQUEST_FRAME = 64;
/** Room for the header frame in the response frame limit. */
const FRAME_SLACK = 16;

const KNOWN_OUTCOMES = new Set(["not_found", "rate_limited", "bad_request", "unavailable", "timeout"]);

/** Serves and sends `witness/1`, `proof/1` and `status/1`. */
export class ReqResp {
  constructor(private readonly m: ReqRespModules) {}

  async start(): Promise<void> {
    for (const name of REQRESP_NAMES) {
      await this.m.libp2p.handle(protocolId(this.m.network, name), (stream, connection) => this.serve(name, stream, connection), {
        maxInboundStreams: this.m.opts.maxInboundStreams,
      });
    }
  }

  async stop(): Promise<void> {
    for (const name of REQRESP_NAMES) await this.m.libp2p.unhandle(protocolId(this.m.network, name));
  }

  private async lookup(name: ReqRespName, hash: Hex | null): Promise<Uint8Array | null> {
    if (name === "status") return this.m.statusEnvelope();
    const store = name === "witness" ? this.m.stores.witness : this.m.stores.proof;
    if (store === undefined || hash === null) return null;
    return store.get(hash);
  }

  private async serve(name: ReqRespName, stream: Stream, connection: Connection): Promise<void> {
    const peer = connection.remotePeer.toString();
    const { metrics, opts } = this.m;
    const duplex = messageStreamToDuplex(stream);
    const deadline = new AbortController();
    const timer = setTimeout(() => {
      deadline.abort(new Error("request timed out"));
      stream.abort(new Error("request timed out"));
    }, opts.requestTimeoutMs);
    timer.unref();
    let outcome = "ok";
    let penalty: [number, string] | null = null;
    const respond = async (code: ResponseCode, body: Uint8Array | null): Promise<void> => {
      const chunkBytes = opts.chunkBytes;
      async function* frames(): AsyncGenerator<Uint8Array> {
        yield encodeHeader(code, body?.length ?? 0);
        if (body === null) return;
        for (let off = 0; off < body.length; off += chunkBytes) yield body.subarray(off, off + chunkBytes);
      }
      await raceSignal(pipe(frames(), encodeFrames(), duplex.sink), deadline.signal);
      metrics?.bytes.inc({ direction: "out", protocol: name }, (body?.length ?? 0) + 6);
    };
    try {
      if (!this.m.limiter.take(`${peer}/${name}`)) {
        outcome = "rate_limited";
        penalty = [this.m.scoring.rateLimitedPenalty, `${name} rate limit`];
        await respond(ResponseCode.RATE_LIMITED, null);
        return;
      }
      const first = await abortableSource(decodeFrames(MAX_REQUEST_FRAME)(duplex.source), deadline.signal).next();
      if (first.done === true) throw new DecodeError("request", "stream closed before the request");
      let hash: Hex | null;
      try {
        hash = decodeRequest(name, first.value).hash;
      } catch (err) {
        outcome = "bad_request";
        penalty = [this.m.scoring.badRequestPenalty, `${name} malformed request`];
        await respond(ResponseCode.BAD_REQUEST, null);
        return;
      }
      metrics?.bytes.inc({ direction: "in", protocol: name }, first.value.length);
      const body = await raceSignal(this.lookup(name, hash), deadline.signal);
      if (body === null) outcome = "not_found";
      else if (body.length > opts.maxObjectBytes) outcome = "unavailable";
      await respond(outcome === "ok" ? ResponseCode.OK : outcome === "not_found" ? ResponseCode.NOT_FOUND : ResponseCode.UNAVAILABLE, outcome === "ok" ? body : null);
    } catch (err) {
      outcome = "error";
      this.m.logger.debug("Request/response serve failed", { protocol: name, peer, error: (err as Error).message });
      stream.abort(err as Error);
    } finally {
      clearTimeout(timer);
      metrics?.reqrespRequests.inc({ protocol: name, direction: "inbound", outcome });
      // After the response, so the peer learns why before a possible disconnect.
      if (penalty !== null) this.m.scores.apply(peer, penalty[0], penalty[1]);
    }
  }

  /** Open a stream; once, replace a connection the remote closed under us with a fresh one. */
  private async dial(peer: PeerId | Multiaddr[], name: ReqRespName, signal: AbortSignal): Promise<Stream> {
    const protocol = protocolId(this.m.network, name);
    try {
      return await this.m.libp2p.dialProtocol(peer, protocol, { signal });
    } catch (err) {
      if ((err as Error).name !== "ConnectionClosedError" || Array.isArray(peer)) throw err;
      for (const conn of this.m.libp2p.getConnections(peer)) conn.abort(new Error("stale connection"));
      return await this.m.libp2p.dialProtocol(peer, protocol, { signal });
    }
  }

  /**
   * Send one request and collect the whole response. Throws P2pError (REQUEST_FAILED with the
   * response code or "timeout", TOO_LARGE) on anything but a complete OK response.
   */
  async request(peer: PeerId | Multiaddr[], name: ReqRespName, hash: Hex | null, options: RequestOptions = {}): Promise<Uint8Array> {
    const { opts, metrics } = this.m;
    const peerStr = Array.isArray(peer) ? peer.map((a) => a.toString()).join(",") : peer.toString();
    const failed = (reason: string): P2pError => new P2pError({ code: "P2P_REQUEST_FAILED", protocol: name, peer: peerStr, reason }, `${name} from ${peerStr}: ${reason}`);
    const limit = name === "status" ? this.m.maxStatusBytes : opts.maxObjectBytes;
    const local = new AbortController();
    const signals = [AbortSignal.timeout(opts.requestTimeoutMs), local.signal];
    if (options.signal !== undefined) signals.push(options.signal);
    const signal = AbortSignal.any(signals);
    const started = performance.now();
    let outcome = "ok";
    let stream: Stream | undefined;
    let ttfb: NodeJS.Timeout | undefined;
    let timedOut = false;
    const onAbort = (): void => {
      timedOut = true;
      stream?.abort(new Error("request aborted"));
    };
    signal.addEventListener("abort", onAbort, { once: true });
    try {
      stream = await this.dial(peer, name, signal);
      const s = stream;
      ttfb = setTimeout(() => local.abort(new Error("no response header in time")), opts.ttfbTimeoutMs);
      const duplex = messageStreamToDuplex(s);
      const request = encodeRequest(name, hash);
      // Not awaited: a full response proves the request arrived; a failed send surfaces as a failed read.
      pipe([request], encodeFrames(), duplex.sink).catch(() => {});
      metrics?.bytes.inc({ direction: "out", protocol: name }, request.length);
      const frames = abortableSource(decodeFrames(Math.max(opts.chunkBytes, limit) + FRAME_SLACK)(duplex.source), signal);
      const first = await frames.next();
      clearTimeout(ttfb);
      if (first.done === true) throw failed("stream closed before the response header");
      const header = decodeHeader(first.value);
      if (header.code !== ResponseCode.OK) throw failed(ResponseCode[header.code]!.toLowerCase());
      if (header.size > limit) {
        throw new P2pError({ code: "P2P_TOO_LARGE", limit, size: header.size }, `${name} response of ${header.size} bytes > ${limit}`);
      }
      const out = new Uint8Array(header.size);
      let got = 0;
      for await (const frame of frames) {
        if (got + frame.length > header.size) throw failed("more data than announced");
        out.set(frame, got);
        got += frame.length;
      }
      if (got !== header.size) throw failed(`truncated: ${got} of ${header.size} bytes`);
      metrics?.bytes.inc({ direction: "in", protocol: name }, got + first.value.length);
      return out;
    } catch (err) {
      stream?.abort(err as Error);
      if (err instanceof P2pError) {
        const reason = String((err.type as { reason?: string }).reason);
        outcome = err.type.code === "P2P_TOO_LARGE" ? "too_large" : KNOWN_OUTCOMES.has(reason) ? reason : "error";
        throw err;
      }
      outcome = timedOut ? "timeout" : "error";
      throw failed(timedOut ? "timeout" : (err as Error).message);
    } finally {
      clearTimeout(ttfb);
      signal.removeEventListener("abort", onAbort);
      metrics?.reqrespSeconds.observe({ protocol: name, outcome }, (performance.now() - started) / 1000);
      metrics?.reqrespRequests.inc({ protocol: name, direction: "outbound", outcome });
    }
  }
}
