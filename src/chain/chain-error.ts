/** Typed errors of the chain runtime (RPC, transactions, staking pre-checks). */
import { ProverNodeError } from "../util/errors.js";

export type ChainErrorType =
  | { code: "RPC_UNREACHABLE"; urls: string[]; lastError: string; /** every endpoint refused the connection (nothing listens) */ refused?: boolean }
  | { code: "CHAIN_ID_MISMATCH"; expected: number; actual: number }
  | { code: "TX_REVERTED"; hash: string; errorName: string | null }
  | { code: "TX_REJECTED"; errorName: string | null; detail: string }
  | { code: "TX_NOT_CONFIRMED"; hash: string; attempts: number }
  | { code: "NOT_REGISTERED"; prover: string }
  | { code: "ALREADY_REGISTERED"; prover: string }
  | { code: "INSUFFICIENT_BALANCE"; needed: bigint; balance: bigint }
  | { code: "INSUFFICIENT_STAKE"; requested: bigint; available: bigint }
  | { code: "INSUFFICIENT_FREE_STAKE"; requested: bigint; free: bigint }
  | { code: "NOTHING_TO_WITHDRAW"; prover: string }
  | { code: "UNBONDING_NOT_MATURED"; releaseAt: number; now: number }
  | { code: "NO_REWARDS"; account: string }
  | { code: "INSUFFICIENT_GAS_FUNDS"; address: string }
  | { code: "DEPLOYMENT_INVALID"; path: string | null; detail: string };

/** Every refusal of the chain module: a code the CLI and the node branch on, and a sentence for people. */
export class ChainError extends ProverNodeError<ChainErrorType> {}
