import { strict as assert } from "node:assert";
import { sleep } from "../../../src/util/sleep.js";
import { AbortError, ProverNodeError } from "../../../src/util/errors.js";

describe("util/sleep", () => {
  it("resolves after the delay", async () => {
    const t0 = Date.now();
    await sleep(20);
    assert.ok(Date.now() - t0 >= 15);
  });

  it("rejects with AbortError when the signal aborts", async () => {
    const ctl = new AbortController();
    const p = sleep(10_000, ctl.signal);
    ctl.abort();
    await assert.rejects(p, (err: unknown) => err instanceof AbortError && err.code === "ABORTED");
  });

  it("rejects at once for an already-aborted signal", async () => {
    await assert.rejects(sleep(10, AbortSignal.abort()), AbortError);
  });
});

describe("util/errors", () => {
  it("carries a code and data, and renders bigint context", () => {
    const err = new ProverNodeError({ code: "X", segmentId: 5n });
    assert.equal(err.code, "X");
    assert.deepEqual(err.toObject(), { name: "ProverNodeError", message: "X", code: "X", segmentId: "5" });
  });
});
