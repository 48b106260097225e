/**
 * The proof file the CLI writes and reads: a JSON envelope holding the statement (AIR, public inputs,
 * public columns, prover address) and the proof bytes (the exact bytes the on-chain verifier reads).
 */
import { readFile } from "node:fs/promises";
import { ProverNodeError, UsageError, describeError } from "../../util/errors.js";
import { isCanonical } from "../../stark/field/babybear.js";
import { fromHex, toHex } from "../../stark/hash/keccak.js";

export const PROOF_FILE_FORMAT = "prover-node-proof/1";

export interface ProofFile {
  readonly air: string;
  readonly airId: string;
  readonly proverAddress: Uint8Array;
  readonly publicInputs: Uint32Array;
  readonly publicColumns: Uint32Array[];
  readonly proof: Uint8Array;
  /** A recursion proof: its program's descriptor, the allowed keys, and its children's statements. */
  readonly recursion?: RecursionSection;
}

export interface RecursionSection {
  /** The program descriptor (src/recursion/recurse.ts RecursionDescriptor), as parsed JSON. */
  readonly descriptor: unknown;
  /** The allowed verification keys, 0x-hex. */
  readonly keys: readonly string[];
  readonly children: readonly { readonly air: string; readonly vk: string; readonly publicInputs: readonly number[]; readonly proverAddress: string }[];
}

export class ProofFileError extends ProverNodeError<{ code: "PROOF_FILE"; detail: string }> {
  constructor(detail: string) {
    super({ code: "PROOF_FILE", detail }, `proof file: ${detail}`);
  }
}

function wordsToHex(w: Uint32Array): string {
  return toHex(new Uint8Array(w.buffer, w.byteOffset, w.byteLength));
}

export function encodeProofFile(f: ProofFile): string {
  return JSON.stringify(
    {
      format: PROOF_FILE_FORMAT,
      air: f.air,
      airId: f.airId,
      proverAddress: toHex(f.proverAddress),
      publicInputs: Array.from(f.publicInputs),
      publicColumns: f.publicColumns.map(wordsToHex),
      proof: toHex(f.proof),
      ...(f.recursion ? { recursion: f.recursion } : {}),
    },
    null,
    1,
  );
}

function hexField(v: unknown, name: string): Uint8Array {
  if (typeof v !== "string") throw new ProofFileError(`${name} must be a hex string`);
  try {
    return fromHex(v);
  } catch {
    throw new ProofFileError(`${name} is not valid hex`);
  }
}

/** Strict parse: every field present, typed and canonical. */
export function decodeProofFile(text: string): ProofFile {
  let j: Record<string, unknown>;
  try {
    j = JSON.parse(text) as Record<string, unknown>;
  } catch {
    throw new ProofFileError("not valid JSON");
  }
  if (typeof j !== "object" || j === null) throw new ProofFileError("not a JSON object");
  if (j.format !== PROOF_FILE_FORMAT) throw new ProofFileError(`format must be ${PROOF_FILE_FORMAT}`);
  if (typeof j.air !== "string") throw new ProofFileError("air must be a string");
  if (typeof j.airId !== "string") throw new ProofFileError("airId must be a string");
  const proverAddress = hexField(j.proverAddress, "proverAddress");
  if (proverAddress.length !== 20) throw new ProofFileError("proverAddress must be 20 bytes");
  if (!Array.isArray(j.publicInputs) || !j.publicInputs.every((x) => typeof x === "number" && isCanonical(x))) {
    throw new ProofFileError("publicInputs must be an array of canonical field elements");
  }
  if (!Array.isArray(j.publicColumns)) throw new ProofFileError("publicColumns must be an array");
  const publicColumns = j.publicColumns.map((c, k) => {
    const b = hexField(c, `publicColumns[${k}]`);
    if (b.length % 4 !== 0) throw new ProofFileError(`publicColumns[${k}] is not a whole number of u32 words`);
    const w = new Uint32Array(b.length / 4);
    const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
    for (let i = 0; i < w.length; i++) {
      w[i] = dv.getUint32(4 * i, true);
      if (!isCanonical(w[i]!)) throw new ProofFileError(`publicColumns[${k}][${i}] is not canonical`);
    }
    return w;
  });
  const recursion = j.recursion === undefined ? undefined : recursionSection(j.recursion);
  return {
    air: j.air, airId: j.airId, proverAddress, publicInputs: Uint32Array.from(j.publicInputs as number[]), publicColumns, proof: hexField(j.proof, "proof"),
    ...(recursion ? { recursion } : {}),
  };
}

function recursionSection(v: unknown): RecursionSection {
  if (typeof v !== "object" || v === null) throw new ProofFileError("recursion must be an object");
  const r = v as Record<string, unknown>;
  if (typeof r.descriptor !== "object" || r.descriptor === null) throw new ProofFileError("recursion.descriptor must be an object");
  if (!Array.isArray(r.keys) || !r.keys.every((k) => typeof k === "string" && /^0x[0-9a-f]{64}$/.test(k))) throw new ProofFileError("recursion.keys must be 32-byte hex strings");
  if (!Array.isArray(r.children)) throw new ProofFileError("recursion.children must be an array");
  const children = r.children.map((c, i) => {
    const ch = c as Record<string, unknown>;
    if (typeof ch.air !== "string" || typeof ch.vk !== "string" || typeof ch.proverAddress !== "string") throw new ProofFileError(`recursion.children[${i}] needs air, vk and proverAddress`);
    if (!Array.isArray(ch.publicInputs) || !ch.publicInputs.every((x) => typeof x === "number" && isCanonical(x))) throw new ProofFileError(`recursion.children[${i}].publicInputs must be canonical field elements`);
    return { air: ch.air, vk: ch.vk, publicInputs: ch.publicInputs as number[], proverAddress: ch.proverAddress };
  });
  return { descriptor: r.descriptor, keys: r.keys as string[], children };
}

/** Read and decode the proof file a command was given; an unreadable or malformed one is a UsageError (exit 2) naming the path. */
export async function readProofFile(path: string): Promise<ProofFile> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (err) {
    throw new UsageError(`cannot read ${path}: ${describeError(err)}`);
  }
  try {
    return decodeProofFile(text);
  } catch (err) {
    if (err instanceof ProofFileError) throw new UsageError(`${path}: ${err.message}`);
    throw err;
  }
}
