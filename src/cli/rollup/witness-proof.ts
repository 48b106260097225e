/**
 * `prove --witness <file>` and `verify --witness <file>`: prove a rollup segment witness with
 * `transfer-v1`, and verify such a proof with the public inputs and public columns rebuilt from the
 * witness (the proof file then carries no public columns).
 */
import { readFile, writeFile } from "node:fs/promises";
import { UsageError, describeError } from "../../util/errors.js";
import { proveStark } from "../../stark/prover.js";
import { verifyStark } from "../../stark/verifier.js";
import { peekAirId } from "../../stark/proof.js";
import { StarkError, verifyFailed } from "../../stark/errors.js";
import { bytesEqual } from "../../stark/hash/keccak.js";
import { estimateSecurity, formatSecurityReport } from "../../stark/security.js";
import { backendFromFlags } from "../common/backend.js";
import { decodeWitness, witnessHash, type SegmentWitness } from "../../rollup/witness.js";
import { WitnessDecodeError, WitnessInvalidError } from "../../rollup/errors.js";
import { buildTransferInstance, publicColumnsOf, publicInputsOf, statementOf, transferAir } from "../../rollup/air/index.js";
import { parseAddress, parseOptionsPreset, parsePositiveInt, parseHash } from "../common/parse.js";
import { decodeProofFile, encodeProofFile, ProofFileError } from "../common/proof-file.js";
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

export async function runProveWitness(flags: { witness: string; options: string; hash: string; proverAddress: string; out: string; backend: string; threads?: string | undefined }): Promise<void> {
  const hashConfig = parseHash(flags.hash);
  const options = parseOptionsPreset(flags.options);
  const proverAddress = parseAddress(flags.proverAddress, "--prover-address");
  const { witness, hash } = await readWitness(flags.witness);
  let instance;
  try {
    instance = buildTransferInstance(witness);
  } catch (err) {
    if (err instanceof WitnessInvalidError) throw new UsageError(err.message);
    throw err;
  }
  const backend = backendFromFlags(flags);
  const t0 = performance.now();
  let result;
  try {
    result = await proveStark({ air: transferAir, instance, options, hash: hashConfig, proverAddress, backend });
  } catch (err) {
    if (err instanceof StarkError) throw new UsageError(err.message);
    throw err;
  } finally {
    await backend.close();
  }
  const seconds = (performance.now() - t0) / 1000;
  await writeFile(
    flags.out,
    encodeProofFile({ air: transferAir.name, airId: transferAir.idHex, proverAddress, publicInputs: instance.publicInputs, publicColumns: [], proof: result.bytes }),
  );
  process.stdout.write(
    [
      `proved segment ${witness.segmentIndex} of batch ${witness.batchId} (${witness.steps.length} transactions, witness ${hash})`,
      `${transferAir.name}: 2^${witness.logRows} rows × ${transferAir.width} columns, ${hashConfig} commitments, on backend ${backend.name} in ${seconds.toFixed(3)} s`,
      `proof: ${result.bytes.length} bytes -> ${flags.out}`,
      `phases: ${Object.entries(result.timings).map(([k, v]) => `${k} ${(v / 1000).toFixed(3)} s`).join(", ")}`,
      formatSecurityReport(estimateSecurity(transferAir, options, witness.logRows, hashConfig)),
    ].join("\n") + "\n",
  );
}

export async function runVerifyWitness(flags: { proof: string; witness: string; proverAddress?: string; minSecurity: string }): Promise<void> {
  const minSecurityBits = parsePositiveInt(flags.minSecurity, "--min-security");
  const expectedAddress = flags.proverAddress ? parseAddress(flags.proverAddress, "--prover-address") : undefined;
  let file;
  try {
    file = decodeProofFile(await readFile(flags.proof, "utf8"));
  } catch (err) {
    if (err instanceof ProofFileError) throw new UsageError(err.message);
    throw new UsageError(`cannot read ${flags.proof}: ${describeError(err)}`);
  }
  const { witness, hash } = await readWitness(flags.witness);
  const statement = statementOf(witness);
  try {
    if (!bytesEqual(peekAirId(file.proof), transferAir.id)) throw verifyFailed("air", "the proof is not a transfer-v1 proof");
    const { security } = verifyStark({
      air: transferAir,
      proof: file.proof,
      publicInputs: publicInputsOf(statement),
      publicColumns: publicColumnsOf(statement),
      proverAddress: expectedAddress ?? file.proverAddress,
      policy: { minSecurityBits },
    });
    process.stdout.write(`valid: transfer-v1 proof of segment ${witness.segmentIndex} of batch ${witness.batchId} (${witness.steps.length} transactions, witness ${hash}), ${security.conjecturedBits} bits conjectured security\n`);
  } catch (err) {
    if (err instanceof StarkError) throw new CliExit(ExitCode.failure, `invalid: ${err.message}`);
    throw err;
  }
}
