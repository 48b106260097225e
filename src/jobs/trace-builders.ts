/**
 * Witness bytes → AIR instance, per AIR. Runs inside the prover workers, so trace generation does not
 * block the node's event loop. "transfer-v1" is built in: its witness is the rollup's segment witness
 * encoding (rollup/witness.ts); so is "transfer-v2-d<D>" (a data batch's segment, a version-2 witness). Other AIRs can register a builder from a module listed in
 * `ProverPoolOpts.workerModules`; AIRs with a sample generator (fib-v1, mix-v1) accept a "sample
 * witness" — JSON `{"sample": {"logRows": n, "seed": s}}` — for tests, benchmarks and devnets.
 */
import { airRegistry, type AirInstance } from "../stark/air/air.js";
import "../stark/airs/index.js";
import { buildTransferInstance, TRANSFER_AIR_NAME } from "../rollup/air/index.js";
import { decodeWitness, WITNESS_VERSION_V2 } from "../rollup/witness.js";
import { buildTransferV2Instance, transferV2Air, transferV2DepthOf, transferV2Name } from "../rollup/air-v2/index.js";
import { describeError } from "../util/errors.js";
import { JobError } from "./errors.js";

export type TraceBuilder = (witness: Uint8Array) => AirInstance;

const builders = new Map<string, TraceBuilder>();

export function registerTraceBuilder(airName: string, builder: TraceBuilder): void {
  builders.set(airName, builder);
}

/**
 * transfer-v1: decode the segment witness and build its trace (the witness is replayed and checked).
 * A malformed or inconsistent witness is PROVER_FAILED with the rollup error's message.
 */
export function buildTransferWitness(witness: Uint8Array): AirInstance {
  try {
    return buildTransferInstance(decodeWitness(witness));
  } catch (err) {
    throw new JobError({ code: "PROVER_FAILED", detail: describeError(err) }, describeError(err));
  }
}

registerTraceBuilder(TRANSFER_AIR_NAME, buildTransferWitness);

/**
 * transfer-v2 at tree depth D (`transfer-v2-d<D>`, a data batch's segment): a version-2 witness of that
 * depth, replayed into the three tables; r is the witness's (the job runner checked it against L1's before
 * proving). A malformed, inconsistent or other-version witness is PROVER_FAILED.
 */
export function buildTransferV2Witness(witness: Uint8Array, treeDepth: number): AirInstance {
  try {
    const w = decodeWitness(witness);
    if (w.version !== WITNESS_VERSION_V2) throw new Error(`a version-${w.version} witness; transfer-v2 proves version ${WITNESS_VERSION_V2}`);
    if (w.treeDepth !== treeDepth) throw new Error(`a witness of tree depth ${w.treeDepth} for ${transferV2Name(treeDepth)}`);
    return buildTransferV2Instance(w, transferV2Air(treeDepth));
  } catch (err) {
    throw new JobError({ code: "PROVER_FAILED", detail: describeError(err) }, describeError(err));
  }
}

export function encodeSampleWitness(logRows: number, seed: number): Uint8Array {
  return new TextEncoder().encode(JSON.stringify({ sample: { logRows, seed } }));
}

export function buildInstance(airName: string, witness: Uint8Array): AirInstance {
  const custom = builders.get(airName);
  if (custom) return custom(witness);
  const depth = transferV2DepthOf(airName);
  if (depth !== null) return buildTransferV2Witness(witness, depth);
  const air = airRegistry.getByName(airName);
  if (!air) throw new JobError({ code: "PROVER_FAILED", detail: `unknown AIR ${airName}` });
  if (!air.hasSample) throw new JobError({ code: "PROVER_FAILED", detail: `no trace builder for AIR ${airName}` });
  let spec: { sample?: { logRows?: unknown; seed?: unknown } };
  try {
    spec = JSON.parse(new TextDecoder().decode(witness)) as typeof spec;
  } catch {
    throw new JobError({ code: "PROVER_FAILED", detail: `witness for ${airName} is not a sample witness` });
  }
  const { logRows, seed } = spec.sample ?? {};
  if (typeof logRows !== "number" || typeof seed !== "number") throw new JobError({ code: "PROVER_FAILED", detail: `witness for ${airName} is not a sample witness` });
  return air.sample(logRows, seed);
}
