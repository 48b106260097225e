/**
 * Which rollup AIR proves a segment witness: `transfer-v1`, or `transfer-v2-d<D>` at the witness's
 * tree depth. Chosen by `--air`, else by the `air` field of the sample's `batch.json` next to the
 * witness, else transfer-v1 (what the network runs until it moves over).
 */
import { readFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { UsageError } from "../../util/errors.js";
import type { Air, AirInstance } from "../../stark/air/air.js";
import type { ProofOptions } from "../../stark/options.js";
import { WITNESS_VERSION_V2, type SegmentWitness } from "../../rollup/witness.js";
import { buildTransferInstance, publicColumnsOf, publicInputsOf, statementOf, transferAir, TRANSFER_AIR_NAME } from "../../rollup/air/index.js";
import { buildTransferV2Instance, publicInputsV2, transferV2Air, transferV2DepthOf } from "../../rollup/air-v2/index.js";
import { TRANSFER_V2 } from "../../rollup/air-v2/layout.js";

/** The AIR names `--air` accepts with `--witness`. */
export const ROLLUP_AIRS = [TRANSFER_AIR_NAME, TRANSFER_V2] as const;

export interface RollupAir {
  readonly air: Air;
  /** The trace and statement for the witness (replayed and checked). */
  instance(w: SegmentWitness): AirInstance;
  /** The statement a verifier rebuilds from the witness alone. */
  statement(w: SegmentWitness): { publicInputs: Uint32Array; publicColumns: Uint32Array[] };
}

const v1: RollupAir = {
  air: transferAir,
  instance: buildTransferInstance,
  statement: (w) => ({ publicInputs: publicInputsOf(statementOf(w)), publicColumns: publicColumnsOf(statementOf(w)) }),
};

function v2(treeDepth: number): RollupAir {
  const air = transferV2Air(treeDepth);
  return { air, instance: (w) => buildTransferV2Instance(w, air), statement: (w) => ({ publicInputs: publicInputsV2(statementOf(w)), publicColumns: [] }) };
}

/** The rollup AIR named `name` (transfer-v1, transfer-v2 or transfer-v2-d<D>) for a witness of depth D. */
export function rollupAirByName(name: string, w: SegmentWitness, source: string): RollupAir {
  if (name === TRANSFER_AIR_NAME) return v1;
  if (name === TRANSFER_V2) return v2(w.treeDepth);
  const depth = transferV2DepthOf(name);
  if (depth === null) throw new UsageError(`${source}: ${name} is not a rollup AIR (${ROLLUP_AIRS.join(", ")}, or transfer-v2-d<D>)`);
  if (depth !== w.treeDepth) throw new UsageError(`${source}: ${name} proves trees of depth ${depth}, the witness has depth ${w.treeDepth}`);
  return v2(depth);
}

/** The `air` field of the batch.json beside the witness, if there is one. */
async function sampleAir(witnessPath: string): Promise<string | undefined> {
  let text: string;
  try {
    text = await readFile(join(dirname(witnessPath), "batch.json"), "utf8");
  } catch {
    return undefined;
  }
  let j: unknown;
  try {
    j = JSON.parse(text);
  } catch {
    throw new UsageError(`${join(dirname(witnessPath), "batch.json")} is not valid JSON`);
  }
  const air = (j as { air?: unknown } | null)?.air;
  if (air === undefined) return undefined;
  if (typeof air !== "string") throw new UsageError(`${join(dirname(witnessPath), "batch.json")}: air must be a string`);
  return air;
}

/**
 * The rollup AIR for proving a witness: --air, else the sample's metadata, else transfer-v2 for a
 * version-2 witness (a transfer-v2 segment) and transfer-v1 for a version-1 one.
 */
export async function rollupAirFor(flag: string | undefined, w: SegmentWitness, witnessPath: string): Promise<RollupAir> {
  const chosen = flag !== undefined ? rollupAirByName(flag, w, "--air") : await (async () => {
    const meta = await sampleAir(witnessPath);
    if (meta !== undefined) return rollupAirByName(meta, w, "batch.json");
    return w.version === WITNESS_VERSION_V2 ? v2(w.treeDepth) : v1;
  })();
  if (chosen === v1 && w.version === WITNESS_VERSION_V2) {
    throw new UsageError(`a version-${WITNESS_VERSION_V2} witness is a ${TRANSFER_V2} segment (D + 2 rows per transaction); ${TRANSFER_AIR_NAME} cannot prove it`);
  }
  if (chosen !== v1 && w.version !== WITNESS_VERSION_V2) {
    // A transfer-v2 proof evaluates the transactions at the batch's randomness r, which only a version-2
    // witness carries; r is never defaulted to 0 (that would bind nothing of the transactions' order).
    throw new UsageError(`a version-${w.version} witness has no batch randomness r; ${TRANSFER_V2} proves version-${WITNESS_VERSION_V2} witnesses only (rollup sample --air ${TRANSFER_V2})`);
  }
  return chosen;
}

/** The rollup AIR whose id a proof carries, for a witness of depth D; null if it is none of them. */
export function rollupAirOfProof(airId: Uint8Array, w: SegmentWitness): RollupAir | null {
  const same = (a: Air): boolean => a.id.every((x, i) => x === airId[i]);
  if (same(transferAir)) return v1;
  const r = v2(w.treeDepth);
  return same(r.air) ? r : null;
}

/**
 * Options the AIR can use: a preset whose blowup is too small for the AIR's quotient (the `test`
 * preset, blowup 4, against transfer-v2's 6 chunks) gets the smallest blowup that fits.
 */
export function optionsForAir(air: Air, options: ProofOptions): { options: ProofOptions; raised: boolean } {
  const need = Math.ceil(Math.log2(air.numQuotientChunks));
  if (need <= options.logBlowup) return { options, raised: false };
  return { options: { ...options, logBlowup: need }, raised: true };
}
