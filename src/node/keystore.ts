/**
 * The staking key at rest: Web3 Secret Storage Definition v3 (the geth / Foundry keystore format).
 *   derived key = scrypt(password, salt, n, r, p, dklen 32)   (pbkdf2-hmac-sha256 is read too)
 *   ciphertext  = aes-128-ctr(key = derived[0..16], iv)(private key)
 *   mac         = keccak256(derived[16..32] ‖ ciphertext)
 * A wrong password shows as a MAC mismatch (KEYSTORE_WRONG_PASSWORD) before anything is decrypted.
 */
import { createCipheriv, createDecipheriv, pbkdf2, randomBytes, randomUUID, scrypt, timingSafeEqual } from "node:crypto";
import { keccak_256 } from "@noble/hashes/sha3.js";
import { scryptAsync } from "@noble/hashes/scrypt.js";
import { privateKeyToAddress } from "viem/accounts";
import { ProverNodeError } from "../util/errors.js";

export type KeystoreErrorType =
  | { code: "KEYSTORE_WRONG_PASSWORD" }
  | { code: "KEYSTORE_EMPTY_PASSWORD" }
  | { code: "KEYSTORE_INVALID"; field: string; reason: string }
  | { code: "KEYSTORE_UNSUPPORTED"; field: string; value: string }
  | { code: "KEYSTORE_ADDRESS_MISMATCH"; expected: string; actual: string };

export class KeystoreError extends ProverNodeError<KeystoreErrorType> {}

export interface KeystoreV3 {
  version: 3;
  id: string;
  /** lowercase hex without 0x, as geth writes it */
  address?: string;
  crypto: {
    cipher: "aes-128-ctr";
    cipherparams: { iv: string };
    ciphertext: string;
    kdf: "scrypt" | "pbkdf2";
    kdfparams: ScryptParams | Pbkdf2Params;
    mac: string;
  };
}

export interface ScryptParams {
  dklen: number;
  n: number;
  r: number;
  p: number;
  salt: string;
}

export interface Pbkdf2Params {
  dklen: number;
  c: number;
  prf: "hmac-sha256";
  salt: string;
}

/** geth's "standard" scrypt cost: about a second and 256 MiB to derive. */
export const STANDARD_SCRYPT = { n: 262_144, r: 8, p: 1 } as const;

type Hex = `0x${string}`;

function hexBytes(hex: string, field: string, length?: number): Buffer {
  const clean = hex.startsWith("0x") ? hex.slice(2) : hex;
  if (!/^([0-9a-fA-F]{2})*$/.test(clean) || (length !== undefined && clean.length !== length * 2)) {
    throw new KeystoreError({ code: "KEYSTORE_INVALID", field, reason: length ? `must be ${length} bytes of hex` : "must be hex" }, `keystore ${field} must be ${length ? `${length} bytes of ` : ""}hex`);
  }
  return Buffer.from(clean, "hex");
}

async function deriveKey(password: string, kdf: string, params: ScryptParams | Pbkdf2Params): Promise<Buffer> {
  const pw = Buffer.from(password, "utf8");
  if (kdf === "scrypt") {
    const { n, r, p, dklen, salt } = params as ScryptParams;
    for (const [k, v] of Object.entries({ n, r, p, dklen })) {
      if (!Number.isInteger(v) || v <= 0) throw new KeystoreError({ code: "KEYSTORE_INVALID", field: `crypto.kdfparams.${k}`, reason: "must be a positive integer" });
    }
    if ((n & (n - 1)) !== 0 || n > 2 ** 24 || r * p >= 2 ** 30) throw new KeystoreError({ code: "KEYSTORE_UNSUPPORTED", field: "crypto.kdfparams.n", value: String(n) });
    const s = hexBytes(salt, "crypto.kdfparams.salt");
    // OpenSSL's scrypt requires n < 2^(16·r); files written with r = 1 (the spec's vector) go through
    // the pure-JS implementation instead.
    if (Math.log2(n) < 16 * r) {
      return new Promise((resolve, reject) => scrypt(pw, s, dklen, { N: n, r, p, maxmem: 256 * n * r + 1024 * 1024 * p }, (err, key) => (err ? reject(err) : resolve(key))));
    }
    return Buffer.from(await scryptAsync(pw, s, { N: n, r, p, dkLen: dklen }));
  }
  if (kdf === "pbkdf2") {
    const { c, dklen, prf, salt } = params as Pbkdf2Params;
    if (prf !== "hmac-sha256") throw new KeystoreError({ code: "KEYSTORE_UNSUPPORTED", field: "crypto.kdfparams.prf", value: String(prf) });
    if (!Number.isInteger(c) || c <= 0) throw new KeystoreError({ code: "KEYSTORE_INVALID", field: "crypto.kdfparams.c", reason: "must be a positive integer" });
    return new Promise((resolve, reject) => pbkdf2(pw, hexBytes(salt, "crypto.kdfparams.salt"), c, dklen, "sha256", (err, key) => (err ? reject(err) : resolve(key))));
  }
  throw new KeystoreError({ code: "KEYSTORE_UNSUPPORTED", field: "crypto.kdf", value: String(kdf) }, `unsupported keystore kdf ${kdf}`);
}

function mac(derived: Buffer, ciphertext: Buffer): Buffer {
  return Buffer.from(keccak_256(Buffer.concat([derived.subarray(16, 32), ciphertext])));
}

export interface EncryptOptions {
  scrypt?: { n: number; r: number; p: number };
  /** Fixed salt/iv/id for reproducible output (tests); random otherwise. */
  salt?: Uint8Array;
  iv?: Uint8Array;
  id?: string;
}

