/**
 * What every chain-facing command (stake, register, status) shares: flags, the staking key, the RPC pool,
 * the deployment, amounts, and the translation of chain refusals into one-line errors with exit code 1.
 */
import { readFile } from "node:fs/promises";
import { homedir } from "node:os";
import { join, resolve } from "node:path";
import type { Command } from "commander";
import { formatUnits, getAddress, parseUnits, type Address, type Hex } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { CliExit, ExitCode } from "../program.js";
import { UsageError } from "../../util/errors.js";
import { ChainError, type ChainErrorType } from "../../chain/chain-error.js";
import { loadDeployment, type DeploymentInfo } from "../../chain/deployment.js";
import { connectChain, redactRpcUrl, type ChainConnection } from "../../chain/rpc.js";
import { TxSender } from "../../chain/sender.js";
import { StakingClient } from "../../chain/staking.js";
import { decryptKeystore } from "../../node/keystore.js";

export interface ChainFlags {
  rpc?: string;
  deployment?: string;
  dataDir?: string;
  privateKey?: string;
  txTimeout: string;
}

/** Declare the shared flags on a command. */
export function chainFlags(cmd: Command): Command {
  return cmd
    .option("--rpc <urls>", "JSON-RPC URL(s), comma-separated, tried in order (default: $PROVER_NODE_RPC_URLS)")
    .option("--deployment <file>", "deployment JSON written by the deploy script (default: $PROVER_NODE_DEPLOYMENT_FILE)")
    .option("--data-dir <dir>", "data directory holding keystore.json (default: $PROVER_NODE_DATA_DIR or ~/.prover-node)")
    .option("--private-key <hex>", "staking key in clear (devnets only; default: $PROVER_NODE_PRIVATE_KEY, else the keystore)")
    .option("--tx-timeout <ms>", "how long to wait for a receipt before re-reading chain state", "60000");
}

export const TOKEN_DECIMALS = 18;

/** `1.5` tokens → base units. */
export function parseAmount(v: string, what = "<amount>"): bigint {
  if (!/^\d+(\.\d+)?$/.test(v)) throw new UsageError(`${what} must be a positive number of tokens (e.g. 150 or 0.5), got "${v}"`);
  const [, frac = ""] = v.split(".");
  if (frac.length > TOKEN_DECIMALS) throw new UsageError(`${what} has more than ${TOKEN_DECIMALS} decimals`);
  const n = parseUnits(v, TOKEN_DECIMALS);
  if (n === 0n) throw new UsageError(`${what} must be greater than zero`);
  return n;
}

export function parseProver(v: string): Address {
  if (!/^0x[0-9a-fA-F]{40}$/.test(v)) throw new UsageError(`<prover> must be a 0x-prefixed 20-byte address, got "${v}"`);
  return getAddress(v);
}

export function fmt(amount: bigint): string {
  return `${formatUnits(amount, TOKEN_DECIMALS)} tokens`;
}

export function dataDirOf(flags: { dataDir?: string }): string {
  const raw = flags.dataDir ?? process.env.PROVER_NODE_DATA_DIR ?? join(homedir(), ".prover-node");
  return resolve(raw.startsWith("~/") ? join(homedir(), raw.slice(2)) : raw);
}

/** The contracts the staking commands use. */
type StakingDeployment = DeploymentInfo<"token" | "staking" | "market">;

/** The deployment file through chain/'s parser (the node's own); a bad file is one line, exit 1. */
async function readDeployment(path: string): Promise<StakingDeployment> {
  try {
    return await loadDeployment({ path, require: ["token", "staking", "market"] });
  } catch (err) {
    if (err instanceof ChainError) throw new CliExit(ExitCode.failure, `error: ${err.message}`);
    throw err;
  }
}

