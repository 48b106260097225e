import { type Account, accountLeaf, EMPTY_LEAF } from "./account.js";
import { type Digest, isDigest } from "./digest.js";
import { RollupError } from "./errors.js";
import { AMOUNT_LIMIT, checkTreeDepth } from "./options.js";
import { type Transaction, TxFailure, transactionProblem } from "./transaction.js";
import { type MerkleProof, SparseMerkleTree } from "./tree.js";

/** What a prover needs about one slot touched by a transaction: its leaf before the update and its path. */
export interface LeafOpening {
  /** The account in the slot before the update, or undefined for an empty slot. */
  readonly account: Account | undefined;
  /** Siblings from the leaf up, against the root the update starts from. */
  readonly siblings: readonly Digest[];
}

/** One executed transaction: its outcome and the openings that let a prover replay it. */
export interface TxStep {
  readonly tx: Transaction;
  /** null: applied; otherwise the reason it was a no-op. */
  readonly failure: TxFailure | null;
  /** The sender's slot, against the root before the transaction. */
  readonly sender: LeafOpening;
  /** The receiver's slot, against the root after the sender's update. */
  readonly receiver: LeafOpening;
  readonly rootBefore: Digest;
  readonly rootAfter: Digest;
}

/** Genesis: the tree depth and the accounts at slots 0 … n−1 (nonce 0). */
export interface Genesis {
  readonly treeDepth: number;
  readonly accounts: readonly Account[];
}

/**
 * Outcome of `tx` applied to the slots' current accounts: the failure (first applicable reason, in
 * TxFailure order) or null, and the accounts after it. Pure; this is the whole transfer rule.
 */
export function transition(
  tx: Transaction,
  sender: Account | undefined,
  receiver: Account | undefined,
): { failure: TxFailure | null; sender: Account | undefined; receiver: Account | undefined } {
  const fail = (failure: TxFailure) => ({ failure, sender, receiver });
  if (sender === undefined) return fail(TxFailure.unknownSender);
  if (receiver === undefined) return fail(TxFailure.unknownReceiver);
  if (tx.from === tx.to) return fail(TxFailure.selfTransfer);
  if (tx.amount >= AMOUNT_LIMIT) return fail(TxFailure.amountTooLarge);
  if (tx.nonce !== sender.nonce) return fail(TxFailure.badNonce);
  if (sender.balance < tx.amount) return fail(TxFailure.insufficientBalance);
  if (receiver.balance + tx.amount >= AMOUNT_LIMIT) return fail(TxFailure.receiverOverflow);
  return {
    failure: null,
    sender: { ...sender, balance: sender.balance - tx.amount, nonce: sender.nonce + 1 },
    receiver: { ...receiver, balance: receiver.balance + tx.amount },
  };
}

/** The L2 state: accounts by slot and the sparse Merkle tree over their leaves. */
export class RollupState {
  readonly tree: SparseMerkleTree;
  private readonly accounts = new Map<number, Account>();

  constructor(readonly treeDepth: number) {
    checkTreeDepth(treeDepth);
    this.tree = new SparseMerkleTree(treeDepth);
  }

  /**
   * State from a genesis. Refuses balances >= 2^30 and a total supply >= 2^30 (so no receiver can
   * ever overflow), nonces other than 0, malformed keys, and more accounts than slots.
   */
  static fromGenesis(genesis: Genesis): RollupState {
    const state = new RollupState(genesis.treeDepth);
    if (genesis.accounts.length > state.tree.capacity) throw new RollupError("genesis: more accounts than tree slots");
    let supply = 0;
    genesis.accounts.forEach((a, i) => {
      if (!isDigest(a.key)) throw new RollupError(`genesis: account ${i}: key is not 8 canonical elements`);
      if (!Number.isInteger(a.balance) || a.balance < 0 || a.balance >= AMOUNT_LIMIT) {
        throw new RollupError(`genesis: account ${i}: balance ${a.balance} outside [0, 2^30)`);
      }
      if (a.nonce !== 0) throw new RollupError(`genesis: account ${i}: nonce must be 0`);
      supply += a.balance;
      state.put(i, a);
    });
    if (supply >= AMOUNT_LIMIT) throw new RollupError(`genesis: total supply ${supply} must stay below 2^30`);
    return state;
  }

  get root(): Digest {
    return this.tree.root;
  }

  account(index: number): Account | undefined {
    return this.accounts.get(index);
  }

  /** Apply one transaction (total: an invalid one is a recorded no-op) and return its step. */
  apply(tx: Transaction): TxStep {
    const problem = transactionProblem(tx, this.treeDepth);
    if (problem !== null) throw new RollupError(`transaction is malformed: ${problem}`);
    const rootBefore = this.root;
    const senderBefore = this.accounts.get(tx.from);
    const senderProof = this.tree.proof(tx.from);
    const out = transition(tx, senderBefore, this.accounts.get(tx.to));
    if (out.failure === null) this.put(tx.from, out.sender!);
    // The receiver is read after the sender's update (they differ only when from = to: a no-op).
    const receiverBefore = this.accounts.get(tx.to);
    const receiverProof = this.tree.proof(tx.to);
    if (out.failure === null) this.put(tx.to, out.receiver!);
    return {
      tx,
      failure: out.failure,
      sender: opening(senderBefore, senderProof),
      receiver: opening(receiverBefore, receiverProof),
      rootBefore,
      rootAfter: this.root,
    };
  }

  private put(index: number, account: Account): void {
    this.accounts.set(index, account);
    this.tree.setLeaf(index, accountLeaf(account));
  }
}

function opening(account: Account | undefined, proof: MerkleProof): LeafOpening {
  return { account, siblings: proof.siblings };
}

export { EMPTY_LEAF };
