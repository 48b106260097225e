import assert from "node:assert/strict";
import type { Hex } from "viem";
import { contentHash, MemoryStakeOracle, P2pError, type ContentStore, type P2pNetwork } from "../../src/p2p/index.js";
import { eventually, startNode, stopAll } from "./helpers.js";

describe("p2p request/response", function () {
  this.timeout(30_000);

  it("checks content on arrival, enforces size caps and time limits, answers not found and status", async () => {
    const oracle = new MemoryStakeOracle();
    const real = new Uint8Array(2 * 1024 * 1024).fill(7);
    const realHash = contentHash(real);
    const liarHash = `0x${"33".repeat(32)}` as Hex;
    const slowHash = `0x${"44".repeat(32)}` as Hex;
    const store: ContentStore = {
      async get(hash) {
        if (hash === realHash) return real;
        if (hash === liarHash) return new Uint8Array(100).fill(1); // not what the hash says
        if (hash === slowHash) return new Promise(() => {}); // never answers
        return null;
      },
    };
    let server: P2pNetwork | undefined, client: P2pNetwork | undefined;
    try {
      const status = () => ({ nodeVersion: "0.1.0", backend: "wasm", capacity: 42, queued: 1 });
      server = await startNode(oracle, { statusIntervalMs: 200 }, { stores: { witness: store, proof: store }, status });
      client = await startNode(oracle, {
        bootstrap: [server.multiaddrs()[0]!],
        reqresp: { maxObjectBytes: 1024 * 1024, ttfbTimeoutMs: 500 },
        dht: { findProvidersTimeoutMs: 500 },
      });
      const heard: number[] = [];
      client.onMessage((m) => {
        if (m.message.body.kind === "status") heard.push(m.message.body.capacity);
      });
      const peers = [server.peerId];
      const noProvider = (err: unknown) => err instanceof P2pError && err.code === "P2P_NO_PROVIDER";

      // Larger than our cap (2 MiB > 1 MiB): refused before the transfer.
      const reqresp = (client as unknown as { reqresp: { request: (...a: unknown[]) => Promise<Uint8Array> } }).reqresp;
      await assert.rejects(reqresp.request(server.host.peerId, "witness", realHash), (err: unknown) => err instanceof P2pError && err.code === "P2P_TOO_LARGE");
      await assert.rejects(reqresp.request(server.host.peerId, "witness", slowHash), /timeout/);
      await assert.rejects(reqresp.request(server.host.peerId, "proof", `0x${"55".repeat(32)}`), /not_found/);

      // A signer's registered peer id is asked first: no DHT needed.
      const half = new Uint8Array(512 * 1024).fill(3);
      const small = { get: async (h: Hex) => (h === contentHash(half) ? half : null) };
      const third = await startNode(oracle, { bootstrap: [server.multiaddrs()[0]!] }, { stores: { proof: small } });
      try {
        await eventually("the client learns the third node's addresses through the DHT", async () => {
          const peer = await client!.host.peerStore.get(third.host.peerId).catch(() => null);
          return peer !== null && peer.addresses.length > 0;
        });
        const got = await client.fetchProof(contentHash(half), { signers: [third.address] });
        assert.equal(got.length, half.length);
      } finally {
        await third.stop();
      }

      const st = await client.requestStatus(server.peerId);
      assert.equal(st.signer, server.address);
      assert.deepEqual(st.body, { kind: "status", ...status() });
      await eventually("the server's status heartbeat is heard", () => heard.includes(42));

      // Last, as it gets the server disconnected. Wrong bytes for the hash: refused, server penalised.
      await assert.rejects(client.fetchProof(liarHash, { peers }), noProvider);
      assert.ok(client.scores.score(server.peerId) < -49, `score ${client.scores.score(server.peerId)}`);
    } finally {
      await stopAll([client, server]);
    }
  });
});
