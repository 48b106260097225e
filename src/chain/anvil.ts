/**
 * Spawns a local anvil (from the @foundry-rs/anvil npm package) on a free port. Used by the contract
 * tests and, at run time, by devnets.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { createRequire } from "node:module";
import { createServer } from "node:net";
import { dirname, join } from "node:path";
import { existsSync } from "node:fs";

export interface AnvilOpts {
  /** Port to listen on; a free one is picked when omitted. */
  port?: number;
  chainId?: number;
  /** Seconds per block; automine (a block per transaction) when omitted. */
  blockTime?: number;
  accounts?: number;
  /** Extra command-line arguments. */
  args?: string[];
  /** Milliseconds to wait for the RPC to come up. */
  startTimeoutMs?: number;
}

export interface AnvilInstance {
  rpcUrl: string;
  port: number;
  chainId: number;
  pid: number | undefined;
  /** Kill anvil and wait for it to exit. Safe to call twice. */
  stop(): Promise<void>;
}

export const DEFAULT_ANVIL_CHAIN_ID = 31337;

/** Path of the anvil binary shipped by the platform package of @foundry-rs/anvil. */
export function anvilBinaryPath(): string {
  const require = createRequire(import.meta.url);
  const platformPkg = `@foundry-rs/anvil-${process.platform}-${process.arch === "x64" ? "amd64" : process.arch}`;
  let pkgJson: string;
  try {
    pkgJson = require.resolve(`${platformPkg}/package.json`);
  } catch {
    throw new Error(`anvil binary package ${platformPkg} is not installed`);
  }
  const bin = join(dirname(pkgJson), "bin", process.platform === "win32" ? "anvil.exe" : "anvil");
  if (!existsSync(bin)) throw new Error(`anvil binary missing from ${platformPkg}`);
  return bin;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const addr = srv.address();
      const port = typeof addr === "object" && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

export async function startAnvil(opts: AnvilOpts = {}): Promise<AnvilInstance> {
  const attempts = opts.port === undefined ? 3 : 1;
  let lastError: unknown;
  for (let i = 0; i < attempts; i++) {
    const port = opts.port ?? (await freePort());
    try {
      return await spawnOnce(port, opts);
    } catch (err) {
      lastError = err; // most likely the port was taken between freePort() and spawn: try another
    }
  }
  throw lastError;
}

async function spawnOnce(port: number, opts: AnvilOpts): Promise<AnvilInstance> {
  const chainId = opts.chainId ?? DEFAULT_ANVIL_CHAIN_ID;
  const args = ["--host", "127.0.0.1", "--port", String(port), "--chain-id", String(chainId)];
  if (opts.blockTime !== undefined) args.push("--block-time", String(opts.blockTime));
  if (opts.accounts !== undefined) args.push("--accounts", String(opts.accounts));
  args.push(...(opts.args ?? []));
  const child = spawn(anvilBinaryPath(), args, { stdio: ["ignore", "pipe", "pipe"] });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  let output = "";
  const onData = (d: Buffer): void => {
    if (output.length < 10_000) output += d.toString();
  };
  child.stdout!.on("data", onData);
  child.stderr!.on("data", onData);

  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
    await exited;
  };

  try {
    await waitForListening(child, () => output, opts.startTimeoutMs ?? 20_000);
  } catch (err) {
    await stop();
    throw err;
  }
  // Keep draining the pipes so anvil never blocks on a full buffer, without retaining the text.
  child.stdout!.off("data", onData).resume();
  child.stderr!.off("data", onData).resume();
  return { rpcUrl: `http://127.0.0.1:${port}`, port, chainId, pid: child.pid, stop };
}

function waitForListening(child: ChildProcess, output: () => string, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => finish(new Error(`anvil did not start within ${timeoutMs} ms: ${output().slice(-500)}`)), timeoutMs);
    const poll = setInterval(() => {
      if (output().includes("Listening on")) finish();
    }, 20);
    const onExit = (): void => finish(new Error(`anvil exited during start-up: ${output().slice(-500)}`));
    child.once("exit", onExit);
    function finish(err?: Error): void {
      clearTimeout(timer);
      clearInterval(poll);
      child.off("exit", onExit);
      if (err) reject(err);
      else resolve();
    }
  });
}
