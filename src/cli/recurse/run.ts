import { writeFile } from "node:fs/promises";
import { UsageError } from "../../util/errors.js";
import { airRegistry, type Air } from "../../stark/air/air.js";
import "../../stark/airs/index.js";
import "../../rollup/air/index.js";
import { decodeProof, peekAirId } from "../../stark/proof.js";
import { fromHex, toHex } from "../../stark/hash/keccak.js";
import { StarkError } from "../../stark/errors.js";
import { recurse, describe, recursionKey, childKey, recursionProgram, checkRecursable, RECURSION_AIR_NAME, type ChildInput, type RecursionDescriptor } from "../../recursion/recurse.js";
import { KeySet } from "../../recursion/keys.js";
import { RecursionError } from "../../recursion/errors.js";
import { backendFromFlags } from "../common/backend.js";
import { parseAddress, parseHash, parseOptionsPreset } from "../common/parse.js";
import { encodeProofFile, readProofFile, type ProofFile } from "../common/proof-file.js";
import { CliExit, ExitCode } from "../program.js";
import type { RecurseFlags } from "./register.js";


/** The AIR a proof file's proof is for: a registered AIR, or the program of a recursion proof. */
export function airOfFile(f: ProofFile, path: string): Air {
  if (f.recursion) return recursionProgram(f.recursion.descriptor as RecursionDescriptor).air;
  const air = airRegistry.getById(toHex(peekAirId(f.proof)));
  if (!air) throw new UsageError(`${path}: unknown AIR ${f.air}`);
  return air;
}

export async function runRecurse(flags: RecurseFlags): Promise<void> {
  if (flags.proof.length < 1 || flags.proof.length > 2) throw new UsageError("give one or two --proof files");
  const hash = parseHash(flags.hash);
  const options = parseOptionsPreset(flags.options);
  const proverAddress = parseAddress(flags.proverAddress, "--prover-address");
  const files = await Promise.all(flags.proof.map(readProofFile));
  const children: ChildInput[] = files.map((f, i) => {
    try {
      return { air: airOfFile(f, flags.proof[i]!), proof: f.proof, publicInputs: f.publicInputs, proverAddress: f.proverAddress };
    } catch (err) {
      if (err instanceof StarkError || err instanceof RecursionError) throw new CliExit(ExitCode.failure, `invalid child ${i}: ${err.message}`);
      throw err;
    }
  });
  const backend = backendFromFlags(flags);
  try {
    const decoded = children.map((ch, i) => {
      try {
        const proof = decodeProof(ch.proof, ch.air);
        checkRecursable(proof, i);
        return proof;
      } catch (err) {
        throw new CliExit(ExitCode.failure, `invalid: ${err instanceof RecursionError ? err.message : `child ${i}: ${err instanceof Error ? err.message : String(err)}`}`);
      }
    });
    // The allowed keys: a recursion child's set (every recursion child must share it); otherwise the
    // children's own keys and this program's, so the proof can itself be recursed once more.
    const sets = files.filter((f) => f.recursion).map((f) => f.recursion!.keys.join(","));
    if (new Set(sets).size > 1) throw new CliExit(ExitCode.failure, "the recursion children were made over different key sets");
    let keys: KeySet;
    if (sets.length > 0) keys = new KeySet(files.find((f) => f.recursion)!.recursion!.keys.map(fromHex));
    else {
      const desc = describe(children.map((ch, i) => ({ air: ch.air, proof: decoded[i]! })));
      const own = await recursionKey(desc, options, "poseidon2", backend);
      keys = new KeySet([...(await Promise.all(children.map((ch, i) => childKey({ air: ch.air, proof: decoded[i]! }, backend)))), own]);
    }
    const t0 = performance.now();
    let result;
    try {
      result = await recurse({ children, keys, options, hash, proverAddress, backend });
    } catch (err) {
      if (err instanceof RecursionError && err.code === "CHILD_REFUSED") throw new CliExit(ExitCode.failure, `invalid: ${err.message}`);
      throw err;
    }
    const seconds = (performance.now() - t0) / 1000;
    const childKeys = await Promise.all(children.map((ch, i) => childKey({ air: ch.air, proof: decoded[i]! }, backend)));
    const { program } = recursionProgram(result.descriptor);
    await writeFile(
      flags.out,
      encodeProofFile({
        air: RECURSION_AIR_NAME, airId: recursionProgram(result.descriptor).air.idHex, proverAddress, publicInputs: result.publicValues, publicColumns: [], proof: result.bytes,
        recursion: {
          descriptor: result.descriptor,
          keys: keys.keys.map(toHex),
          children: children.map((ch, i) => ({ air: ch.air.name, vk: toHex(childKeys[i]!), publicInputs: Array.from(ch.publicInputs), proverAddress: toHex(ch.proverAddress) })),
        },
      }),
    );
    const h = program.logHeights;
    process.stdout.write(
      [
        `proved a recursion statement over ${children.length} child proof(s) (${children.map((c) => c.air.name).join(", ")}) with ${hash} commitments on backend ${backend.name} in ${seconds.toFixed(3)} s`,
        `recursion tables: inputs 2^${h.inputs}, public 2^${h.public}, alu 2^${h.alu}, poseidon2 2^${h.poseidon2} (${program.rows.alu} ALU rows, ${program.rows.poseidon2} permutations)`,
        `proof: ${result.bytes.length} bytes -> ${flags.out}`,
        `key set root ${toHex(keys.root)} (${keys.keys.length} keys)`,
      ].join("\n") + "\n",
    );
  } finally {
    await backend.close();
  }
}
