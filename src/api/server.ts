/**
 * The node's HTTP API (node:http, no framework): /healthz (process alive), /readyz (ready to take
 * work: 200 or 503 with the failing checks), /status (JSON), /jobs (every segment job in the store,
 * JSON), /metrics (Prometheus text).
 * bigints are rendered as decimal strings in JSON.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { Logger } from "../util/logger.js";
import { nullLogger } from "../util/logger.js";
import type { ApiProviders } from "./interface.js";
import { defaultApiOpts, type ApiOpts } from "./options.js";

function json(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body, (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v));
  res.writeHead(status, { "content-type": "application/json; charset=utf-8", "cache-control": "no-store" });
  res.end(text);
}

export interface ApiServerModules {
  providers: ApiProviders;
  logger?: Logger;
}

export class ApiServer {
  private readonly opts: ApiOpts;
  private readonly providers: ApiProviders;
  private readonly log: Logger;
  private server: Server | null = null;

  constructor(opts: Partial<ApiOpts>, modules: ApiServerModules) {
    this.opts = { ...defaultApiOpts, ...opts };
    this.providers = modules.providers;
    this.log = modules.logger ?? nullLogger;
  }

  /** The bound port (after start). */
  get port(): number {
    return (this.server?.address() as AddressInfo | null)?.port ?? 0;
  }

  async start(): Promise<void> {
    const server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(this.opts.port, this.opts.host, () => {
        server.off("error", reject);
        resolve();
      });
    });
    this.server = server;
    this.log.info("API listening", { host: this.opts.host, port: this.port });
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = null;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? "/").split("?")[0];
    if (req.method !== "GET" && req.method !== "HEAD") {
      res.writeHead(405, { allow: "GET, HEAD" });
      res.end();
      return;
    }
    try {
      switch (path) {
        case "/healthz":
          res.writeHead(200, { "content-type": "text/plain" });
          res.end("ok\n");
          return;
        case "/readyz": {
          const r = await this.providers.readiness();
          json(res, r.ready ? 200 : 503, r);
          return;
        }
        case "/status":
          json(res, 200, await this.providers.status());
          return;
        case "/jobs":
          if (!this.providers.jobs) break;
          json(res, 200, { jobs: await this.providers.jobs() });
          return;
        case "/metrics": {
          const text = await this.providers.metrics.metrics();
          res.writeHead(200, { "content-type": this.providers.metrics.contentType });
          res.end(text);
          return;
        }
      }
      json(res, 404, { error: "not found", paths: ["/healthz", "/readyz", "/status", ...(this.providers.jobs ? ["/jobs"] : []), "/metrics"] });
    } catch (err) {
      this.log.warn("API request failed", { path, err });
      json(res, 500, { error: "internal error" });
    }
  }
}
