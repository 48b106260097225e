/**
 * Verification keys (docs/proof-system.md §5.3). A verification key binds everything about a statement
 * that is not the statement's own data: the AIR (its id), the hash configuration, the blowup and cap
 * height, the table heights, and the commitment to every preprocessed column at those heights.
 * The verifier derives it itself — preprocessed columns included — and never reads it from a proof.
 *
 * keccak:    vk = keccak256("prover-node/vk/v2" ‖ airId ‖ u8 config ‖ u8 b ‖ u8 logCap ‖ u8 T ‖ u8 ℓ_t… ‖ caps)
 * poseidon2: vk = poseidon2Hash([VK_TAG, airId as 16 u16 halves, config, b, logCap, T, ℓ_t…, cap words…])
 * where caps are the preprocessed trees' cap digests, table by table (tables with preprocessed columns;
 * each such table commits its preprocessed columns in a tree of its own, over 31·<w_N> at its height).
 */
import { keccak_256 } from "@noble/hashes/sha3.js";
import type { Air } from "./air/air.js";
import { HASH_CONFIG_CODES, type HashConfig } from "./hash/config.js";
import { poseidon2Hash } from "./hash/poseidon2.js";
import { digestWords, hasherFor, wordsDigest } from "./merkle/hasher.js";
import { buildMerkleTree, merkleCap } from "./merkle/tree.js";
import { COSET_SHIFT, cosetLde, intt } from "./poly/ntt.js";
import type { ProofOptions } from "./options.js";
import { proofLayout, type ProofLayout } from "./layout.js";
import { toHex } from "./hash/keccak.js";
import type { ProverBackend } from "./backend.js";

/** First element of the poseidon2 verification-key preimage: ASCII "pnvk" as u32 LE. */
export const VK_TAG_ELEMENT = 0x6b766e70;
const VK_TAG = "prover-node/vk/v2";

export interface VerificationKey {
  readonly digest: Uint8Array;
  /** Per table: the preprocessed tree's cap digests, or null when the table has no preprocessed columns. */
  readonly preprocessedCaps: readonly (readonly Uint8Array[] | null)[];
}

/** The preprocessed columns of every table (over its trace domain), null where there are none. */
export function preprocessedMatrices(layout: ProofLayout): (Uint32Array[] | null)[] {
  return layout.tables.map((tl) => (tl.table.numPreprocessed === 0 ? null : tl.table.preprocessedColumns(tl.logRows)));
}

/** Bytes → elements: 16-bit little-endian halves (each < p). */
export function bytesToHalves(bytes: Uint8Array): number[] {
  const out: number[] = [];
  for (let i = 0; i < bytes.length; i += 2) out.push(bytes[i]! | ((bytes[i + 1] ?? 0) << 8));
  return out;
}

/** The verification-key digest from the layout and the preprocessed caps. */
export function vkDigest(layout: ProofLayout, preCaps: readonly (readonly Uint8Array[] | null)[]): Uint8Array {
  const { air, hash, options, logHeights } = layout;
  const caps = preCaps.filter((c): c is readonly Uint8Array[] => c !== null).flat();
  const small = [HASH_CONFIG_CODES[hash], options.logBlowup, options.logCap, logHeights.length, ...logHeights];
  if (hash === "keccak") {
    const tag = new TextEncoder().encode(VK_TAG);
    const buf = new Uint8Array(tag.length + 32 + small.length + 32 * caps.length);
    buf.set(tag, 0);
    buf.set(air.id, tag.length);
    buf.set(small, tag.length + 32);
    caps.forEach((c, i) => buf.set(c, tag.length + 32 + small.length + 32 * i));
    return keccak_256(buf);
  }
  const elems = [VK_TAG_ELEMENT, ...bytesToHalves(air.id), ...small];
  for (const c of caps) elems.push(...digestWords(c));
  return wordsDigest(poseidon2Hash(elems));
}

/** Per AIR object (its id does not cover preprocessed values), keys by configuration and heights. */
const cache = new WeakMap<Air, Map<string, VerificationKey>>();
const CACHE_LIMIT = 64;

/**
 * The verification key at these heights, computed with the reference LDE and Merkle code (the
 * verifier needs no backend) and cached: preprocessed columns are a function of the heights only.
 */
export function verificationKey(air: Air, hash: HashConfig, options: ProofOptions, logHeights: readonly number[]): VerificationKey {
  const key = `${hash}:${options.logBlowup}:${options.logCap}:${logHeights.join(",")}`;
  let byKey = cache.get(air);
  if (!byKey) cache.set(air, (byKey = new Map()));
  const hit = byKey.get(key);
  if (hit) return hit;
  const layout = proofLayout(air, options, hash, logHeights);
  const hasher = hasherFor(hash);
  const preCaps = preprocessedMatrices(layout).map((cols) => {
    if (cols === null) return null;
    const lde = cols.map((c) => {
      const coeffs = Uint32Array.from(c);
      intt(coeffs);
      return cosetLde(coeffs, options.logBlowup, COSET_SHIFT);
    });
    return merkleCap(buildMerkleTree(lde, 1, hasher), options.logCap);
  });
  const vk: VerificationKey = { digest: vkDigest(layout, preCaps), preprocessedCaps: preCaps };
  if (byKey.size >= CACHE_LIMIT) byKey.delete(byKey.keys().next().value!);
  byKey.set(key, vk);
  return vk;
}

/**
 * The same key computed with a prover backend's kernels (LDE and Merkle commitments), stored in the
 * verifier's cache: a caller that owns a backend (the CLI, the recursion prover) saves the verifier
 * the reference computation of large preprocessed columns. The result is identical by construction
 * (backends are byte-identical to the reference); nothing comes from a proof.
 */
export async function verificationKeyWith(air: Air, hash: HashConfig, options: ProofOptions, logHeights: readonly number[], backend: ProverBackend): Promise<VerificationKey> {
  const key = `${hash}:${options.logBlowup}:${options.logCap}:${logHeights.join(",")}`;
  let byKey = cache.get(air);
  if (!byKey) cache.set(air, (byKey = new Map()));
  const hit = byKey.get(key);
  if (hit) return hit;
  const layout = proofLayout(air, options, hash, logHeights);
  const preCaps: (Uint8Array[] | null)[] = [];
  for (const cols of preprocessedMatrices(layout)) {
    if (cols === null) {
      preCaps.push(null);
      continue;
    }
    const coeffs = cols.map((c) => Uint32Array.from(c));
    await backend.interpolate(coeffs);
    const lde = await backend.evaluateOnCoset(coeffs, options.logBlowup, COSET_SHIFT);
    preCaps.push(merkleCap(await backend.merkleCommit(lde, 1, hash), options.logCap));
  }
  const vk: VerificationKey = { digest: vkDigest(layout, preCaps), preprocessedCaps: preCaps };
  if (byKey.size >= CACHE_LIMIT) byKey.delete(byKey.keys().next().value!);
  byKey.set(key, vk);
  return vk;
}

export function vkHex(vk: VerificationKey): string {
  return toHex(vk.digest);
}
