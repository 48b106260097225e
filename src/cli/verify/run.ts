import { airRegistry } from "../../stark/air/air.js";
import "../../stark/airs/index.js";
import "../../rollup/air/index.js";
import "../../rollup/air-v2/index.js";
import { verifyStark } from "../../stark/verifier.js";
import { peekAirId, peekHeader } from "../../stark/proof.js";
import { verificationKeyWith } from "../../stark/vk.js";
import { wordsDigest } from "../../stark/merkle/hasher.js";
import { selectBackend } from "../../backends/select.js";
import { recursionProgram, verifyRecursion, childrenDigest, type RecursionDescriptor } from "../../recursion/recurse.js";
import { KeySet } from "../../recursion/keys.js";
import { RecursionError } from "../../recursion/errors.js";
import { StarkError } from "../../stark/errors.js";
import { toHex, fromHex, bytesEqual } from "../../stark/hash/keccak.js";
import { parseAddress, parsePositiveInt } from "../common/parse.js";
import { readProofFile, type ProofFile } from "../common/proof-file.js";
import { CliExit, ExitCode } from "../program.js";
import type { VerifyFlags } from "./register.js";

export async function runVerify(flags: VerifyFlags): Promise<void> {
  const minSecurityBits = parsePositiveInt(flags.minSecurity, "--min-security");
  const expectedAddress = flags.proverAddress ? parseAddress(flags.proverAddress, "--prover-address") : undefined;
  const file = await readProofFile(flags.proof);
  if (file.recursion) return verifyRecursionFile(file, expectedAddress, minSecurityBits);
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

/** A recursion proof: rebuild its program from the descriptor, derive the key, verify, print the statement. */
async function verifyRecursionFile(file: ProofFile, expectedAddress: Uint8Array | undefined, minSecurityBits: number): Promise<void> {
  const rec = file.recursion!;
  const descriptor = rec.descriptor as RecursionDescriptor;
  try {
    const { air, program } = recursionProgram(descriptor);
    const header = peekHeader(file.proof);
    // The verification key on this machine's kernels (the verifier derives it; nothing comes from the file).
    const backend = selectBackend("auto");
    try {
      const h = program.logHeights;
      await verificationKeyWith(air, header.hash, header.options, [h.inputs, h.public, h.alu, h.poseidon2], backend);
    } finally {
      await backend.close();
    }
    const { security, hash, vk } = verifyRecursion({ descriptor, proof: file.proof, publicValues: file.publicInputs, proverAddress: expectedAddress ?? file.proverAddress, policy: { minSecurityBits } });
    const keys = new KeySet(rec.keys.map(fromHex));
    const root = wordsDigest(Array.from(file.publicInputs.subarray(0, 8)));
    const digest = wordsDigest(Array.from(file.publicInputs.subarray(8, 16)));
    const listed = childrenDigest(rec.children.map((c) => ({ vk: fromHex(c.vk), publicInputs: c.publicInputs, proverAddress: fromHex(c.proverAddress) })));
    const lines = [
      `valid: recursion-v1 proof over ${descriptor.children.length} child proof(s), ${hash} commitments, ${security.conjecturedBits} bits conjectured security, verification key ${toHex(vk)}`,
      `key set root ${toHex(root)}${bytesEqual(root, keys.root) ? ` (the file's ${keys.keys.length} keys)` : " (NOT the root of the file's keys)"}`,
      `children digest ${toHex(digest)}${bytesEqual(digest, listed) ? " (matches the children listed in the file)" : " (does NOT match the children listed in the file)"}`,
      ...rec.children.map((c, i) => `  child ${i}: ${c.air}, key ${c.vk}, prover ${c.proverAddress}, public inputs [${c.publicInputs.join(", ")}]`),
    ];
    process.stdout.write(lines.join("\n") + "\n");
  } catch (err) {
    if (err instanceof StarkError || err instanceof RecursionError) throw new CliExit(ExitCode.failure, `invalid: ${err.message}`);
    throw err;
  }
}
