/**
 * Shared fixture of the contract tests: one anvil per test file, the whole system deployed once,
 * tokens minted and approved for every dev account, and evm_snapshot/evm_revert between tests.
 */
import { strict as assert } from "node:assert";
import {
  createPublicClient,
  createTestClient,
  createWalletClient,
  http,
  parseEther,
  type Chain,
  type HttpTransport,
  type TestClient,
  type Hex,
  type PublicClient,
  type LocalAccount,
  type TransactionReceipt,
  TransactionReceiptNotFoundError,
} from "viem";
import { mnemonicToAccount } from "viem/accounts";
import { anvil as anvilChain } from "viem/chains";
import { buildContracts } from "../../scripts/build-contracts.js";
import { startAnvil, type AnvilInstance, type AnvilOpts } from "../../src/chain/anvil.js";
import { mockStarkVerifier, systemContracts, type AnyWalletClient, type MockStarkVerifierContract, type SystemContracts } from "../../src/chain/contracts.js";
import { deploySystem, type DeployOpts, type Deployment } from "../../src/chain/deploy.js";
import { decodeRevert } from "../../src/chain/errors.js";
import type { DeepPartial, SystemParams } from "../../src/chain/params.js";

/** anvil's deterministic dev accounts (its default mnemonic), as local accounts so that viem
 *  estimates gas before sending and a revert surfaces as a decodable error. */
export const DEV_MNEMONIC = "test test test test test test test test test test test junk";
export const DEV_ACCOUNTS: readonly LocalAccount[] = Array.from({ length: 10 }, (_, i) =>
  mnemonicToAccount(DEV_MNEMONIC, { addressIndex: i }),
);

export const roles = {
  deployer: DEV_ACCOUNTS[0]!, // also the sequencer
  provers: DEV_ACCOUNTS.slice(1, 5),
  delegators: DEV_ACCOUNTS.slice(5, 8),
  challenger: DEV_ACCOUNTS[8]!,
  outsider: DEV_ACCOUNTS[9]!,
};

/** Tests use a non-zero genesis root: bytes32(0) means "unspecified" in batch postings. */
export const TEST_GENESIS_ROOT: Hex = `0x${"05".repeat(32)}`;

/** verifyGasLimit of the mock-verifier fixture (DEVNET_PARAMS' default is sized for the real transfer-v1 verifier). */
export const MOCK_VERIFY_GAS_LIMIT = 8_000_000n;

export const INITIAL_BALANCE = parseEther("1000000");

export interface System {
  anvil: AnvilInstance;
  publicClient: PublicClient;
  wallet: AnyWalletClient;
  test: AnvilTestClient;
  deployment: Deployment;
  c: SystemContracts;
  mock: MockStarkVerifierContract;
  /** Wait for a transaction and assert it succeeded. */
  send(hash: Promise<Hex> | Hex): Promise<TransactionReceipt>;
  snapshot(): Promise<void>;
  revert(): Promise<void>;
  /** Advance time by `seconds` and mine one block. */
  increaseTime(seconds: number | bigint): Promise<void>;
  mine(blocks: number | bigint): Promise<void>;
  now(): Promise<bigint>;
  blockNumber(): Promise<bigint>;
  stop(): Promise<void>;
}

type AnvilTestClient = TestClient<"anvil", HttpTransport, Chain>;

function makeTestClient(rpcUrl: string): AnvilTestClient {
  return createTestClient({ chain: anvilChain, mode: "anvil", transport: http(rpcUrl) }) as unknown as AnvilTestClient;
}

let built = false;
/** Compile once per mocha process (skipped when sources are unchanged since the last build). */
export function ensureBuilt(): void {
  if (built) return;
  buildContracts({ writeAbi: false });
  built = true;
}

/** Deploys contracts the system is then built with (e.g. a generated aggregate verifier), on the same chain. */
export type PreDeploy = (wallet: ReturnType<typeof createWalletClient>, publicClient: PublicClient) => Promise<Partial<DeployOpts>>;

/** The devnet's L1: a 60 M block gas limit (issue 19); EIP-7825 caps each transaction at 16,777,216. */
export const DEVNET_BLOCK_GAS_LIMIT = 60_000_000n;
export const EIP7825_TX_GAS_CAP = 16_777_216n;

