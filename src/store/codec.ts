/**
 * Value and key encodings. Records are JSON with two tagged extensions so bigint and bytes survive a
 * round trip exactly: `{"$n": "123"}` is a bigint, `{"$b": "0x…"}` a Uint8Array.
 */
import { StoreError } from "./errors.js";

const enc = new TextEncoder();
const dec = new TextDecoder();

function toHex(b: Uint8Array): string {
  return "0x" + Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString("hex");
}

export function encodeJson(value: unknown): Uint8Array {
  return enc.encode(
    JSON.stringify(value, function (this: unknown, _k, v: unknown) {
      if (typeof v === "bigint") return { $n: v.toString() };
      if (v instanceof Uint8Array) return { $b: toHex(v) };
      return v;
    }),
  );
}

export function decodeJson<T>(bytes: Uint8Array): T {
  try {
    return JSON.parse(dec.decode(bytes), (_k, v: unknown) => {
      if (v !== null && typeof v === "object" && !Array.isArray(v)) {
        const o = v as Record<string, unknown>;
        const keys = Object.keys(o);
        if (keys.length === 1 && typeof o.$n === "string") return BigInt(o.$n);
        if (keys.length === 1 && typeof o.$b === "string") return new Uint8Array(Buffer.from(o.$b.slice(2), "hex"));
      }
      return v;
    }) as T;
  } catch (err) {
    throw new StoreError({ code: "STORE_CORRUPT_VALUE", detail: (err as Error).message });
  }
}

/** A key codec: keys must sort in the order the repository wants to iterate. */
export interface KeyCodec<K> {
  encode(key: K): Uint8Array;
  decode(bytes: Uint8Array): K;
}

/** Unsigned bigint up to 2^256 − 1 as 32 bytes big-endian (sorts numerically). */
export const uint256Key: KeyCodec<bigint> = {
  encode(key) {
    if (key < 0n || key >= 1n << 256n) throw new StoreError({ code: "STORE_BAD_KEY", detail: `key ${key} out of uint256 range` });
    const out = new Uint8Array(32);
    let v = key;
    for (let i = 31; i >= 0; i--) {
      out[i] = Number(v & 0xffn);
      v >>= 8n;
    }
    return out;
  },
  decode(bytes) {
    let v = 0n;
    for (const b of bytes) v = (v << 8n) | BigInt(b);
    return v;
  },
};

export const stringKey: KeyCodec<string> = {
  encode: (key) => enc.encode(key),
  decode: (bytes) => dec.decode(bytes),
};
