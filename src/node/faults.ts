/**
 * Fault injection for end-to-end tests ONLY, at the edges: `FaultInjector` wraps the ports the composition
 * root passes between modules (the prover, the proof content store, the job network, the aggregator's
 * own-proof lookup and its L1 actions) and observes job transitions. No production class knows about
 * faults. A node with faults logs a loud warning at start; the devnet refuses faults unless its tests ask.
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
 * partition-file:<path>
 *                    a p2p partition under outside control (the chaos devnet): while <path> exists, the
 *                    libp2p host drops every connection and refuses every new one; L1 is unaffected
 */
import { existsSync } from "node:fs";
import type { ConnectionGater } from "@libp2p/interface";
import type { Address } from "viem";
import type { AggregatorActions, SubmitWrapRequest } from "../aggregator/actions.js";
import type { JobNetwork } from "../jobs/interface.js";
import type { TransitionEvent } from "../jobs/machine.js";
import type { ProveOutcome, Prover } from "../jobs/pool.js";
import type { ContentStore, P2pNetwork } from "../p2p/index.js";
import { ACTIVE_STATES, type JobState } from "../store/index.js";
import { UsageError } from "../util/errors.js";
import { keccakHex } from "../util/keccak.js";
import type { Logger } from "../util/logger.js";
import { segmentIdOf } from "../util/segment-id.js";

export interface Faults {
  readonly crashMidProof: boolean;
  readonly invalidProof: boolean;
  readonly withholdProof: boolean;
  readonly silentAggregator: boolean;
  readonly killAfter: JobState | null;
  /** partition-file: the file whose existence cuts the node off its peers. */
  readonly partitionFile: string | null;
}

export const NO_FAULTS: Faults = { crashMidProof: false, invalidProof: false, withholdProof: false, silentAggregator: false, killAfter: null, partitionFile: null };

/** How often the partition file is looked at. */
const PARTITION_POLL_MS = 250;

const NAMES: Record<string, Exclude<keyof Faults, "killAfter" | "partitionFile">> = {
  "crash-mid-proof": "crashMidProof",
  "invalid-proof": "invalidProof",
  "withhold-proof": "withholdProof",
  "silent-aggregator": "silentAggregator",
};

export const FAULT_NAMES: readonly string[] = [...Object.keys(NAMES), "kill-after:<state>", "partition-file:<path>"];

/** Parse `PROVER_NODE_FAULTS` (the one place it is read). */
export function parseFaults(value: string | undefined): Faults {
  if (value === undefined || value.trim() === "") return NO_FAULTS;
  const out: { -readonly [K in keyof Faults]: Faults[K] } = { ...NO_FAULTS };
  for (const raw of value.split(",")) {
    const name = raw.trim();
    if (name === "") continue;
    if (name.startsWith("kill-after:")) {
      const state = name.slice("kill-after:".length);
      if (!(ACTIVE_STATES as readonly string[]).includes(state)) throw new UsageError(`PROVER_NODE_FAULTS: kill-after needs one of ${ACTIVE_STATES.join(", ")}, got "${state}"`);
      out.killAfter = state as JobState;
      continue;
    }
    if (name.startsWith("partition-file:")) {
      const file = name.slice("partition-file:".length);
      if (file === "") throw new UsageError("PROVER_NODE_FAULTS: partition-file needs a path");
      out.partitionFile = file;
      continue;
    }
    const key = NAMES[name];
    if (key === undefined) throw new UsageError(`PROVER_NODE_FAULTS: unknown fault "${name}" (known: ${FAULT_NAMES.join(", ")})`);
    out[key] = true;
  }
  return out;
}

export function anyFault(f: Faults): boolean {
  return f.crashMidProof || f.invalidProof || f.withholdProof || f.silentAggregator || f.killAfter !== null || f.partitionFile !== null;
}