export async function startSystem(overrides: DeepPartial<SystemParams> = {}, preDeploy?: PreDeploy, anvilOpts: AnvilOpts = {}): Promise<System> {
  ensureBuilt();
  const anvil = await startAnvil(anvilOpts);
  try {
    const transport = http(anvil.rpcUrl);
    const publicClient = createPublicClient({ chain: anvilChain, transport, pollingInterval: 20 }) as PublicClient;
    const wallet = createWalletClient({ chain: anvilChain, transport }) as AnyWalletClient;
    const deployerWallet = createWalletClient({ chain: anvilChain, transport, account: roles.deployer });
    const test = makeTestClient(anvil.rpcUrl);
    // The mock verifier needs little gas; keep challengeProof within anvil's default 30 M block gas limit.
    const extra = preDeploy ? await preDeploy(deployerWallet, publicClient) : {};
    const deployment = await deploySystem(
      deployerWallet,
      publicClient,
      { ...overrides, market: { verifyGasLimit: MOCK_VERIFY_GAS_LIMIT, ...overrides.market } },
      extra,
    );
    const c = systemContracts(deployment.addresses, { public: publicClient, wallet });
    const mock = mockStarkVerifier(deployment.addresses.verifier, { public: publicClient, wallet });

    const send = async (hash: Promise<Hex> | Hex): Promise<TransactionReceipt> => {
      const receipt = await receiptOf(publicClient, await hash);
      assert.equal(receipt.status, "success", `transaction ${receipt.transactionHash} reverted`);
      return receipt;
    };
    const { token, staking, market } = c;
    for (const a of DEV_ACCOUNTS) await send(token.write.mint([a.address, INITIAL_BALANCE], { account: roles.deployer }));
    await Promise.all(
      DEV_ACCOUNTS.map(async (a) => {
        await send(token.write.approve([staking.address, 2n ** 256n - 1n], { account: a }));
        await send(token.write.approve([market.address, 2n ** 256n - 1n], { account: a }));
      }),
    );

    let snapshotId: Hex | undefined;
    return {
      anvil,
      publicClient,
      wallet,
      test,
      deployment,
      c,
      mock,
      send,
      async snapshot() {
        snapshotId = await test.snapshot();
      },
      async revert() {
        if (snapshotId) await test.revert({ id: snapshotId });
        snapshotId = undefined;
      },
      async increaseTime(seconds) {
        await test.increaseTime({ seconds: Number(seconds) });
        await test.mine({ blocks: 1 });
      },
      async mine(blocks) {
        await test.mine({ blocks: Number(blocks) });
      },
      async now() {
        return (await publicClient.getBlock()).timestamp;
      },
      blockNumber: () => publicClient.getBlockNumber({ cacheTime: 0 }),
      stop: () => anvil.stop(),
    };
  } catch (err) {
    await anvil.stop();
    throw err;
  }
}

/** Mocha hooks: one system per describe block, a snapshot around every test. */
export function useSystem(overrides: DeepPartial<SystemParams> = {}, preDeploy?: PreDeploy, anvilOpts: AnvilOpts = {}): () => System {
  let sys: System | undefined;
  before(async function () {
    // a generated wrap verifier is ten contracts to deploy; the shared machines are slow at times
    this.timeout(300_000);
    sys = await startSystem({ genesisRoot: TEST_GENESIS_ROOT, ...overrides }, preDeploy, anvilOpts);
  });
  beforeEach(async () => {
    activeClient = sys!.publicClient;
    await sys!.snapshot();
  });
  afterEach(async () => sys!.revert());
  after(async () => sys?.stop());
  return () => sys!;
}

let activeClient: PublicClient | undefined;

/**
 * The receipt of a transaction on an automining anvil (mined before eth_sendRawTransaction returns).
 * Polls the receipt directly instead of watching block numbers, which go backwards on evm_revert.
 */
export async function receiptOf(client: PublicClient, hash: Hex, timeoutMs = 20_000): Promise<TransactionReceipt> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await client.getTransactionReceipt({ hash });
    } catch (err) {
      if (!(err instanceof TransactionReceiptNotFoundError) || Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 10));
    }
  }
}

/**
 * Assert that `p` reverts with the custom error `errorName` (and, if given, these arguments).
 * A write with an explicit `gas` is mined without estimation; its revert reason is then read by
 * replaying the transaction on the state before its block (automine: one transaction per block).
 */
export async function expectRevert(p: Promise<unknown>, errorName: string, args?: readonly unknown[]): Promise<void> {
  let err: unknown;
  let result: unknown;
  try {
    result = await p;
  } catch (e) {
    err = e;
  }
  if (!err && typeof result === "string" && /^0x[0-9a-fA-F]{64}$/.test(result) && activeClient) {
    const receipt = await receiptOf(activeClient, result as Hex);
    if (receipt.status === "reverted") {
      const tx = await activeClient.getTransaction({ hash: result as Hex });
      try {
        await activeClient.call({ account: tx.from, to: tx.to!, data: tx.input, gas: tx.gas, blockNumber: receipt.blockNumber - 1n });
      } catch (e) {
        err = e;
      }
      assert.ok(err, `transaction reverted on-chain but not on replay (expected ${errorName})`);
    }
  }
  assert.ok(err, `expected revert ${errorName}, but the call succeeded`);
  const decoded = decodeRevert(err);
  assert.ok(decoded, `expected revert ${errorName}, got an undecodable error: ${String((err as Error).message).slice(0, 400)}`);
  assert.equal(decoded.errorName, errorName, `expected ${errorName}, got ${decoded.errorName}(${decoded.args.join(", ")})`);
  if (args) assert.deepEqual(decoded.args, args);
}
