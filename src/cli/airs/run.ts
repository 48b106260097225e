import { airRegistry, type Air } from "../../stark/air/air.js";
import "../../stark/airs/index.js";
import "../../rollup/air/index.js";
import "../../rollup/air-v2/index.js";
import { verificationKey } from "../../stark/vk.js";
import { toHex } from "../../stark/hash/keccak.js";
import type { ProofOptions } from "../../stark/options.js";
import type { HashConfig } from "../../stark/hash/config.js";
import { parseHash, parseOptionsPreset } from "../common/parse.js";
import type { AirsFlags } from "./register.js";

/** Heights at which `airs` shows a verification key: each table's smallest height, at least 2^8. */
function exampleHeights(air: Air): number[] {
  return air.tables.map((t) => Math.min(t.maxLogRows, Math.max(t.minLogRows, 8)));
}

export function describeAir(air: Air, options: ProofOptions, hash: HashConfig) {
  const heights = exampleHeights(air);
  return {
    name: air.name,
    version: air.version,
    id: air.idHex,
    publicInputs: air.numPublicInputs,
    tables: air.tables.map((t) => ({
      name: t.name,
      rows: t.minLogRows === t.maxLogRows ? `2^${t.minLogRows}` : `2^${t.minLogRows}..2^${t.maxLogRows}`,
      mainColumns: t.width,
      preprocessedColumns: t.numPreprocessed,
      publicColumns: t.numPublicColumns,
      auxiliaryColumns: t.numAux,
      constraints: t.numConstraints,
      degree: t.maxDegree,
      quotientChunks: t.numQuotientChunks,
      buses: t.interactions.map((it) => `${it.kind} bus ${it.bus} (${it.values.length} value${it.values.length === 1 ? "" : "s"})`),
    })),
    verificationKey: { hash, logBlowup: options.logBlowup, logCap: options.logCap, heights, digest: toHex(verificationKey(air, hash, options, heights).digest) },
  };
}

export async function runAirs(flags: AirsFlags): Promise<void> {
  const hash = parseHash(flags.hash);
  const options = parseOptionsPreset(flags.options);
  const airs = airRegistry.list().map((a) => describeAir(a, options, hash));
  if (flags.json) {
    process.stdout.write(JSON.stringify(airs, null, 1) + "\n");
    return;
  }
  const lines: string[] = [];
  for (const a of airs) {
    lines.push(`${a.name} (version ${a.version}, id ${a.id}, ${a.publicInputs} public inputs)`);
    for (const t of a.tables) {
      lines.push(
        `  table ${t.name}: ${t.rows} rows, ${t.mainColumns} main + ${t.preprocessedColumns} preprocessed + ${t.publicColumns} public + ${t.auxiliaryColumns} auxiliary (K) columns, ` +
          `${t.constraints} constraints of degree ≤ ${t.degree} (${t.quotientChunks} quotient chunk${t.quotientChunks === 1 ? "" : "s"})`,
      );
      if (t.buses.length) lines.push(`    buses: ${t.buses.join(", ")}`);
    }
    const vk = a.verificationKey;
    lines.push(`  verification key (${vk.hash}, blowup 2^${vk.logBlowup}, cap 2^${vk.logCap}, heights ${vk.heights.map((h) => `2^${h}`).join(", ")}): ${vk.digest}`);
  }
  process.stdout.write(lines.join("\n") + "\n");
}
