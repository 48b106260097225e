/**
 * `prove --witness <file>` and `verify --witness <file>`: prove a rollup segment witness with
 * `transfer-v1` or `transfer-v2-d<D>` (rollup-air.ts says which), and verify such a proof with the
 * statement rebuilt from the witness (the proof file carries no public columns).
 */
import { readFile, writeFile } from "node:fs/promises";
import { UsageError, describeError } from "../../util/errors.js";
import { proveStark } from "../../stark/prover.js";
import { verifyStark } from "../../stark/verifier.js";
import { peekAirId } from "../../stark/proof.js";
import { StarkError, verifyFailed } from "../../stark/errors.js";
import { estimateSecurity, formatSecurityReport } from "../../stark/security.js";
import { backendFromFlags } from "../common/backend.js";
import { decodeWitness, witnessHash, WITNESS_VERSION_V2, type SegmentWitness } from "../../rollup/witness.js";
import { TRANSFER_AIR_NAME } from "../../rollup/air/index.js";
import { WitnessDecodeError, WitnessInvalidError } from "../../rollup/errors.js";
import { optionsForAir, rollupAirFor, rollupAirOfProof } from "./rollup-air.js";
import { parseAddress, parseOptionsPreset, parsePositiveInt, parseHash } from "../common/parse.js";
import { encodeProofFile, readProofFile } from "../common/proof-file.js";
import { CliExit, ExitCode } from "../program.js";

async function readWitness(path: string): Promise<{ witness: SegmentWitness; hash: string }> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (err) {
    throw new UsageError(`cannot read ${path}: ${describeError(err)}`);
  }
  try {
    return { witness: decodeWitness(bytes), hash: witnessHash(bytes) };
  } catch (err) {
    if (err instanceof WitnessDecodeError) throw new UsageError(err.message);
    throw err;
  }
}

export async function runProveWitness(flags: { witness: string; air?: string | undefined; options: string; hash: string; proverAddress: string; out: string; backend: string; threads?: string | undefined }): Promise<void> {
  const hashConfig = parseHash(flags.hash);
  const preset = parseOptionsPreset(flags.options);
  const proverAddress = parseAddress(flags.proverAddress, "--prover-address");
  const { witness, hash } = await readWitness(flags.witness);
  const rollup = await rollupAirFor(flags.air, witness, flags.witness);
  const { air } = rollup;
  const { options, raised } = optionsForAir(air, preset);
  let instance;
  try {
    instance = rollup.instance(witness);
  } catch (err) {
    if (err instanceof WitnessInvalidError) throw new UsageError(err.message);
    throw err;
  }
  const backend = backendFromFlags(flags);
  const t0 = performance.now();
  let result;
  try {
    result = await proveStark({ air, instance, options, hash: hashConfig, proverAddress, backend });
  } catch (err) {
    if (err instanceof StarkError) throw new UsageError(err.message);
    throw err;
  } finally {
    await backend.close();
  }
  const seconds = (performance.now() - t0) / 1000;
  await writeFile(
    flags.out,
    encodeProofFile({ air: air.name, airId: air.idHex, proverAddress, publicInputs: instance.publicInputs, publicColumns: [], proof: result.bytes }),
  );
  const { logHeights } = result.proof;
  const tables = air.tables.map((t, i) => `${t.name} 2^${logHeights[i]} × ${t.width}`).join(", ");
  process.stdout.write(
    [
      `proved segment ${witness.segmentIndex} of batch ${witness.batchId} (${witness.steps.length} transactions, witness ${hash})`,
      `${air.name}: ${tables}, ${hashConfig} commitments, on backend ${backend.name} in ${seconds.toFixed(3)} s`,
      ...(raised ? [`options: blowup raised to 2^${options.logBlowup} (${air.name} needs ${air.numQuotientChunks} quotient chunks)`] : []),
      `proof: ${result.bytes.length} bytes -> ${flags.out}`,
      `phases: ${Object.entries(result.timings).map(([k, v]) => `${k} ${(v / 1000).toFixed(3)} s`).join(", ")}`,
      formatSecurityReport(estimateSecurity(air, options, logHeights, hashConfig)),
    ].join("\n") + "\n",
  );
}

export async function runVerifyWitness(flags: { proof: string; witness: string; proverAddress?: string; minSecurity: string }): Promise<void> {
  const minSecurityBits = parsePositiveInt(flags.minSecurity, "--min-security");
  const expectedAddress = flags.proverAddress ? parseAddress(flags.proverAddress, "--prover-address") : undefined;
  const file = await readProofFile(flags.proof);
  const { witness, hash } = await readWitness(flags.witness);
  try {
    // The statement comes from the witness alone (transfer-v2: txCommitment over its transactions).
    const rollup = rollupAirOfProof(peekAirId(file.proof), witness);
    if (rollup === null) throw verifyFailed("air", `the proof is neither a transfer-v1 nor a transfer-v2-d${witness.treeDepth} proof`);
    if (rollup.air.name !== TRANSFER_AIR_NAME && witness.version !== WITNESS_VERSION_V2) {
      throw verifyFailed("witness", `a ${rollup.air.name} proof is of a version-${WITNESS_VERSION_V2} witness (it carries the batch randomness r); this one is version ${witness.version}`);
    }
    const { publicInputs, publicColumns } = rollup.statement(witness);
    const { security } = verifyStark({
      air: rollup.air,
      proof: file.proof,
      publicInputs,
      publicColumns,
      proverAddress: expectedAddress ?? file.proverAddress,
      policy: { minSecurityBits },
    });
    process.stdout.write(`valid: ${rollup.air.name} proof of segment ${witness.segmentIndex} of batch ${witness.batchId} (${witness.steps.length} transactions, witness ${hash}), ${security.conjecturedBits} bits conjectured security\n`);
  } catch (err) {
    if (err instanceof StarkError) throw new CliExit(ExitCode.failure, `invalid: ${err.message}`);
    throw err;
  }
}
