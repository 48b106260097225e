/**
 * The p2p layer's StakeOracle read from L1 (ProverStaking + Rollup). Matched structurally: chain/ and
 * p2p/ are on the same layer (docs/architecture.md §2), so this file does not import p2p/; the composition root and
 * the tests check the fit (`const o: StakeOracle = new ChainStakeOracle(...)`).
 *
 * - isRegistered / peerIdOf: ProverStaking.isRegistered / peerIdOf (peer id bytes → string form).
 * - stakeOf: ProverStaking.weightOf — the pool's active stake while the prover is active (registered and
 *   self-stake ≥ minStake), else 0. The rollup's sequencer counts as staked: its stake is reported as at
 *   least minStake, so it may sign `witnessAvailable` gossip without bonding. It must still be registered
 *   (`register(peerId)`), which is how peers learn its peer id.
 * - minimumStake: ProverStaking.minStake.
 *
 * Answers are cached for `cacheMs` (default 5 s); concurrent questions about the same thing share one
 * RPC call. A failed read is not cached. The sequencer's address is read once (Rollup.sequencer()) and
 * kept: a `setSequencer` on L1 needs a new oracle (or a node restart).
 */
import { getAddress, type Address, type PublicClient } from "viem";
import { proverStakingAbi, rollupAbi } from "./abi/index.js";
import { peerIdFromChain } from "./peer-id.js";

export interface ChainStakeOracleOpts {
  staking: Address;
  rollup: Address;
  /** How long an answer is reused (ms); default 5000. 0 disables the cache. */
  cacheMs?: number;
}

export interface ChainStakeOracleModules {
  publicClient: PublicClient;
  now?: () => number;
}

export const DEFAULT_STAKE_ORACLE_CACHE_MS = 5000;

interface Entry {
  at: number;
  value: Promise<unknown>;
}

/** Most cached answers kept; the oldest are dropped first. */
const MAX_ENTRIES = 10_000;

export class ChainStakeOracle {
  private readonly client: PublicClient;
  private readonly cacheMs: number;
  private readonly now: () => number;
  private readonly cache = new Map<string, Entry>();
  private sequencerAddress: Promise<Address> | null = null;

  constructor(
    private readonly opts: ChainStakeOracleOpts,
    modules: ChainStakeOracleModules,
  ) {
    this.client = modules.publicClient;
    this.cacheMs = opts.cacheMs ?? DEFAULT_STAKE_ORACLE_CACHE_MS;
    this.now = modules.now ?? Date.now;
  }

  isRegistered(address: Address): Promise<boolean> {
    const a = getAddress(address);
    return this.cached(`registered:${a}`, () =>
      this.client.readContract({ address: this.opts.staking, abi: proverStakingAbi, functionName: "isRegistered", args: [a] }),
    );
  }

  async stakeOf(address: Address): Promise<bigint> {
    const a = getAddress(address);
    const [weight, sequencer] = await Promise.all([
      this.cached(`weight:${a}`, () =>
        this.client.readContract({ address: this.opts.staking, abi: proverStakingAbi, functionName: "weightOf", args: [a] }),
      ),
      this.sequencer(),
    ]);
    if (a !== sequencer) return weight;
    const min = await this.minimumStake();
    return weight > min ? weight : min;
  }

  peerIdOf(address: Address): Promise<string | null> {
    const a = getAddress(address);
    return this.cached(`peer:${a}`, async () =>
      peerIdFromChain(await this.client.readContract({ address: this.opts.staking, abi: proverStakingAbi, functionName: "peerIdOf", args: [a] })),
    );
  }

  minimumStake(): Promise<bigint> {
    return this.cached("minStake", () =>
      this.client.readContract({ address: this.opts.staking, abi: proverStakingAbi, functionName: "minStake" }),
    );
  }

  /** The rollup's sequencer (Rollup.sequencer()), read once. */
  sequencer(): Promise<Address> {
    if (this.sequencerAddress === null) {
      const read = this.client
        .readContract({ address: this.opts.rollup, abi: rollupAbi, functionName: "sequencer" })
        .then((a) => getAddress(a));
      this.sequencerAddress = read;
      read.catch(() => {
        if (this.sequencerAddress === read) this.sequencerAddress = null; // retry on the next call
      });
    }
    return this.sequencerAddress;
  }

  /** Forget every cached answer (e.g. right after registering or bonding). */
  invalidate(): void {
    this.cache.clear();
  }

  private cached<T>(key: string, read: () => Promise<T>): Promise<T> {
    const now = this.now();
    const hit = this.cache.get(key);
    if (hit !== undefined && now - hit.at < this.cacheMs) return hit.value as Promise<T>;
    const value = read();
    if (this.cacheMs > 0) {
      const entry: Entry = { at: now, value };
      this.cache.delete(key);
      this.cache.set(key, entry);
      if (this.cache.size > MAX_ENTRIES) this.cache.delete(this.cache.keys().next().value as string);
      value.catch(() => {
        if (this.cache.get(key) === entry) this.cache.delete(key);
      });
    }
    return value;
  }
}
