import type { ProvePhase } from "../stark/prover.js";

/**
 * Rough share of proving time each phase ends at (js backend figures in docs/performance.md), so a
 * progress bar moves roughly evenly. Cosmetic only.
 */
const PHASE_END: Record<ProvePhase, number> = { check: 0.02, trace: 0.3, aux: 0.35, quotient: 0.68, ood: 0.7, deep: 0.85, fri: 0.96, pow: 0.98, open: 1 };

export function phaseFraction(phase: ProvePhase): number {
  return PHASE_END[phase] ?? 0;
}