export function describeFaults(f: Faults): string {
  const names = Object.keys(NAMES).filter((n) => f[NAMES[n]!]);
  if (f.killAfter !== null) names.push(`kill-after:${f.killAfter}`);
  if (f.partitionFile !== null) names.push(`partition-file:${f.partitionFile}`);
  return names.join(",");
}

export interface FaultInjectorModules {
  logger: Logger;
  /** How the process dies (tests replace it). */
  kill?: () => void;
}

/** Wraps ports with the configured faults; with NO_FAULTS every wrapper returns its argument unchanged. */
export class FaultInjector {
  private readonly log: Logger;
  private readonly kill: () => void;
  /** withhold-proof: segment id → hash of the proof this process withholds. */
  private readonly withheld = new Map<bigint, string>();
  private withholdUsed = false;
  private killed = false;
  private proofs = 0;
  /** Things logged once (a silent primary's batch, an unanswered report). */
  private readonly said = new Set<string>();
  private partitioned = false;
  private partitionTimer: NodeJS.Timeout | null = null;

  constructor(
    readonly faults: Faults,
    modules: FaultInjectorModules,
  ) {
    this.log = modules.logger;
    this.kill = modules.kill ?? (() => process.kill(process.pid, "SIGKILL"));
    if (anyFault(faults)) this.log.warn("FAULT INJECTION ENABLED (tests only): this node misbehaves on purpose", { faults: describeFaults(faults) });
  }

  /** crash-mid-proof and invalid-proof act on the first proof of the process. */
  prover(inner: Prover): Prover {
    const f = this.faults;
    if (!f.crashMidProof && !f.invalidProof) return inner;
    return {
      prove: async (req, o) => {
        const n = this.proofs++;
        const onProgress = o?.onProgress;
        const outcome: ProveOutcome = await inner.prove(req, {
          ...o,
          onProgress: (p) => {
            onProgress?.(p);
            if (f.crashMidProof && n === 0 && p.phase === "trace") {
              this.log.error("FAULT crash-mid-proof: killing this process");
              this.kill();
            }
          },
        });
        if (!f.invalidProof || n !== 0) return outcome;
        const bytes = new Uint8Array(outcome.bytes);
        const at = Math.floor(bytes.length / 2);
        bytes[at] = bytes[at]! ^ 0x01;
        this.log.warn("FAULT invalid-proof: corrupting this proof before it is committed");
        return { ...outcome, bytes, proofHash: keccakHex(bytes) };
      },
    };
  }

  /** withhold-proof: the withheld proof is not served over `proof/1`. */
  proofStore(inner: ContentStore): ContentStore {
    if (!this.faults.withholdProof) return inner;
    return { get: async (hash) => ([...this.withheld.values()].includes(hash.toLowerCase()) ? null : inner.get(hash)) };
  }

  /** withhold-proof: the withheld proof is never announced. */
  jobNetwork(inner: JobNetwork): JobNetwork {
    if (!this.faults.withholdProof) return inner;
    return {
      fetchWitness: (job, segment, signal) => inner.fetchWitness(job, segment, signal),
      publishProof: async (job, proof, signal) => {
        if (this.withheld.has(job.segmentId)) {
          this.log.warn("FAULT withhold-proof: not publishing the proof", { segmentId: job.segmentId });
          return;
        }
        return inner.publishProof(job, proof, signal);
      },
    };
  }

  /** withhold-proof: our own aggregator does not hold the withheld proof either (it would submit it). */
  ownProof(inner: (batchId: bigint, index: number) => Promise<Uint8Array | null>): (batchId: bigint, index: number) => Promise<Uint8Array | null> {
    if (!this.faults.withholdProof) return inner;
    return async (batchId, index) => (this.withheld.has(segmentIdOf(batchId, index)) ? null : inner(batchId, index));
  }

