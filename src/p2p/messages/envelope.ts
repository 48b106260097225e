import { keccak_256 } from "@noble/hashes/sha3.js";
import { bytesToHex, getAddress, hashMessage, hexToBytes, recoverAddress, type Address, type Hex } from "viem";
import { sign } from "viem/accounts";
import { DecodeError } from "../errors.js";
import { Reader, Writer } from "./binary.js";
import { decodeBody, encodeBody, KIND_CODES, kindFromCode, type GossipBody } from "./payloads.js";

/**
 * Gossip envelope, version 1 (little-endian):
 *
 *   u8  version (1) | u8 kind | u64 timestamp (ms since epoch) | 20B signer address
 *   u16 payload length | payload | 65B signature (r ‖ s ‖ v, v ∈ {27, 28}, low s)
 *
 * The signature is the signer's secp256k1 staking key over EIP-191
 * `hashMessage({raw: keccak256(DOMAIN ‖ u8 len(network) ‖ network ‖ envelope bytes before the signature)})`.
 * The domain tag and network name keep a signature from being replayed on another network or read as
 * anything but a gossip message; EIP-191 keeps it from ever being a valid transaction signature.
 */
export const ENVELOPE_VERSION = 1;
export const SIGNATURE_LENGTH = 65;
export const ENVELOPE_HEADER_LENGTH = 1 + 1 + 8 + 20 + 2;
const DOMAIN = new TextEncoder().encode("zkprover/gossip/1");
const SECP256K1_HALF_N = 0x7fffffffffffffffffffffffffffffff5d576e7357a4501ddfe92f46681b20a0n;

export interface SignedMessage {
  version: number;
  timestamp: number;
  signer: Address;
  body: GossipBody;
  signature: Hex;
  /** keccak256 of the whole encoded envelope: the gossip message id and duplicate key. */
  id: Hex;
  /** The digest that was signed (before EIP-191 wrapping). */
  digest: Hex;
}

export function signingDigest(network: string, unsigned: Uint8Array): Uint8Array {
  const net = new TextEncoder().encode(network);
  const pre = new Uint8Array(DOMAIN.length + 1 + net.length + unsigned.length);
  pre.set(DOMAIN, 0);
  pre[DOMAIN.length] = net.length;
  pre.set(net, DOMAIN.length + 1);
  pre.set(unsigned, DOMAIN.length + 1 + net.length);
  return keccak_256(pre);
}

function encodeUnsigned(body: GossipBody, timestamp: number, signer: Address): Uint8Array {
  const payload = encodeBody(body);
  return new Writer(ENVELOPE_HEADER_LENGTH + payload.length + SIGNATURE_LENGTH)
    .u8(ENVELOPE_VERSION)
    .u8(KIND_CODES[body.kind])
    .u64(BigInt(timestamp))
    .bytes(hexToBytes(signer))
    .u16(payload.length)
    .bytes(payload)
    .finish();
}

/** Sign and encode a gossip message with the staking key. */
export async function encodeSigned(
  network: string,
  body: GossipBody,
  privateKey: Hex,
  signer: Address,
  timestamp: number,
): Promise<Uint8Array> {
  const unsigned = encodeUnsigned(body, timestamp, signer);
  const hash = hashMessage({ raw: signingDigest(network, unsigned) });
  const sig = await sign({ hash, privateKey, to: "bytes" });
  const out = new Uint8Array(unsigned.length + SIGNATURE_LENGTH);
  out.set(unsigned, 0);
  out.set(sig, unsigned.length);
  return out;
}

/**
 * Strictly decode an envelope (no signature check). Any byte string either decodes or throws a
 * DecodeError naming the field.
 */
export function decodeEnvelope(network: string, data: Uint8Array): SignedMessage {
  const r = new Reader(data);
  const version = r.u8("version");
  if (version !== ENVELOPE_VERSION) throw new DecodeError("version", `unsupported version ${version}`);
  const kind = kindFromCode(r.u8("kind"));
  const timestamp = r.u64Number("timestamp");
  const signer = getAddress(bytesToHex(r.bytes(20, "signer")));
  const payloadLength = r.u16("payloadLength");
  const body = decodeBody(kind, r.bytes(payloadLength, "payload"));
  const sig = r.bytes(SIGNATURE_LENGTH, "signature");
  r.end("envelope");
  const v = sig[64]!;
  if (v !== 27 && v !== 28) throw new DecodeError("signature", `v must be 27 or 28, got ${v}`);
  const s = BigInt(bytesToHex(sig.subarray(32, 64)));
  if (s === 0n || s > SECP256K1_HALF_N) throw new DecodeError("signature", "s is zero or not in the lower half");
  const unsigned = data.subarray(0, data.length - SIGNATURE_LENGTH);
  return {
    version,
    timestamp,
    signer,
    body,
    signature: bytesToHex(sig),
    id: bytesToHex(keccak_256(data)),
    digest: bytesToHex(signingDigest(network, unsigned)),
  };
}

/** True when the signature recovers to the claimed signer. Never throws on a bad signature. */
export async function verifySignature(msg: SignedMessage): Promise<boolean> {
  try {
    const recovered = await recoverAddress({ hash: hashMessage({ raw: msg.digest }), signature: msg.signature });
    return recovered === msg.signer;
  } catch {
    return false;
  }
}
