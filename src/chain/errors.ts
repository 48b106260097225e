/** Decoding of contract reverts into `Contract__Reason` names, across every contract of the system. */
import { BaseError, decodeErrorResult, type Abi, type Hex } from "viem";
import * as abis from "./abi/index.js";

/** Every custom error of every contract, so a revert bubbling up from a callee still decodes. */
export const systemErrorsAbi: Abi = dedupe(
  Object.values(abis).flatMap((abi) => (abi as Abi).filter((item) => item.type === "error")),
);

export interface DecodedRevert {
  errorName: string;
  args: readonly unknown[];
}

/** The custom error behind a viem error (or raw revert data), if any. */
export function decodeRevert(err: unknown): DecodedRevert | undefined {
  const data = revertData(err);
  if (!data || data.length < 10) return undefined;
  try {
    const r = decodeErrorResult({ abi: systemErrorsAbi, data });
    return { errorName: r.errorName, args: (r.args ?? []) as readonly unknown[] };
  } catch {
    return undefined;
  }
}

function revertData(err: unknown): Hex | undefined {
  if (typeof err === "string" && err.startsWith("0x")) return err as Hex;
  if (!(err instanceof BaseError)) return undefined;
  let found: Hex | undefined;
  err.walk((e) => {
    const rec = e as unknown as Record<string, unknown>;
    for (const key of ["raw", "data"]) {
      const v = rec[key];
      if (typeof v === "string" && v.startsWith("0x") && v.length >= 10) {
        found = v as Hex;
        return true;
      }
      if (v && typeof v === "object" && typeof (v as { data?: unknown }).data === "string") {
        const d = (v as { data: string }).data;
        if (d.startsWith("0x") && d.length >= 10) {
          found = d as Hex;
          return true;
        }
      }
    }
    return false;
  });
  return found;
}

function dedupe(items: Abi[number][]): Abi {
  const seen = new Set<string>();
  return items.filter((item) => {
    const key = JSON.stringify(item);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
