import { ProverNodeError } from "../util/errors.js";

export type StoreErrorType =
  | { code: "STORE_CORRUPT_VALUE"; detail: string }
  | { code: "STORE_BAD_KEY"; detail: string }
  | { code: "STORE_SCHEMA_TOO_NEW"; onDisk: number; supported: number }
  | { code: "STORE_CLOSED" }
  /** Another process (usually another prover-node on the same data directory) holds the database. */
  | { code: "STORE_LOCKED"; path: string };

export class StoreError extends ProverNodeError<StoreErrorType> {}
