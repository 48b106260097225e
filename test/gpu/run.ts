/**
 * Runs the cuda test file (test/unit/backends/cuda.test.ts) without mocha, for a GPU machine that
 * has no node_modules: a minimal stand-in for mocha's describe / it / before / after / this.timeout /
 * this.skip, sequential, printing one line per test and exiting non-zero on a failure. Bundled with
 * esbuild together with the code under test by `npm run build:cuda -- --device-bundle` (docs/cuda.md).
 */
type Fn = (this: Ctx) => unknown;
interface Ctx {
  timeout(ms: number): void;
  skip(): never;
}
interface Suite {
  title: string;
  before: Fn[];
  after: Fn[];
  items: Array<{ kind: "test"; title: string; fn?: Fn } | { kind: "suite"; suite: Suite }>;
}

class Skip extends Error {}
const root: Suite = { title: "", before: [], after: [], items: [] };
let current = root;
const ctx: Ctx = {
  timeout: () => undefined,
  skip: () => {
    throw new Skip();
  },
};

const g = globalThis as Record<string, unknown>;
g.describe = (title: string, body: Fn): void => {
  const suite: Suite = { title, before: [], after: [], items: [] };
  current.items.push({ kind: "suite", suite });
  const parent = current;
  current = suite;
  body.call(ctx);
  current = parent;
};
const it = (title: string, fn?: Fn): void => void current.items.push({ kind: "test", title, fn });
it.skip = (title: string): void => void current.items.push({ kind: "test", title });
g.it = it;
g.before = (fn: Fn): void => void current.before.push(fn);
g.after = (fn: Fn): void => void current.after.push(fn);

let passed = 0, failed = 0, pending = 0;
const out = (s: string): void => void process.stdout.write(`${s}\n`);

async function runSuite(s: Suite, depth: number): Promise<void> {
  const pad = "  ".repeat(Math.max(0, depth));
  if (s.title) out(`${pad}${s.title}`);
  for (const f of s.before) await f.call(ctx);
  for (const item of s.items) {
    if (item.kind === "suite") {
      await runSuite(item.suite, depth + 1);
      continue;
    }
    if (!item.fn) {
      pending++;
      out(`${pad}  - ${item.title}`);
      continue;
    }
    const t0 = performance.now();
    try {
      await item.fn.call(ctx);
      passed++;
      out(`${pad}  ✔ ${item.title} (${Math.round(performance.now() - t0)} ms)`);
    } catch (e) {
      if (e instanceof Skip) {
        pending++;
        out(`${pad}  - ${item.title}`);
      } else {
        failed++;
        out(`${pad}  ✘ ${item.title}\n${pad}    ${(e instanceof Error ? (e.stack ?? e.message) : String(e)).split("\n").join(`\n${pad}    `)}`);
      }
    }
  }
  for (const f of s.after) await f.call(ctx);
}

await import("../unit/backends/cuda.test.js");
await runSuite(root, -1);
out(`\n${passed} passing, ${failed} failing, ${pending} pending`);
process.exit(failed > 0 ? 1 : 0);