async function loadKey(flags: ChainFlags): Promise<Hex> {
  const clear = flags.privateKey ?? (process.env.PROVER_NODE_PRIVATE_KEY || undefined);
  if (clear !== undefined) {
    if (!/^(0x)?[0-9a-fA-F]{64}$/.test(clear)) throw new UsageError("--private-key must be 32 bytes of hex");
    return (clear.startsWith("0x") ? clear : `0x${clear}`) as Hex;
  }
  const file = join(dataDirOf(flags), "keystore.json");
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch {
    throw new CliExit(ExitCode.failure, `error: no staking key: ${file} not found (run \`prover-node init\`, or pass --private-key on a devnet)`);
  }
  const password = process.env.PROVER_NODE_PASSWORD;
  if (password === undefined) throw new CliExit(ExitCode.failure, "error: set PROVER_NODE_PASSWORD to unlock the staking keystore");
  try {
    return await decryptKeystore(text, password);
  } catch (err) {
    throw new CliExit(ExitCode.failure, `error: cannot unlock ${file}: ${(err as Error).message}`);
  }
}

export interface ChainContext {
  conn: ChainConnection;
  sender: TxSender;
  staking: StakingClient;
  account: Address;
  deployment: StakingDeployment;
}

/** Parse flags, unlock the key, connect (with failover) and bind the staking client. */
export async function openChain(flags: ChainFlags): Promise<ChainContext> {
  const rpc = flags.rpc ?? process.env.PROVER_NODE_RPC_URLS;
  if (!rpc) throw new UsageError("--rpc <url>[,<url>…] is required (or set PROVER_NODE_RPC_URLS)");
  const urls = rpc.split(",").map((s) => s.trim()).filter(Boolean);
  for (const u of urls) if (!/^https?:\/\//.test(u)) throw new UsageError(`--rpc: ${redactRpcUrl(u)} is not an http(s) URL`);
  const deploymentPath = flags.deployment ?? process.env.PROVER_NODE_DEPLOYMENT_FILE;
  if (!deploymentPath) throw new UsageError("--deployment <file> is required (or set PROVER_NODE_DEPLOYMENT_FILE)");
  if (!/^\d+$/.test(flags.txTimeout)) throw new UsageError("--tx-timeout must be a number of milliseconds");
  const deployment = await readDeployment(deploymentPath);
  const account = privateKeyToAccount(await loadKey(flags));
  const conn = await connectChain({ urls, timeoutMs: 10_000, expectedChainId: deployment.chainId, account, pollingIntervalMs: 250,
    onSwitch: (s) => process.stderr.write(`warning: RPC ${s.from} failed (${s.reason}); using ${s.to}\n`),
  });
  const sender = new TxSender({ pollIntervalMs: 250 }, { publicClient: conn.public, account, chain: conn.chain });
  const staking = new StakingClient(
    { token: deployment.addresses.token, staking: deployment.addresses.staking, fromBlock: deployment.block, txTimeoutMs: Number(flags.txTimeout) },
    { publicClient: conn.public, sender },
  );
  return { conn, sender, staking, account: account.address, deployment };
}

/** Contract errors, decoded, in words an operator can act on. */
const REVERT_HINTS: Record<string, string> = {
  ProverStaking__NotRegistered: "not registered as a prover (run `prover-node register`)",
  ProverStaking__AlreadyRegistered: "already registered",
  ProverStaking__PeerIdTaken: "this peer id is registered by another address",
  ProverStaking__InsufficientStake: "insufficient stake",
  ProverStaking__InsufficientFreeStake: "insufficient free stake (the rest is locked as collateral)",
  ProverStaking__NothingToWithdraw: "nothing to withdraw",
  ProverStaking__UnbondingNotFinished: "unbonding not matured",
  ProverStaking__NoRewards: "no rewards to claim",
  StakeToken__InsufficientBalance: "insufficient token balance",
  StakeToken__InsufficientAllowance: "insufficient allowance",
};

/** Run a command body; chain refusals become `error: …` with exit code 1. */
export async function withChainErrors(body: () => Promise<void>): Promise<void> {
  try {
    await body();
  } catch (err) {
    if (err instanceof ChainError) throw new CliExit(ExitCode.failure, `error: ${describeChainError(err)}`);
    throw err;
  }
}

function describeChainError(err: ChainError): string {
  const t: ChainErrorType = err.type;
  if ((t.code === "TX_REJECTED" || t.code === "TX_REVERTED") && t.errorName && REVERT_HINTS[t.errorName]) {
    return `${REVERT_HINTS[t.errorName]} (${err.message})`;
  }
  return err.message;
}

export function print(line: string): void {
  process.stdout.write(`${line}\n`);
}
