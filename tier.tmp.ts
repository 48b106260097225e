import { createWasmBackend } from "./src/backends/wasm/index.js";
const cols = Array.from({ length: 8 }, () => Uint32Array.from({ length: 1 << 16 }, () => Math.floor(Math.random() * 2013265921)));
const be = createWasmBackend({ threads: 1 });
for (let i = 0; i < 6; i++) {
  const t0 = performance.now();
  await be.evaluateOnCoset(cols, 3, 31);
  const t1 = performance.now();
  await be.merkleCommit(cols, 1);
  console.log(i, (t1 - t0).toFixed(1), (performance.now() - t1).toFixed(1));
}
await be.close();
