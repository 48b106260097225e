/**
 * Deploys the whole L1 system to any RPC URL and writes a deployment JSON.
 *
 *   npm run deploy -- --rpc http://127.0.0.1:8545 --private-key 0x… [--out FILE]
 *     [--verifier 0x…] [--sequencer 0x…] [--genesis-root 0x…] [--tree-depth N] [--set market.lockTimeout=120 …]
 *     [--mint 0xaddr=1000]
 *
 * The JSON goes to build/deployments/<chainId>.json unless --out is given. The key may also come from the
 * DEPLOYER_PRIVATE_KEY environment variable. Without --verifier the test stand-in verifier is deployed —
 * only on a local devnet (chain id 31337); on any other chain the script refuses and says why.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { createPublicClient, createWalletClient, defineChain, http, isAddress, isHex, parseEther, type Address, type Hex, type PublicClient } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { buildContracts, ROOT } from "./build-contracts.js";
import { stakeToken } from "../src/chain/contracts.js";
import { deploySystem, deploymentToJson } from "../src/chain/deploy.js";
import { DEVNET_PARAMS, type DeepPartial, type SystemParams } from "../src/chain/params.js";

const USAGE = "usage: deploy --rpc URL (--private-key HEX | env DEPLOYER_PRIVATE_KEY) [--out FILE] [--verifier ADDR] [--sequencer ADDR] [--genesis-root HEX] [--tree-depth N] [--set section.key=value]... [--mint ADDR=TOKENS]...";

/** Parses `section.key=value` overrides against the devnet defaults (types follow the defaults). */
export function parseOverrides(sets: string[]): DeepPartial<SystemParams> {
  const out: Record<string, Record<string, unknown>> = {};
  for (const s of sets) {
    const m = /^(staking|market|election)\.(\w+)=(.+)$/.exec(s);
    if (!m) throw new Error(`bad --set ${s}: expected section.key=value with section staking|market|election`);
    const [, section, key, raw] = m as unknown as [string, "staking" | "market" | "election", string, string];
    const defaults = DEVNET_PARAMS[section] as unknown as Record<string, unknown>;
    if (!(key in defaults)) throw new Error(`unknown parameter ${section}.${key}; known: ${Object.keys(defaults).join(", ")}`);
    const example = defaults[key];
    const value = typeof example === "bigint" ? BigInt(raw) : typeof example === "number" ? Number(raw) : raw;
    if (typeof value === "number" && !Number.isInteger(value)) throw new Error(`${section}.${key} must be an integer`);
    (out[section] ??= {})[key] = value;
  }
  return out as DeepPartial<SystemParams>;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      rpc: { type: "string" },
      "private-key": { type: "string" },
      out: { type: "string" },
      verifier: { type: "string" },
      sequencer: { type: "string" },
      "genesis-root": { type: "string" },
      "tree-depth": { type: "string" },
      set: { type: "string", multiple: true, default: [] },
      mint: { type: "string", multiple: true, default: [] },
      help: { type: "boolean" },
    },
  });
  if (values.help) return console.log(USAGE);
  const key = (values["private-key"] ?? process.env.DEPLOYER_PRIVATE_KEY) as Hex | undefined;
  if (!values.rpc || !key || !isHex(key)) throw new Error(USAGE);
  const overrides = parseOverrides(values.set ?? []);
  if (values.sequencer) {
    if (!isAddress(values.sequencer)) throw new Error("--sequencer must be an address");
    overrides.sequencer = values.sequencer;
  }
  if (values["genesis-root"]) overrides.genesisRoot = values["genesis-root"] as Hex;
  if (values["tree-depth"] !== undefined) {
    const depth = Number(values["tree-depth"]);
    if (!Number.isInteger(depth) || depth < 1 || depth > 30) throw new Error("--tree-depth must be an integer in [1, 30]");
    overrides.treeDepth = depth;
  }
  if (values.verifier && !isAddress(values.verifier)) throw new Error("--verifier must be an address");

  buildContracts({ writeAbi: false });
  const transport = http(values.rpc);
  const probe = createPublicClient({ transport });
  const chainId = await probe.getChainId();
  const chain = defineChain({ id: chainId, name: `chain-${chainId}`, nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 }, rpcUrls: { default: { http: [values.rpc] } } });
  const account = privateKeyToAccount(key);
  const publicClient = createPublicClient({ chain, transport, pollingInterval: 250 }) as PublicClient;
  const wallet = createWalletClient({ chain, transport, account });

  const deployment = await deploySystem(wallet, publicClient, overrides, { verifier: values.verifier as Address | undefined, pollingIntervalMs: 250 });
  if (deployment.verifierKind === "mock") console.warn("warning: deployed the test stand-in verifier (devnets only); pass --verifier for a real one");

  const token = stakeToken(deployment.addresses.token, { public: publicClient, wallet });
  for (const m of values.mint ?? []) {
    const [to, amount] = m.split("=");
    if (!to || !isAddress(to) || !amount) throw new Error(`bad --mint ${m}: expected ADDR=TOKENS`);
    const hash = await token.write.mint([to, parseEther(amount)], { account });
    await publicClient.waitForTransactionReceipt({ hash, pollingInterval: 250 });
  }
  const out = values.out ?? join(ROOT, "build", "deployments", `${deployment.chainId}.json`);
  mkdirSync(dirname(resolve(out)), { recursive: true });
  writeFileSync(out, deploymentToJson(deployment));
  console.log(`deployed to chain ${deployment.chainId} at block ${deployment.block}; wrote ${out}`);
  for (const [name, addr] of Object.entries(deployment.addresses)) console.log(`  ${name.padEnd(9)} ${addr}`);
}

if (process.argv[1]?.endsWith("deploy.ts")) {
  main().catch((err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  });
}
