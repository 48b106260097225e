#!/usr/bin/env node
/**
 * `npm test` after the typecheck: the suite in two mocha processes side by side — the end-to-end files
 * (test/e2e: devnets of real node processes on anvil, mostly waiting on blocks and deadlines) one after
 * the other in one process, everything else in the other. The e2e files never run two devnets at once.
 * The unit suite's output streams live; the e2e suite's is printed when it ends. Exit 1 if either fails.
 *
 *   node scripts/test.mjs [--serial]   (--serial: one process, the e2e files last, as plain `mocha` would)
 */
import { spawn } from "node:child_process";

const E2E = "test/e2e/**/*.test.ts";
/** The e2e suite's own config (the same options, only test/e2e as its spec). */
const E2E_CONFIG = ["--config", "test/e2e/.mocharc.json"];
const mocha = "node_modules/mocha/bin/mocha.js";
const serial = process.argv.includes("--serial");

function run(args, { live }) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [mocha, ...args], { stdio: live ? "inherit" : ["ignore", "pipe", "pipe"] });
    const chunks = [];
    if (!live) {
      child.stdout.on("data", (c) => chunks.push(c));
      child.stderr.on("data", (c) => chunks.push(c));
    }
    child.on("close", (code, signal) => resolve({ code: code ?? (signal ? 1 : 0), output: Buffer.concat(chunks).toString("utf8") }));
  });
}

const started = Date.now();
let results;
if (serial) {
  const unit = await run(["--ignore", E2E], { live: true });
  const e2e = await run(E2E_CONFIG, { live: true });
  results = [unit, e2e];
} else {
  const e2ePromise = run(E2E_CONFIG, { live: false });
  const unit = await run(["--ignore", E2E], { live: true });
  process.stdout.write("\n(unit suite done; waiting for the e2e suite)\n");
  const e2e = await e2ePromise;
  process.stdout.write(`\n--- e2e suite (test/e2e, run alongside) ---\n${e2e.output}\n`);
  results = [unit, e2e];
}
const failed = results.some((r) => r.code !== 0);
process.stdout.write(`\nnpm test: ${failed ? "FAILED" : "passed"} in ${Math.round((Date.now() - started) / 1000)} s (unit exit ${results[0].code}, e2e exit ${results[1].code})\n`);
process.exit(failed ? 1 : 0);
