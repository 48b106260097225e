/** Deploys the whole L1 system (token, staking, verifier, market, election, rollup) and wires it. */
import { getAddress, type Abi, type Account, type Address, type Chain, type Hex, type PublicClient, type Transport, type WalletClient } from "viem";
import { loadArtifact } from "./artifacts.js";
import { proverStakingAbi, segmentMarketAbi } from "./abi/index.js";
import type { SystemAddresses } from "./contracts.js";
import { withDefaults, type DeepPartial, type SystemParams } from "./params.js";
import { ProverNodeError } from "../util/errors.js";

/** The local-devnet chain id (anvil's default): the only chain the test MockStarkVerifier may be deployed on. */
export const LOCAL_DEVNET_CHAIN_ID = 31337;

/** A deployment refused before any transaction was sent. */
export class DeployError extends ProverNodeError<{ code: "MOCK_VERIFIER_REFUSED"; chainId: number }> {}

export interface DeployOpts {
  /**
   * An existing IStarkVerifier; when omitted the test MockStarkVerifier is deployed, which accepts whatever
   * a test tells it to: only on a local devnet (chain id 31337), refused with DeployError elsewhere.
   */
  verifier?: Address;
  /** Receipt polling interval in ms (small on local chains). */
  pollingIntervalMs?: number;
}

export interface Deployment {
  chainId: number;
  /** Block of the last deployment transaction. */
  block: bigint;
  deployer: Address;
  addresses: SystemAddresses;
  verifierKind: "external" | "mock";
  params: SystemParams;
}

type Wallet = WalletClient<Transport, Chain | undefined, Account>;

export async function deploySystem(
  walletClient: Wallet,
  publicClient: PublicClient,
  overrides: DeepPartial<SystemParams> = {},
  opts: DeployOpts = {},
): Promise<Deployment> {
  const params = withDefaults(overrides);
  if (!opts.verifier) {
    const chainId = await publicClient.getChainId();
    if (chainId !== LOCAL_DEVNET_CHAIN_ID) {
      throw new DeployError(
        { code: "MOCK_VERIFIER_REFUSED", chainId },
        `refusing to deploy the test MockStarkVerifier on chain ${chainId}: it accepts any proof a test marks valid, so it is for local devnets (chain id ${LOCAL_DEVNET_CHAIN_ID}) only; deploy a generated STARK verifier and pass its address (--verifier)`,
      );
    }
  }
  const account = walletClient.account;
  const deployer = account.address;
  const sequencer = params.sequencer ?? deployer;
  const pollingInterval = opts.pollingIntervalMs ?? 50;
  let lastBlock = 0n;

  const wait = async (hash: Hex) => {
    const receipt = await publicClient.waitForTransactionReceipt({ hash, pollingInterval });
    if (receipt.status !== "success") throw new Error(`deployment transaction ${hash} reverted`);
    lastBlock = receipt.blockNumber;
    return receipt;
  };
  const deploy = async (name: string, args: readonly unknown[]): Promise<Address> => {
    const art = loadArtifact(name);
    const hash = await walletClient.deployContract({
      abi: art.abi as Abi,
      bytecode: art.bytecode,
      args: args as unknown[],
      account,
      chain: walletClient.chain,
    });
    const receipt = await wait(hash);
    if (!receipt.contractAddress) throw new Error(`${name} deployment returned no address`);
    return getAddress(receipt.contractAddress);
  };

  const token = await deploy("StakeToken", [params.tokenName, params.tokenSymbol, deployer]);
  const staking = await deploy("ProverStaking", [token, params.staking]);
  const verifier = opts.verifier ?? (await deploy("MockStarkVerifier", []));
  const market = await deploy("SegmentMarket", [token, staking, verifier, params.market]);
  const election = await deploy("AggregatorElection", [staking, params.election]);
  const rollup = await deploy("Rollup", [market, election, staking, verifier, params.genesisRoot, sequencer, params.treeDepth]);

  await wait(
    await walletClient.writeContract({
      abi: proverStakingAbi,
      address: staking,
      functionName: "initialize",
      args: [market, rollup],
      account,
      chain: walletClient.chain,
    }),
  );
  await wait(
    await walletClient.writeContract({
      abi: segmentMarketAbi,
      address: market,
      functionName: "initialize",
      args: [rollup],
      account,
      chain: walletClient.chain,
    }),
  );

  return {
    chainId: await publicClient.getChainId(),
    block: lastBlock,
    deployer,
    addresses: { token, staking, market, election, rollup, verifier },
    verifierKind: opts.verifier ? "external" : "mock",
    params: { ...params, sequencer },
  };
}

/** JSON form of a deployment (bigints as decimal strings). */
export function deploymentToJson(d: Deployment): string {
  return `${JSON.stringify(d, (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v), 2)}\n`;
}
