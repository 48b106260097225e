import { strict as assert } from "node:assert";
import { LogProgress, TtyProgress } from "../../../src/util/progress.js";
import type { LogContext, Logger } from "../../../src/util/logger.js";
import { phaseFraction } from "../../../src/jobs/index.js";

describe("util: progress", () => {
  it("TTY: one bar per job, redrawn in place, cleared when done", () => {
    let written = "";
    let t = 0;
    const p = new TtyProgress({ write: (s: string) => (written += s) }, () => t);
    p.update("segment 1", "trace", phaseFraction("trace"));
    t = 1500;
    p.update("segment 2", "quotient", 0.5);
    assert.deepEqual(p.render(), ["segment 1  [######--------------]  30%  trace  1.5 s", "segment 2  [##########----------]  50%  quotient  0.0 s"]);
    assert.match(written, /\x1b\[1A/, "moved up over the previous frame");
    p.done("segment 1");
    p.done("segment 2");
    assert.deepEqual(p.render(), []);
  });

  it("not a TTY: one log line per interval, nothing when idle", () => {
    const lines: [string, LogContext | undefined][] = [];
    const log: Logger = { info: (m, c) => void lines.push([m, c]), warn() {}, error() {}, debug() {}, child: () => log };
    const p = new LogProgress(log, 60_000);
    p.flush();
    assert.equal(lines.length, 0);
    p.update("segment 1", "fri", phaseFraction("fri"));
    p.update("segment 1", "pow", phaseFraction("pow"));
    p.flush();
    assert.deepEqual(lines, [["Proving progress", { jobs: [{ id: "segment 1", phase: "pow", percent: 98 }] }]]);
    p.close();
  });
});
