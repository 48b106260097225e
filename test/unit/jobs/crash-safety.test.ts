/**
 * docs/node-runtime.md ("Segment jobs") / issue 8: the node killed (SIGKILL) right after each persisted transition, and right after
 * each chain action, then restarted: it resumes, finishes, locks once, commits once, and never proves
 * again after the commit.
 */
import { strict as assert } from "node:assert";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { bigintJson } from "./fixtures/json.js";
import type { FakeChainState } from "./fixtures/fakes.js";

function runChild(dir: string, env: Record<string, string>): { signal: NodeJS.Signals | null; status: number | null; out: string; err: string } {
  const r = spawnSync(process.execPath, ["--import", "tsx", "test/unit/jobs/fixtures/crash-child.ts"], {
    encoding: "utf8",
    timeout: 30_000,
    env: { ...process.env, CRASH_DIR: dir, ...env },
  });
  return { signal: r.signal, status: r.status, out: r.stdout, err: r.stderr };
}

function events(dir: string): string[] {
  return readFileSync(join(dir, "events.log"), "utf8").trim().split("\n");
}

describe("jobs: crash safety (child process killed with SIGKILL)", function () {
  this.timeout(90_000);
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "prover-node-crash-"));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("killed after every persisted transition, it resumes each time and finishes once", () => {
    const killedIn = ["observed", "decided", "lockSent", "locked", "witnessFetched", "proving", "proven", "committed", "published", "finalized"];
    for (const state of killedIn) {
      const r = runChild(dir, { KILL_AT_NEW_STATE: "1" });
      assert.equal(r.signal, "SIGKILL", `the run should die right after persisting ${state}: ${r.err}`);
      assert.equal(events(dir).at(-1), `killed ${state}`);
    }
    const last = runChild(dir, {});
    assert.equal(last.status, 0, last.err);
    // Killed in "proving", the restart recorded a second attempt (proving → proving) and proved again.
    assert.deepEqual(JSON.parse(last.out), { state: "finalized", attempts: 2 });
    const ev = events(dir);
    const states = ev.filter((e) => e.startsWith("state")).map((e) => e.slice(6));
    assert.deepEqual(states, ["observed", "decided", "lockSent", "locked", "witnessFetched", "proving", "proving", "proven", "committed", "published", "finalized"]);
    const chain = bigintJson.parse(readFileSync(join(dir, "chain.json"), "utf8")) as FakeChainState;
    assert.equal(chain.locks, 1, "locked once");
    assert.equal(chain.commits, 1, "committed once");
    assert.deepEqual(chain.segments["1"]!.slashed, []);
    assert.equal(ev.filter((e) => e === "prove").length, 1, "the first attempt died before it started");
    assert.ok(ev.lastIndexOf("prove") < ev.indexOf("action commit"), "never proved after the commit");
  });

  it("killed after the lock and after the commit reached the chain, it reads chain state instead of resending", () => {
    assert.equal(runChild(dir, { KILL_AFTER_ACTION: "lock" }).signal, "SIGKILL");
    assert.equal(runChild(dir, { KILL_AFTER_ACTION: "commit" }).signal, "SIGKILL");
    const last = runChild(dir, {});
    assert.equal(last.status, 0, last.err);
    assert.equal(JSON.parse(last.out).state, "finalized");
    const chain = bigintJson.parse(readFileSync(join(dir, "chain.json"), "utf8")) as FakeChainState;
    assert.equal(chain.locks, 1, "the lock was not sent again");
    assert.equal(chain.commits, 1, "the commit was not sent again");
    const ev = events(dir);
    assert.equal(ev.slice(ev.indexOf("action commit")).filter((e) => e === "prove").length, 0, "nothing proved after the commit");
  });

  it("killed while proving, it proves again (a new recorded attempt) and commits once", () => {
    // Killed after 6 transitions: observed … witnessFetched, proving — the process dies in "proving".
    assert.equal(runChild(dir, { KILL_AFTER_TRANSITIONS: "6" }).signal, "SIGKILL");
    const last = runChild(dir, {});
    assert.equal(last.status, 0, last.err);
    assert.deepEqual(JSON.parse(last.out), { state: "finalized", attempts: 2 });
    const chain = bigintJson.parse(readFileSync(join(dir, "chain.json"), "utf8")) as FakeChainState;
    assert.equal(chain.commits, 1);
  });
});
