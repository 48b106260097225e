import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { UsageError } from "../../util/errors.js";
import { parsePositiveInt, parseRows } from "../common/parse.js";
import { sampleBatch } from "../../rollup/sample.js";
import { digestToBytes32 } from "../../rollup/digest.js";
import { encodeWitness, witnessFromSegment, witnessHash } from "../../rollup/witness.js";
import { MAX_TREE_DEPTH } from "../../rollup/options.js";
import { segmentCapacity } from "../../rollup/segment.js";
import type { RollupSampleFlags } from "./register.js";
import { TRANSFER_AIR_NAME } from "../../rollup/air/transfer-air.js";
import { TRANSFER_V2 } from "../../rollup/air-v2/layout.js";
import { transferV2Name } from "../../rollup/air-v2/air.js";

export async function runRollupSample(flags: RollupSampleFlags): Promise<void> {
  const accounts = parsePositiveInt(flags.accounts, "--accounts");
  const txCount = parsePositiveInt(flags.txs, "--txs");
  const logRows = parseRows(flags.segmentRows, "--segment-rows");
  const depth = parsePositiveInt(flags.depth, "--depth");
  const seed = parsePositiveInt(flags.seed, "--seed");
  if (!/^\d+$/.test(flags.batchId) || BigInt(flags.batchId) >= 2n ** 60n) throw new UsageError("--batch-id must be an integer below 2^60");
  if (depth < 1 || depth > MAX_TREE_DEPTH) throw new UsageError(`--depth must be in [1, ${MAX_TREE_DEPTH}]`);
  if (flags.air !== TRANSFER_AIR_NAME && flags.air !== TRANSFER_V2) throw new UsageError(`--air must be ${TRANSFER_AIR_NAME} or ${TRANSFER_V2}`);
  const air = flags.air === TRANSFER_V2 ? transferV2Name(depth) : TRANSFER_AIR_NAME;
  // transfer-v2 segments hold a transaction per D + 2 rows (witness version 2), transfer-v1's per 2·(D + 2).
  const geometry = flags.air === TRANSFER_V2 ? "v2" : "v1";
  if (accounts < 2 || accounts > 2 ** depth) throw new UsageError(`--accounts must be in [2, 2^${depth}]`);
  let capacity: number;
  try {
    capacity = segmentCapacity(depth, logRows, geometry);
  } catch (err) {
    throw new UsageError(`--segment-rows: ${(err as Error).message}`);
  }
  if (capacity < 1) throw new UsageError(`--segment-rows 2^${logRows} holds no transaction at depth ${depth} (need at least ${(geometry === "v2" ? 3 : 5) + (geometry === "v2" ? 1 : 2) * depth} rows)`);

  const { genesis, batch } = sampleBatch({ accounts, txs: txCount, treeDepth: depth, logRows, batchId: BigInt(flags.batchId), seed, geometry });
  await mkdir(flags.out, { recursive: true });
  const segments = [];
  for (const seg of batch.segments) {
    const bytes = encodeWitness(witnessFromSegment(seg));
    const file = `segment-${String(seg.index).padStart(4, "0")}.witness`;
    await writeFile(join(flags.out, file), bytes);
    segments.push({ index: seg.index, file, witnessHash: witnessHash(bytes), bytes: bytes.length, txs: seg.steps.length, rootIn: digestToBytes32(seg.rootIn), rootOut: digestToBytes32(seg.rootOut) });
  }
  const genesisJson = {
    format: "prover-node-genesis/1",
    treeDepth: genesis.treeDepth,
    accounts: genesis.accounts.map((a) => ({ key: a.key, balance: a.balance })),
    root: digestToBytes32(batch.rootIn),
  };
  const failures: Record<string, number> = {};
  for (const o of batch.outcomes) if (o !== null) failures[o] = (failures[o] ?? 0) + 1;
  const batchJson = {
    format: "prover-node-batch/1",
    air,
    batchId: batch.batchId.toString(),
    treeDepth: batch.treeDepth,
    segmentRows: 2 ** batch.logRows,
    rootIn: digestToBytes32(batch.rootIn),
    rootOut: digestToBytes32(batch.rootOut),
    transactions: batch.transactions.map((t, i) => ({ ...t, outcome: batch.outcomes[i] ?? "APPLIED" })),
    segments,
  };
  await writeFile(join(flags.out, "genesis.json"), JSON.stringify(genesisJson, null, 1) + "\n");
  await writeFile(join(flags.out, "batch.json"), JSON.stringify(batchJson, null, 1) + "\n");
  const applied = batch.outcomes.filter((o) => o === null).length;
  process.stdout.write(
    [
      `batch ${batch.batchId}: ${txCount} transactions (${applied} applied, ${txCount - applied} recorded no-ops: ${Object.entries(failures).map(([k, v]) => `${k} ${v}`).join(", ") || "none"})`,
      `${segments.length} segment(s) of 2^${logRows} rows, up to ${capacity} transactions each, tree depth ${depth}, for ${air}`,
      `rootIn ${batchJson.rootIn}`,
      `rootOut ${batchJson.rootOut}`,
      `wrote genesis.json, batch.json and ${segments.length} witness file(s) to ${flags.out}`,
    ].join("\n") + "\n",
  );
}
