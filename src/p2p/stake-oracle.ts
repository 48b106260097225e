import { getAddress, type Address } from "viem";

/**
 * What the p2p layer needs to know about stakers. The chain-backed implementation (reading
 * ProverStaking) is chain/'s `ChainStakeOracle`; unit tests use `MemoryStakeOracle`.
 */
export interface StakeOracle {
  /** The address called `register(peerId)` and has not been removed. */
  isRegistered(address: Address): Promise<boolean>;
  /** Bonded stake (wei), 0n when none. */
  stakeOf(address: Address): Promise<bigint>;
  /** The libp2p peer id (string form) the address registered, or null. */
  peerIdOf(address: Address): Promise<string | null>;
  /** Smallest stake that lets an address take part (ProverStaking's minimum). */
  minimumStake(): Promise<bigint>;
}

export interface StakerRecord {
  peerId: string;
  stake: bigint;
}

/** A StakeOracle over a Map, for tests and local devnets. */
export class MemoryStakeOracle implements StakeOracle {
  private readonly stakers = new Map<Address, StakerRecord>();

  constructor(private minStake = 1n) {}

  set(address: Address, record: StakerRecord): void {
    this.stakers.set(getAddress(address), record);
  }
  remove(address: Address): void {
    this.stakers.delete(getAddress(address));
  }
  setMinimumStake(v: bigint): void {
    this.minStake = v;
  }

  async isRegistered(address: Address): Promise<boolean> {
    return this.stakers.has(getAddress(address));
  }
  async stakeOf(address: Address): Promise<bigint> {
    return this.stakers.get(getAddress(address))?.stake ?? 0n;
  }
  async peerIdOf(address: Address): Promise<string | null> {
    return this.stakers.get(getAddress(address))?.peerId ?? null;
  }
  async minimumStake(): Promise<bigint> {
    return this.minStake;
  }
}
