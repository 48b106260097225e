import { createRequire } from "node:module";

/**
 * @libp2p/websockets dials with the WHATWG `WebSocket` global, which Node 20 has only behind
 * `--experimental-websocket` (it is standard from Node 22). Install the `ws` package's client, which
 * implements the same API, when the global is missing. Listening does not need it.
 */
export function ensureWebSocketGlobal(): void {
  const g = globalThis as { WebSocket?: unknown };
  if (typeof g.WebSocket === "function") return;
  const require = createRequire(import.meta.url);
  g.WebSocket = (require("ws") as { WebSocket: unknown }).WebSocket;
}
