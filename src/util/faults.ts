/**
 * Fault injection for end-to-end tests ONLY: the one place `PROVER_NODE_FAULTS` is parsed. A node with
 * faults logs a loud warning at start; the devnet refuses faults unless asked for them by its tests.
 *
 *   PROVER_NODE_FAULTS=crash-mid-proof,invalid-proof,withhold-proof,silent-aggregator
 *
 * crash-mid-proof    the process kills itself (SIGKILL) in the middle of its first proof
 * invalid-proof      the first proof this process makes is corrupted (one byte flipped) before it is
 *                    stored and committed — an aggregator must challenge it
 * withhold-proof     the first proof is committed but never published or served, and reports of its
 *                    unavailability are not answered
 * silent-aggregator  never submits an aggregate of a batch whose primary (rank 0) it is; it still acts
 *                    as a fallback rank for other primaries' batches
 * kill-after:<state> the process kills itself (SIGKILL) right after it persisted its first job
 *                    transition into <state> (observed, decided, lockSent, … published)
 */
import { UsageError } from "./errors.js";

export interface Faults {
  readonly crashMidProof: boolean;
  readonly invalidProof: boolean;
  readonly withholdProof: boolean;
  readonly silentAggregator: boolean;
  readonly killAfter: string | null;
}

export const NO_FAULTS: Faults = { crashMidProof: false, invalidProof: false, withholdProof: false, silentAggregator: false, killAfter: null };

const NAMES: Record<string, Exclude<keyof Faults, "killAfter">> = {
  "crash-mid-proof": "crashMidProof",
  "invalid-proof": "invalidProof",
  "withhold-proof": "withholdProof",
  "silent-aggregator": "silentAggregator",
};

export const FAULT_NAMES: readonly string[] = [...Object.keys(NAMES), "kill-after:<state>"];
const KILL_STATES = ["observed", "decided", "lockSent", "locked", "witnessFetched", "proving", "proven", "committed", "published"];

export function parseFaults(value: string | undefined): Faults {
  if (value === undefined || value.trim() === "") return NO_FAULTS;
  const out: { -readonly [K in keyof Faults]: Faults[K] } = { ...NO_FAULTS };
  for (const raw of value.split(",")) {
    const name = raw.trim();
    if (name === "") continue;
    if (name.startsWith("kill-after:")) {
      const state = name.slice("kill-after:".length);
      if (!KILL_STATES.includes(state)) throw new UsageError(`PROVER_NODE_FAULTS: kill-after needs one of ${KILL_STATES.join(", ")}, got "${state}"`);
      out.killAfter = state;
      continue;
    }
    const key = NAMES[name];
    if (key === undefined) throw new UsageError(`PROVER_NODE_FAULTS: unknown fault "${name}" (known: ${FAULT_NAMES.join(", ")})`);
    out[key] = true;
  }
  return out;
}

export function anyFault(f: Faults): boolean {
  return f.crashMidProof || f.invalidProof || f.withholdProof || f.silentAggregator || f.killAfter !== null;
}

export function describeFaults(f: Faults): string {
  const names = Object.keys(NAMES).filter((n) => f[NAMES[n]!]);
  if (f.killAfter !== null) names.push(`kill-after:${f.killAfter}`);
  return names.join(",");
}