  /** silent-aggregator: no submission as primary before the open race; withhold-proof: reports go unanswered. */
  aggregatorActions(inner: AggregatorActions, self: Address): AggregatorActions {
    const f = this.faults;
    if (!f.silentAggregator && !f.withholdProof) return inner;
    return {
      challenge: (seg, proof, column, gas) => inner.challenge(seg, proof, column, gas),
      report: (seg) => inner.report(seg),
      slash: (seg, reportedAt) => inner.slash(seg, reportedAt),
      respond: async (seg, proof) => {
        if (!f.withholdProof) return inner.respond(seg, proof);
        this.once(`respond:${seg.batchId}:${seg.index}:${seg.proofHash}`, () => this.log.warn("FAULT withhold-proof: a report of unavailability is left unanswered", { batchId: seg.batchId, index: seg.index }));
      },
      submit: async (req) => {
        if (!f.silentAggregator || req.openRace || req.primary !== self) return inner.submit(req);
        this.once(`submit:${req.batchId}:${req.fullyCommittedBlock}`, () => this.log.warn("FAULT silent-aggregator: not submitting as primary", { batchId: req.batchId }));
      },
      ...(inner.submitWrap ? { submitWrap: (req: SubmitWrapRequest) => inner.submitWrap!(req) } : {}),
    };
  }

  /**
   * partition-file: the extra connection rules of the p2p host (P2pModules.connectionGater): while
   * partitioned, no dial and no inbound connection. Undefined without the fault.
   */
  connectionGater(): ConnectionGater | undefined {
    if (this.faults.partitionFile === null) return undefined;
    const cut = (): boolean => this.partitioned;
    return {
      denyDialPeer: cut,
      denyDialMultiaddr: cut,
      denyInboundConnection: cut,
      denyOutboundConnection: cut,
      denyInboundEncryptedConnection: cut,
      denyOutboundEncryptedConnection: cut,
    };
  }

  /** partition-file: watch the file; entering a partition aborts every open connection of `p2p`. */
  watchPartition(p2p: Pick<P2pNetwork, "host">): void {
    const file = this.faults.partitionFile;
    if (file === null || this.partitionTimer !== null) return;
    this.partitionTimer = setInterval(() => {
      const now = existsSync(file);
      if (now === this.partitioned) return;
      this.partitioned = now;
      if (!now) {
        this.log.warn("FAULT partition: healed, peers may connect again");
        return;
      }
      let host;
      try {
        host = p2p.host;
      } catch {
        return; // not started (or stopping): the gater alone keeps it cut off
      }
      const conns = host.getConnections();
      this.log.warn("FAULT partition: cut off from every peer", { connections: conns.length });
      for (const c of conns) c.abort(new Error("partitioned (fault injection)"));
    }, PARTITION_POLL_MS);
    this.partitionTimer.unref();
  }

  /** Stop the injector's timers (the node is stopping). */
  close(): void {
    if (this.partitionTimer !== null) clearInterval(this.partitionTimer);
    this.partitionTimer = null;
  }

  /** A job transition (a machine observer): marks the withheld proof, and kill-after. */
  onTransition(e: TransitionEvent): void {
    const { job, from, to } = e;
    // A new attempt at a segment is a new proof: the withhold fault applied to the old one only.
    if (to === "observed" && from !== null) this.withheld.delete(job.segmentId);
    if (to === "proven" && this.faults.withholdProof && !this.withholdUsed && job.proofHash) {
      this.withholdUsed = true;
      this.withheld.set(job.segmentId, job.proofHash.toLowerCase());
      this.log.warn("FAULT withhold-proof: this proof will be committed but never served", { segmentId: job.segmentId });
    }
    if (this.faults.killAfter === to && !this.killed) {
      this.killed = true;
      this.log.error("FAULT kill-after: killing this process right after a persisted transition", { segmentId: job.segmentId, from, to });
      this.kill();
    }
  }

  private once(key: string, say: () => void): void {
    if (!this.said.has(key)) say();
    this.said.add(key);
  }
}
