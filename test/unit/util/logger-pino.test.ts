import { strict as assert } from "node:assert";
import { createPinoLogger } from "../../../src/util/logger-pino.js";
import { ManualClock } from "../../../src/util/clock.js";
import { describeError, MAX_DESCRIBED_CHARS, ProverNodeError } from "../../../src/util/errors.js";

function capture(): { lines: string[]; destination: { write(s: string): void } } {
  const lines: string[] = [];
  return { lines, destination: { write: (s: string) => void lines.push(s) } };
}

describe("util: pino logger", () => {
  it("writes JSON lines: constant message + context, bigint and typed errors serialised, level filtered", () => {
    const { lines, destination } = capture();
    const log = createPinoLogger({ level: "info", pretty: false, destination }).child({ module: "market" });
    log.info("Segment locked", { segmentId: 2n ** 70n, price: 5n });
    log.debug("dropped");
    log.warn("Lock failed", { err: new ProverNodeError({ code: "MARKET_X", segmentId: 1n }) });
    assert.equal(lines.length, 2);
    const first = JSON.parse(lines[0]!) as Record<string, unknown>;
    assert.equal(first.msg, "Segment locked");
    assert.equal(first.module, "market");
    assert.equal(first.segmentId, (2n ** 70n).toString());
    assert.equal(first.level, 30);
    const second = JSON.parse(lines[1]!) as { err: Record<string, unknown> };
    assert.equal(second.err.code, "MARKET_X");
    assert.equal(second.err.segmentId, "1");
  });

  it("never writes megabytes: a long string or error message (an RPC error quoting a proof's calldata) is cut, saying how much", () => {
    const { lines, destination } = capture();
    const log = createPinoLogger({ level: "info", pretty: false, destination });
    const calldata = "0x" + "ab".repeat(500_000);
    const rpc = new Error(`HTTP request failed.\n\nRequest body: {"method":"eth_sendRawTransaction","params":["${calldata}"]}`);
    log.warn("Aggregate not submitted", { error: rpc.message, err: rpc, described: describeError(rpc) });
    assert.equal(lines.length, 1);
    assert.ok(lines[0]!.length < 4 * MAX_DESCRIBED_CHARS, `a ${lines[0]!.length}-character line`);
    const line = JSON.parse(lines[0]!) as { error: string; err: { message: string }; described: string };
    assert.match(line.error, /^HTTP request failed\./);
    assert.match(line.error, /more characters cut\)$/);
    assert.match(line.err.message, /more characters cut\)$/);
    assert.ok(describeError(rpc).length < MAX_DESCRIBED_CHARS + 50);
    assert.equal(describeError(new Error("short")), "short");
  });

  it("ManualClock only moves when told", () => {
    const c = new ManualClock(5);
    c.advance(10);
    assert.equal(c.now(), 15);
    c.set(1);
    assert.equal(c.now(), 1);
  });
});
