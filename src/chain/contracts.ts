/** Typed viem clients for every contract of the system. */
import {
  getContract,
  type Abi,
  type Account,
  type Address,
  type Chain,
  type GetContractReturnType,
  type PublicClient,
  type Transport,
  type WalletClient,
} from "viem";
import {
  aggregatorElectionAbi,
  iStarkVerifierAbi,
  mockStarkVerifierAbi,
  proverStakingAbi,
  rollupAbi,
  segmentMarketAbi,
  stakeTokenAbi,
} from "./abi/index.js";

export interface SystemAddresses {
  token: Address;
  staking: Address;
  market: Address;
  election: Address;
  rollup: Address;
  /** The segment verifier of bundle batches (M1; `challengeProof`, the bundle `submitAggregate`). */
  verifier: Address;
  /** Verifies the keccak proofs that answer validity reports on data batches (`respondInvalid`). */
  disputeVerifier: Address;
  /** The wrap program's verifier: one proof per data batch (`submitAggregate`). */
  aggregateVerifier: Address;
}

/** A wallet client created with a `chain` (so writes need no `chain` argument). */
export type AnyWalletClient = WalletClient<Transport, Chain, Account | undefined>;

/** Without a wallet client the `write` methods are unavailable at run time (reads still work). */
export interface ChainClients {
  public: PublicClient;
  wallet?: AnyWalletClient;
}

export type ContractOf<TAbi extends Abi> = GetContractReturnType<TAbi, { public: PublicClient; wallet: AnyWalletClient }>;

export type StakeTokenContract = ContractOf<typeof stakeTokenAbi>;
export type ProverStakingContract = ContractOf<typeof proverStakingAbi>;
export type SegmentMarketContract = ContractOf<typeof segmentMarketAbi>;
export type AggregatorElectionContract = ContractOf<typeof aggregatorElectionAbi>;
export type RollupContract = ContractOf<typeof rollupAbi>;
export type StarkVerifierContract = ContractOf<typeof iStarkVerifierAbi>;
export type MockStarkVerifierContract = ContractOf<typeof mockStarkVerifierAbi>;

function bind<TAbi extends Abi>(abi: TAbi, address: Address, clients: ChainClients): ContractOf<TAbi> {
  const client = clients.wallet ? { public: clients.public, wallet: clients.wallet } : { public: clients.public };
  return getContract({ abi, address, client }) as unknown as ContractOf<TAbi>;
}

export const stakeToken = (a: Address, c: ChainClients): StakeTokenContract => bind(stakeTokenAbi, a, c);
export const proverStaking = (a: Address, c: ChainClients): ProverStakingContract => bind(proverStakingAbi, a, c);
export const segmentMarket = (a: Address, c: ChainClients): SegmentMarketContract => bind(segmentMarketAbi, a, c);
export const aggregatorElection = (a: Address, c: ChainClients): AggregatorElectionContract =>
  bind(aggregatorElectionAbi, a, c);
export const rollup = (a: Address, c: ChainClients): RollupContract => bind(rollupAbi, a, c);
export const starkVerifier = (a: Address, c: ChainClients): StarkVerifierContract => bind(iStarkVerifierAbi, a, c);
export const mockStarkVerifier = (a: Address, c: ChainClients): MockStarkVerifierContract =>
  bind(mockStarkVerifierAbi, a, c);

export interface SystemContracts {
  token: StakeTokenContract;
  staking: ProverStakingContract;
  market: SegmentMarketContract;
  election: AggregatorElectionContract;
  rollup: RollupContract;
  verifier: StarkVerifierContract;
}

/** All contracts of a deployment, bound to the given clients. */
export function systemContracts(addresses: SystemAddresses, clients: ChainClients): SystemContracts {
  return {
    token: stakeToken(addresses.token, clients),
    staking: proverStaking(addresses.staking, clients),
    market: segmentMarket(addresses.market, clients),
    election: aggregatorElection(addresses.election, clients),
    rollup: rollup(addresses.rollup, clients),
    verifier: starkVerifier(addresses.verifier, clients),
  };
}
