/**
 * The sequencer's p2p side: a P2pNetwork that serves the sequencer's witness store over `witness/1`,
 * validates gossip with the chain-backed stake oracle, and whose peer id is registered on
 * ProverStaking from the sequencer's account (that is how provers find it: `fetchWitness(hash,
 * {signers: [sequencer]})` resolves the signer's registered peer id).
 *
 * Recipe (what `startSequencerNetwork` does, for callers that build the network themselves):
 *   const store = await LevelSequencerStore.open(dir);          // or new MemorySequencerStore()
 *   const network = createP2pNetwork(p2pOpts, {oracle: new ChainStakeOracle({staking, rollup}, {publicClient}),
 *                                              stakingKey: sequencerKey, stores: {witness: {get: (h) => store.witness(h)}}});
 *   await network.start(); await ensureRegistered(network.peerId, {publicClient, sender, staking});
 *   const sequencer = new Sequencer(opts, {publicClient, sender, addresses, network, store});
 */
import { encodeFunctionData, type Address, type Hex, type PublicClient } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { proverStakingAbi } from "../chain/abi/index.js";
import type { SystemAddresses } from "../chain/contracts.js";
import { peerIdFromChain, peerIdToChain } from "../chain/peer-id.js";
import type { TxSender } from "../chain/sender.js";
import { withRpcRetry } from "../chain/rpc.js";
import { ChainStakeOracle } from "../chain/stake-oracle.js";
import { createP2pNetwork, type P2pNetwork } from "../p2p/network.js";
import type { P2pOpts, P2pOptsInput } from "../p2p/options.js";
import { nullLogger, type Logger } from "../util/logger.js";
import { SequencerError } from "./errors.js";
import { MemorySequencerStore, type SequencerStore } from "./store.js";

export interface EnsureRegisteredModules {
  publicClient: PublicClient;
  /** Sends from the sequencer's account. */
  sender: TxSender;
  staking: Address;
  txTimeoutMs?: number;
  logger?: Logger;
}

/**
 * Make ProverStaking map the sender's address to `peerId`: `register` when unregistered,
 * `updatePeerId` when registered with another id, nothing when already right (idempotent).
 * Returns what was done.
 */
export async function ensureRegistered(peerId: string, m: EnsureRegisteredModules): Promise<"registered" | "updated" | "unchanged"> {
  const me = m.sender.address;
  const read = async (): Promise<{ registered: boolean; peerId: string | null }> => {
    const [registered, bytes] = await Promise.all([
      m.publicClient.readContract({ address: m.staking, abi: proverStakingAbi, functionName: "isRegistered", args: [me] }),
      m.publicClient.readContract({ address: m.staking, abi: proverStakingAbi, functionName: "peerIdOf", args: [me] }),
    ]);
    return { registered, peerId: peerIdFromChain(bytes) };
  };
  const now = await read();
  if (now.registered && now.peerId === peerId) return "unchanged";
  const functionName = now.registered ? "updatePeerId" : "register";
  const data = encodeFunctionData({ abi: proverStakingAbi, functionName, args: [peerIdToChain(peerId)] });
  await m.sender.sendAndConfirm(
    { to: m.staking, data },
    { timeoutMs: m.txTimeoutMs ?? 30_000, isDone: async () => (await read()).peerId === peerId },
  );
  (m.logger ?? nullLogger).info("Sequencer peer id registered", { address: me, peerId, via: functionName });
  return now.registered ? "updated" : "registered";
}

export interface SequencerNetworkOpts {
  p2p: P2pOptsInput | P2pOpts;
  /** Stake oracle cache (ms); default 5000. */
  oracleCacheMs?: number;
  txTimeoutMs?: number;
  /** How long the registration check waits out a flaky RPC at start (ms); default 120000. */
  startupRpcRetryMs?: number;
}

export interface SequencerNetworkModules {
  publicClient: PublicClient;
  sender: TxSender;
  addresses: SystemAddresses;
  /** The sequencer's secp256k1 key (signs gossip); must be the sender's account. */
  stakingKey: Hex;
  /** The store the Sequencer writes batches and witnesses to (served over `witness/1`); a new MemorySequencerStore when omitted. */
  store?: SequencerStore;
  logger?: Logger;
}

/** Create and start the sequencer's P2pNetwork and register its peer id on L1. */
export async function startSequencerNetwork(
  opts: SequencerNetworkOpts,
  m: SequencerNetworkModules,
): Promise<{ network: P2pNetwork; oracle: ChainStakeOracle; store: SequencerStore }> {
  const keyAddress = privateKeyToAccount(m.stakingKey).address;
  if (keyAddress.toLowerCase() !== m.sender.address.toLowerCase()) {
    throw new SequencerError({ code: "SEQUENCER_KEY_MISMATCH", sender: m.sender.address, keyAddress }, `the staking key's address ${keyAddress} is not the sender's ${m.sender.address}`);
  }
  const oracle = new ChainStakeOracle({ staking: m.addresses.staking, rollup: m.addresses.rollup, cacheMs: opts.oracleCacheMs }, { publicClient: m.publicClient });
  const store = m.store ?? new MemorySequencerStore();
  const network = createP2pNetwork(opts.p2p, { oracle, stakingKey: m.stakingKey, stores: { witness: { get: (hash) => store.witness(hash) } }, logger: m.logger });
  await network.start();
  try {
    // A flaky RPC at start is waited out, as a node's start does: a sequencer restart that gave up on
    // one failed read stayed down, and every open batch's witnesses with it (chaos ci seed 7).
    await withRpcRetry(() => ensureRegistered(network.peerId, { publicClient: m.publicClient, sender: m.sender, staking: m.addresses.staking, txTimeoutMs: opts.txTimeoutMs, logger: m.logger }), {
      timeoutMs: opts.startupRpcRetryMs ?? 120_000,
      onRetry: (err, attempt) => m.logger?.warn("L1 read failed at the sequencer's start; retrying", { attempt, error: (err as Error).message.split("\n")[0] }),
    });
  } catch (err) {
    await network.stop();
    throw err;
  }
  oracle.invalidate();
  return { network, oracle, store };
}
