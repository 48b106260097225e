import { ProverNodeError } from "../util/errors.js";

/** Why a gossip message was refused; `action` is what the topic validator answers. */
export type GossipAction = "IGNORE" | "REJECT";

export type P2pErrorType =
  | { code: "P2P_DECODE"; field: string; detail: string }
  | { code: "P2P_GOSSIP_INVALID"; action: GossipAction; reason: string; detail?: string }
  | { code: "P2P_NOT_STARTED" }
  | { code: "P2P_NO_PROVIDER"; hash: string }
  | { code: "P2P_REQUEST_FAILED"; protocol: string; peer: string; reason: string }
  | { code: "P2P_CONTENT_MISMATCH"; expected: string; actual: string; peer: string }
  | { code: "P2P_TOO_LARGE"; limit: number; size: number }
  | { code: "P2P_IDENTITY"; path: string; detail: string };

/** Every refusal in the p2p layer. Branch on `err.type.code`. */
export class P2pError extends ProverNodeError<P2pErrorType> {}

/** A strict decoder refusing a byte string: names the field that was wrong. */
export class DecodeError extends P2pError {
  constructor(field: string, detail: string) {
    super({ code: "P2P_DECODE", field, detail }, `decode ${field}: ${detail}`);
  }
}

/** A gossip message refused by a topic validator, carrying the validator's answer. */
export class GossipValidationError extends P2pError {
  constructor(action: GossipAction, reason: string, detail?: string) {
    super({ code: "P2P_GOSSIP_INVALID", action, reason, detail }, `gossip ${action}: ${reason}`);
  }
  get action(): GossipAction {
    return (this.type as { action: GossipAction }).action;
  }
  get reason(): string {
    return (this.type as { reason: string }).reason;
  }
}
