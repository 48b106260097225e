import { P } from "../stark/field/babybear.js";

/** An L2 transfer. Signatures are checked by the sequencer only in v1 (docs/sequencer.md, "What it trusts"). */
export interface Transaction {
  /** Sender slot index (< 2^D). */
  readonly from: number;
  /** Receiver slot index (< 2^D). */
  readonly to: number;
  /** Any u32; amounts >= 2^30 are recorded no-ops. */
  readonly amount: number;
  /** Must equal the sender's nonce; a canonical field element (< p). */
  readonly nonce: number;
}

/** Encoded size of a transaction: from, to, amount, nonce as u32 little-endian. */
export const TX_BYTES = 16;

/** Why a transaction was a no-op; checked in this order, the first that applies is recorded. */
export const TxFailure = {
  unknownSender: "UNKNOWN_SENDER",
  unknownReceiver: "UNKNOWN_RECEIVER",
  selfTransfer: "SELF_TRANSFER",
  amountTooLarge: "AMOUNT_TOO_LARGE",
  badNonce: "BAD_NONCE",
  insufficientBalance: "INSUFFICIENT_BALANCE",
  receiverOverflow: "RECEIVER_OVERFLOW",
} as const;
export type TxFailure = (typeof TxFailure)[keyof typeof TxFailure];

/** Structural validity of a transaction for a tree of depth D (what the codecs enforce). */
export function transactionProblem(tx: Transaction, depth: number): string | null {
  const slots = 2 ** depth;
  const u32 = (x: number): boolean => Number.isInteger(x) && x >= 0 && x <= 0xffffffff;
  if (!u32(tx.from) || tx.from >= slots) return `from = ${tx.from} is not a slot index below 2^${depth}`;
  if (!u32(tx.to) || tx.to >= slots) return `to = ${tx.to} is not a slot index below 2^${depth}`;
  if (!u32(tx.amount)) return `amount = ${tx.amount} is not a u32`;
  if (!u32(tx.nonce) || tx.nonce >= P) return `nonce = ${tx.nonce} is not a canonical field element`;
  return null;
}

export function encodeTransaction(tx: Transaction, out: DataView, offset: number): void {
  out.setUint32(offset, tx.from, true);
  out.setUint32(offset + 4, tx.to, true);
  out.setUint32(offset + 8, tx.amount, true);
  out.setUint32(offset + 12, tx.nonce, true);
}

/** Inverse of encodeTransaction (any 16 bytes decode; `transactionProblem` says whether they are valid). */
export function decodeTransaction(view: DataView, offset: number): Transaction {
  return { from: view.getUint32(offset, true), to: view.getUint32(offset + 4, true), amount: view.getUint32(offset + 8, true), nonce: view.getUint32(offset + 12, true) };
}
