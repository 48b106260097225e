/** DESIGN §2 for the runtime modules: store ← market, jobs; siblings never import each other; only node/ composes. */
import { strict as assert } from "node:assert";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? sources(p) : p.endsWith(".ts") ? [p] : [];
  });
}

function localTargets(file: string): string[] {
  const text = readFileSync(file, "utf8");
  const specs = [...text.matchAll(/(?:import|export)[^'"]*?from\s+["']([^"']+)["']|import\(\s*["']([^"']+)["']\s*\)|^import\s+["']([^"']+)["']/gm)].map((m) => m[1] ?? m[2] ?? m[3]!);
  return specs.filter((s) => s.startsWith(".")).map((s) => relative("src", resolve(dirname(file), s)).split("/")[0]!);
}

const ALLOWED: Record<string, string[]> = {
  store: ["store", "util"],
  jobs: ["jobs", "store", "util", "stark", "backends", "rollup"],
  market: ["market", "store", "util"],
  api: ["api", "util"],
  node: ["node", "api", "market", "jobs", "store", "util", "stark", "backends", "rollup", "chain", "p2p", "aggregator", "sequencer"],
};

describe("layering of the node runtime (DESIGN §2)", () => {
  for (const [mod, allowed] of Object.entries(ALLOWED)) {
    it(`${mod}/ imports only ${allowed.join(", ")}`, () => {
      for (const f of sources(join("src", mod))) {
        for (const t of localTargets(f)) assert.ok(allowed.includes(t), `${f} imports from ${t}/`);
      }
    });
  }
});
