import { availableParallelism } from "node:os";
import { listBackends, resolveBackendKind } from "../../backends/select.js";

export function runBackends(): void {
  const lines = listBackends().map((b) => {
    if (!b.available) return `${b.kind}: not available (${b.reason})`;
    if (b.kind === "wasm") return `wasm: available (SIMD128, ${availableParallelism()} threads by default)`;
    return b.detail ? `${b.kind}: available (${b.detail})` : `${b.kind}: available`;
  });
  lines.push(`auto -> ${resolveBackendKind("auto")}`);
  process.stdout.write(lines.join("\n") + "\n");
}
