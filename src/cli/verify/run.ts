import { readFile } from "node:fs/promises";
import { UsageError, describeError } from "../../util/errors.js";
import { airRegistry } from "../../stark/air/air.js";
import "../../stark/airs/index.js";
import "../../rollup/air/index.js";
import "../../rollup/air-v2/index.js";
import { verifyStark } from "../../stark/verifier.js";
import { peekAirId } from "../../stark/proof.js";
import { StarkError } from "../../stark/errors.js";
import { toHex } from "../../stark/hash/keccak.js";
import { parseAddress, parsePositiveInt } from "../common/parse.js";
import { decodeProofFile, ProofFileError } from "../common/proof-file.js";
import { CliExit, ExitCode } from "../program.js";
import type { VerifyFlags } from "./register.js";

export async function runVerify(flags: VerifyFlags): Promise<void> {
  const minSecurityBits = parsePositiveInt(flags.minSecurity, "--min-security");
  const expectedAddress = flags.proverAddress ? parseAddress(flags.proverAddress, "--prover-address") : undefined;
  let text: string;
  try {
    text = await readFile(flags.proof, "utf8");
  } catch (err) {
    throw new UsageError(`cannot read ${flags.proof}: ${describeError(err)}`);
  }
  let file;
  try {
    file = decodeProofFile(text);
  } catch (err) {
    if (err instanceof ProofFileError) throw new UsageError(err.message);
    throw err;
  }
  try {
    // By id; an AIR of a family instantiated on demand (transfer-v2-d<D>) by the file's name, which
    // verifyStark then checks against the proof's id.
    const id = toHex(peekAirId(file.proof));
    const air = airRegistry.getById(id) ?? airRegistry.getByName(file.air) ?? airRegistry.resolve(id);
    const { security, logHeights, hash, vk } = verifyStark({
      air,
      proof: file.proof,
      publicInputs: file.publicInputs,
      publicColumns: file.publicColumns,
      proverAddress: expectedAddress ?? file.proverAddress,
      policy: { minSecurityBits },
    });
    const tables = air.tables.map((t, i) => `${t.name} 2^${logHeights[i]}`).join(", ");
    process.stdout.write(`valid: ${air.name} proof (${tables}), ${hash} commitments, ${security.conjecturedBits} bits conjectured security, verification key ${toHex(vk)}\n`);
  } catch (err) {
    if (err instanceof StarkError) throw new CliExit(ExitCode.failure, `invalid: ${err.message}`);
    throw err;
  }
}
