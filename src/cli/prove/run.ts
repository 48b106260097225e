import { writeFile } from "node:fs/promises";
import { UsageError } from "../../util/errors.js";
import { airRegistry } from "../../stark/air/air.js";
import "../../stark/airs/index.js";
import "../../rollup/air/index.js";
import "../../rollup/air-v2/index.js";
import { proveStark } from "../../stark/prover.js";
import { estimateSecurity, formatSecurityReport } from "../../stark/security.js";
import { StarkError } from "../../stark/errors.js";
import { backendFromFlags } from "../common/backend.js";
import { parseAddress, parseHash, parseOptionsPreset, parsePositiveInt, parseRows } from "../common/parse.js";
import { encodeProofFile } from "../common/proof-file.js";
import { optionsForAir } from "../rollup/rollup-air.js";
import type { ProveFlags } from "./register.js";

export async function runProve(flags: ProveFlags & { air: string; rows: string }): Promise<void> {
  const air = airRegistry.getByName(flags.air) ?? airRegistry.getById(flags.air);
  if (!air) throw new UsageError(`unknown AIR ${flags.air} (known: ${airRegistry.list().map((a) => a.name).join(", ")})`);
  if (!air.hasSample) throw new UsageError(`AIR ${air.name} has no sample trace generator`);
  const logRows = parseRows(flags.rows, "--rows");
  if (logRows < air.minLogRows) throw new UsageError(`--rows must be at least 2^${air.minLogRows} for ${air.name}`);
  const { options, raised } = optionsForAir(air, parseOptionsPreset(flags.options));
  const hash = parseHash(flags.hash);
  const proverAddress = parseAddress(flags.proverAddress, "--prover-address");
  const seed = parsePositiveInt(flags.seed, "--seed");

  const instance = air.sample(logRows, seed);
  const backend = backendFromFlags(flags);
  const t0 = performance.now();
  let result;
  try {
    result = await proveStark({ air, instance, options, hash, proverAddress, backend });
  } catch (err) {
    if (err instanceof StarkError) throw new UsageError(err.message);
    throw err;
  } finally {
    await backend.close();
  }
  const total = performance.now() - t0;
  await writeFile(
    flags.out,
    encodeProofFile({ air: air.name, airId: air.idHex, proverAddress, publicInputs: instance.publicInputs, publicColumns: instance.publicColumns, proof: result.bytes }),
  );
  const { logHeights } = result.proof;
  const security = estimateSecurity(air, options, logHeights, hash);
  const tables = air.tables.map((t, i) => `${t.name} 2^${logHeights[i]} × ${t.width}`).join(", ");
  const lines = [
    `proved ${air.name} (${tables}) with ${hash} commitments on backend ${backend.name} in ${(total / 1000).toFixed(3)} s`,
    ...(raised ? [`options: blowup raised to 2^${options.logBlowup} (${air.name} needs ${air.numQuotientChunks} quotient chunks)`] : []),
    `proof: ${result.bytes.length} bytes -> ${flags.out}`,
    `phases: ${Object.entries(result.timings).map(([k, v]) => `${k} ${(v / 1000).toFixed(3)} s`).join(", ")}`,
    formatSecurityReport(security),
  ];
  process.stdout.write(lines.join("\n") + "\n");
}
