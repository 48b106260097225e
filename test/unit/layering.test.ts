/**
 * The dependency rule of docs/architecture.md ("Layers"), checked on the import statements of every
 * source file: every folder of src/ has a row below, imports only the folders of its row, and a row
 * names only folders of lower layers. A new folder fails here until the architecture says where it sits.
 */
import { strict as assert } from "node:assert";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative, dirname, resolve } from "node:path";

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? sources(p) : p.endsWith(".ts") ? [p] : [];
  });
}

function imports(file: string): string[] {
  const text = readFileSync(file, "utf8");
  return [...text.matchAll(/(?:import|export)[^'"]*?from\s+["']([^"']+)["']|import\(\s*["']([^"']+)["']\s*\)|^import\s+["']([^"']+)["']/gm)].map((m) => m[1] ?? m[2] ?? m[3]!);
}

/** Top-level src folder an import resolves to ("." for src/index.ts), or the package name. */
function target(file: string, spec: string): string {
  if (!spec.startsWith(".")) return `pkg:${spec}`;
  const abs = resolve(dirname(file), spec);
  const parts = relative("src", abs).split("/");
  return parts.length === 1 ? "." : parts[0]!;
}

function folderOf(file: string): string {
  const parts = relative("src", file).split("/");
  return parts.length === 1 ? "." : parts[0]!;
}

/** Layers, lowest first: a folder may import only folders of lower layers (and itself). */
const LAYERS: readonly (readonly string[])[] = [
  ["util"],
  ["stark"],
  ["backends", "rollup", "recursion"],
  ["chain", "p2p", "store", "api"],
  ["market", "jobs", "aggregator", "sequencer"],
  ["node", "."],
  ["cli"],
];

/** What each folder actually may import: a subset of the lower layers (siblings never import each other). */
const ALLOWED: Readonly<Record<string, readonly string[]>> = {
  util: [],
  stark: ["util"],
  backends: ["stark", "util"],
  rollup: ["stark", "util"],
  recursion: ["stark", "util"],
  chain: ["recursion", "rollup", "stark", "util"],
  p2p: ["util"],
  store: ["util"],
  api: ["util"],
  market: ["store", "util"],
  // jobs/ and market/ see the chain and the network only through their ports (jobs/interface.ts).
  jobs: ["store", "backends", "rollup", "stark", "util"],
  aggregator: ["chain", "recursion", "rollup", "stark", "util"],
  sequencer: ["chain", "p2p", "rollup", "stark", "store", "util"],
  node: ["aggregator", "api", "backends", "chain", "jobs", "market", "p2p", "recursion", "rollup", "sequencer", "stark", "store", "util"],
  ".": ["backends", "rollup", "stark", "util"],
  cli: ["node", "aggregator", "api", "backends", "chain", "jobs", "market", "p2p", "recursion", "rollup", "sequencer", "stark", "store", "util"],
};

const layerOf = (folder: string): number => LAYERS.findIndex((l) => l.includes(folder));

describe("layering (docs/architecture.md)", () => {
  const files = sources("src");

  it("every folder of src/ has a layer and a row of allowed imports", () => {
    const folders = new Set(files.map(folderOf));
    for (const f of folders) {
      assert.ok(layerOf(f) >= 0, `src/${f} is in no layer`);
      assert.ok(ALLOWED[f] !== undefined, `src/${f} has no row of allowed imports`);
    }
    assert.deepEqual(Object.keys(ALLOWED).sort(), LAYERS.flat().sort(), "the table and the layers name the same folders");
    assert.ok(folders.size >= 14, `expected every folder of src/, found ${[...folders].join(", ")}`);
  });

  it("a folder's allowed imports are all in lower layers", () => {
    for (const [folder, allowed] of Object.entries(ALLOWED)) {
      for (const dep of allowed) assert.ok(layerOf(dep) < layerOf(folder), `${folder} may not depend on ${dep} (layer ${layerOf(dep)} is not below ${layerOf(folder)})`);
    }
  });

  for (const [folder, allowed] of Object.entries(ALLOWED)) {
    it(`${folder === "." ? "src/index.ts" : `${folder}/`} imports only ${allowed.length > 0 ? allowed.join(", ") : "itself"}`, () => {
      const mine = files.filter((f) => folderOf(f) === folder);
      assert.ok(mine.length > 0, `no sources in ${folder}`);
      for (const f of mine) {
        for (const spec of imports(f)) {
          const t = target(f, spec);
          if (t.startsWith("pkg:") || t === folder) continue;
          assert.ok(allowed.includes(t), `${f} imports ${spec} (${t}/)`);
        }
      }
    });
  }

  it("stark/ imports only util/, stark/ and pure packages (no I/O)", () => {
    for (const f of files.filter((f) => f.startsWith("src/stark/"))) {
      for (const spec of imports(f)) {
        const t = target(f, spec);
        assert.ok(["stark", "util"].includes(t) || t.startsWith("pkg:@noble/hashes"), `${f} imports ${spec}`);
      }
    }
  });

  it("the verifier never imports prover code", () => {
    const banned = ["prover.js", "grind.js", "backends"];
    const seen = new Set<string>();
    const visit = (f: string): void => {
      if (seen.has(f)) return;
      seen.add(f);
      for (const spec of imports(f)) {
        if (!spec.startsWith(".")) continue;
        assert.ok(!banned.some((b) => spec.includes(b)), `${f} (reached from the verifier) imports ${spec}`);
        visit(resolve(dirname(f), spec).replace(/\.js$/, ".ts").replace(process.cwd() + "/", ""));
      }
    };
    visit("src/stark/verifier.ts");
    assert.ok(seen.size > 5);
  });

  it("util/ imports nothing from other modules", () => {
    for (const f of files.filter((f) => f.startsWith("src/util/"))) {
      for (const spec of imports(f)) if (spec.startsWith(".")) assert.equal(target(f, spec), "util", `${f} imports ${spec}`);
    }
  });

  it("kernels (wasm modules, the cuda addon) are loaded only by backends/", () => {
    for (const f of files.filter((f) => !f.startsWith("src/backends/"))) {
      assert.ok(!/build\/kernels|kernels\/(wasm|cuda)|prover_cuda/.test(readFileSync(f, "utf8")), `${f} loads a kernel`);
    }
  });

  it("no production class knows about fault injection: only node/faults.ts and cli/ name it", () => {
    for (const f of files.filter((f) => !f.startsWith("src/node/faults.ts") && !f.startsWith("src/cli/"))) {
      const text = readFileSync(f, "utf8");
      assert.ok(!/PROVER_NODE_FAULTS|silentAsPrimary|respondToReports|withholdProof|silentAggregator|crashMidProof|invalidProof|killAfter/.test(text), `${f} carries a fault switch`);
    }
  });
});
