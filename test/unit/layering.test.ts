/** DESIGN §2 dependency direction, checked on the import statements of every source file. */
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

/** Top-level src folder an import resolves to, or the package name. */
function target(file: string, spec: string): string {
  if (!spec.startsWith(".")) return `pkg:${spec}`;
  const abs = resolve(dirname(file), spec);
  return relative("src", abs).split("/")[0]!;
}

describe("layering (DESIGN §2)", () => {
  const files = sources("src");

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
});
