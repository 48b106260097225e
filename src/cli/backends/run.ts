import { availableParallelism } from "node:os";
import { listBackends, resolveBackendKind } from "../../backends/select.js";

export function runBackends(): void {
  const lines = listBackends().map((b) => {
    if (!b.available) return `${b.kind}: not available (${b.reason})`;
    return b.kind === "wasm" ? `wasm: available (SIMD128, ${availableParallelism()} threads by default)` : `${b.kind}: available`;
  });
  lines.push(`auto -> ${resolveBackendKind("auto")}`);
  process.stdout.write(lines.join("\n") + "\n");
}
