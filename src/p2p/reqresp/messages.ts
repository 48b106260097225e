import { bytesToHex, hexToBytes, type Hex } from "viem";
import { DecodeError } from "../errors.js";
import { Reader, Writer } from "../messages/binary.js";
import type { ReqRespName } from "../topics.js";

/**
 * Request/response wire format, version 1. Each side sends length-prefixed frames (frames.ts):
 *
 *   request:  one frame; `witness/1` and `proof/1`: u8 version ‖ 32B keccak256 of the object;
 *             `status/1`: u8 version.
 *   response: a header frame u8 version ‖ u8 code ‖ u32 size, then (code OK only) data frames of at
 *             most `chunkBytes` whose lengths add up to exactly `size`; then the stream closes.
 */
export const REQRESP_VERSION = 1;

export enum ResponseCode {
  OK = 0,
  NOT_FOUND = 1,
  RATE_LIMITED = 2,
  BAD_REQUEST = 3,
  UNAVAILABLE = 4,
}

export interface ResponseHeader {
  code: ResponseCode;
  size: number;
}

export function encodeRequest(name: ReqRespName, hash: Hex | null): Uint8Array {
  const w = new Writer(33).u8(REQRESP_VERSION);
  if (name !== "status") {
    if (hash === null) throw new RangeError(`${name} request needs a hash`);
    const b = hexToBytes(hash);
    if (b.length !== 32) throw new RangeError("hash must be 32 bytes");
    w.bytes(b);
  }
  return w.finish();
}

export function decodeRequest(name: ReqRespName, bytes: Uint8Array): { hash: Hex | null } {
  const r = new Reader(bytes);
  const version = r.u8("request.version");
  if (version !== REQRESP_VERSION) throw new DecodeError("request.version", `unsupported version ${version}`);
  const hash = name === "status" ? null : bytesToHex(r.bytes(32, "request.hash"));
  r.end("request");
  return { hash };
}

export function encodeHeader(code: ResponseCode, size: number): Uint8Array {
  return new Writer(6).u8(REQRESP_VERSION).u8(code).u32(size).finish();
}

export function decodeHeader(bytes: Uint8Array): ResponseHeader {
  const r = new Reader(bytes);
  const version = r.u8("response.version");
  if (version !== REQRESP_VERSION) throw new DecodeError("response.version", `unsupported version ${version}`);
  const code = r.u8("response.code");
  if (!(code in ResponseCode)) throw new DecodeError("response.code", `unknown code ${code}`);
  const size = r.u32("response.size");
  if (code !== ResponseCode.OK && size !== 0) throw new DecodeError("response.size", "must be 0 on an error");
  r.end("response.header");
  return { code, size };
}
