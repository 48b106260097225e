/**
 * Capacity: may one more job be locked without endangering any deadline? A conservative schedule
 * check: jobs already proving keep their workers, the rest are placed earliest-deadline-first on the
 * first free worker, each taking (measured seconds × safety factor + overhead). If any job would finish
 * after its deadline, the candidate is refused. Not an optimal scheduler — it only has to never say
 * yes when the answer is no.
 */
export interface CapacityJob {
  /** Seconds of work left (a running proof: its estimate minus the time spent). */
  readonly remainingSeconds: number;
  /** unix seconds by which the commit must be on chain */
  readonly deadline: number;
  /** Already proving on a worker. */
  readonly running: boolean;
}

export interface CapacityCheck {
  readonly ok: boolean;
  /** When not ok: the job (index into jobs, or "candidate") that would miss its deadline. */
  readonly late?: "candidate" | number;
  /** Planned finish time of the candidate (unix seconds). */
  readonly candidateFinish?: number;
}

export function checkCapacity(params: { nowSec: number; workers: number; jobs: readonly CapacityJob[]; candidate: CapacityJob }): CapacityCheck {
  const { nowSec, workers, jobs, candidate } = params;
  if (workers < 1) return { ok: false, late: "candidate" };
  const all: { job: CapacityJob; id: "candidate" | number }[] = [...jobs.map((job, i) => ({ job, id: i as number | "candidate" })), { job: candidate, id: "candidate" }];
  all.sort((a, b) => Number(b.job.running) - Number(a.job.running) || a.job.deadline - b.job.deadline);
  const freeAt = new Array<number>(workers).fill(nowSec);
  let candidateFinish: number | undefined;
  for (const { job, id } of all) {
    let w = 0;
    for (let i = 1; i < workers; i++) if (freeAt[i]! < freeAt[w]!) w = i;
    const finish = freeAt[w]! + Math.max(0, job.remainingSeconds);
    if (finish > job.deadline) return { ok: false, late: id };
    freeAt[w] = finish;
    if (id === "candidate") candidateFinish = finish;
  }
  return { ok: true, candidateFinish };
}