/** Encrypt a 32-byte private key under `password`. */
export async function encryptKeystore(privateKey: Hex, password: string, options: EncryptOptions = {}): Promise<KeystoreV3> {
  if (password.length === 0) throw new KeystoreError({ code: "KEYSTORE_EMPTY_PASSWORD" }, "refusing an empty keystore password");
  const key = hexBytes(privateKey, "privateKey", 32);
  const { n, r, p } = options.scrypt ?? STANDARD_SCRYPT;
  const kdfparams: ScryptParams = { dklen: 32, n, r, p, salt: Buffer.from(options.salt ?? randomBytes(32)).toString("hex") };
  const iv = Buffer.from(options.iv ?? randomBytes(16));
  const derived = await deriveKey(password, "scrypt", kdfparams);
  const cipher = createCipheriv("aes-128-ctr", derived.subarray(0, 16), iv);
  const ciphertext = Buffer.concat([cipher.update(key), cipher.final()]);
  return {
    version: 3,
    id: options.id ?? randomUUID(),
    address: privateKeyToAddress(privateKey).slice(2).toLowerCase(),
    crypto: {
      cipher: "aes-128-ctr",
      cipherparams: { iv: iv.toString("hex") },
      ciphertext: ciphertext.toString("hex"),
      kdf: "scrypt",
      kdfparams,
      mac: mac(derived, ciphertext).toString("hex"),
    },
  };
}

/** Parse and check the shape of a keystore (string or object); names the bad field. */
export function parseKeystore(input: string | unknown): KeystoreV3 {
  let ks: unknown = input;
  if (typeof input === "string") {
    try {
      ks = JSON.parse(input);
    } catch {
      throw new KeystoreError({ code: "KEYSTORE_INVALID", field: "(file)", reason: "not JSON" }, "keystore is not valid JSON");
    }
  }
  const bad = (field: string, reason: string): never => {
    throw new KeystoreError({ code: "KEYSTORE_INVALID", field, reason }, `keystore ${field} ${reason}`);
  };
  const o = ks as Partial<KeystoreV3> | null;
  if (!o || typeof o !== "object") return bad("(file)", "must be an object");
  if (o.version !== 3) throw new KeystoreError({ code: "KEYSTORE_UNSUPPORTED", field: "version", value: String(o.version) }, `unsupported keystore version ${String(o.version)} (only 3)`);
  const c = o.crypto ?? ((o as Record<string, unknown>).Crypto as KeystoreV3["crypto"] | undefined);
  if (!c || typeof c !== "object") return bad("crypto", "is missing");
  if (c.cipher !== "aes-128-ctr") throw new KeystoreError({ code: "KEYSTORE_UNSUPPORTED", field: "crypto.cipher", value: String(c.cipher) }, `unsupported keystore cipher ${String(c.cipher)}`);
  if (typeof c.cipherparams?.iv !== "string") bad("crypto.cipherparams.iv", "is missing");
  if (typeof c.ciphertext !== "string") bad("crypto.ciphertext", "is missing");
  if (typeof c.mac !== "string") bad("crypto.mac", "is missing");
  if (!c.kdfparams || typeof c.kdfparams !== "object") bad("crypto.kdfparams", "is missing");
  return { ...(o as KeystoreV3), crypto: c };
}

/** Decrypt; throws KEYSTORE_WRONG_PASSWORD when the MAC does not match. Returns the 0x private key. */
export async function decryptKeystore(input: string | KeystoreV3, password: string): Promise<Hex> {
  const ks = parseKeystore(input);
  const c = ks.crypto;
  const derived = await deriveKey(password, c.kdf, c.kdfparams);
  if (derived.length < 32) throw new KeystoreError({ code: "KEYSTORE_INVALID", field: "crypto.kdfparams.dklen", reason: "must be at least 32" });
  const ciphertext = hexBytes(c.ciphertext, "crypto.ciphertext");
  const expected = hexBytes(c.mac, "crypto.mac", 32);
  if (!timingSafeEqual(mac(derived, ciphertext), expected)) {
    throw new KeystoreError({ code: "KEYSTORE_WRONG_PASSWORD" }, "wrong keystore password (MAC mismatch)");
  }
  const decipher = createDecipheriv("aes-128-ctr", derived.subarray(0, 16), hexBytes(c.cipherparams.iv, "crypto.cipherparams.iv", 16));
  const key = Buffer.concat([decipher.update(ciphertext), decipher.final()]);
  if (key.length !== 32) throw new KeystoreError({ code: "KEYSTORE_INVALID", field: "crypto.ciphertext", reason: "does not hold a 32-byte key" });
  const privateKey = `0x${key.toString("hex")}` as Hex;
  if (ks.address) {
    const actual = privateKeyToAddress(privateKey).slice(2).toLowerCase();
    const expectedAddr = ks.address.replace(/^0x/, "").toLowerCase();
    if (actual !== expectedAddr) throw new KeystoreError({ code: "KEYSTORE_ADDRESS_MISMATCH", expected: expectedAddr, actual }, `keystore address ${expectedAddr} does not match its key (${actual})`);
  }
  return privateKey;
}

/** The checksummed-lowercase 0x address a keystore declares (no password needed). */
export function keystoreAddress(input: string | KeystoreV3): Hex | null {
  const ks = parseKeystore(input);
  return ks.address ? (`0x${ks.address.replace(/^0x/, "").toLowerCase()}` as Hex) : null;
}
