/** The prom-client implementation of MetricsRegister (one Registry per node, served at /metrics). */
import { Counter as PCounter, Gauge as PGauge, Histogram as PHistogram, Registry, collectDefaultMetrics } from "prom-client";
import type { Counter, Gauge, Histogram, MetricsRegister } from "./metrics.js";



export class PromMetricsRegister implements MetricsRegister {
  readonly registry: Registry;

  constructor(opts: { registry?: Registry; defaultMetrics?: boolean } = {}) {
    this.registry = opts.registry ?? new Registry();
    if (opts.defaultMetrics) collectDefaultMetrics({ register: this.registry, prefix: "prover_process_" });
  }

  counter<L extends string>(name: string, help: string, labelNames: readonly L[] = []): Counter<L> {
    const c = new PCounter({ name, help, labelNames: [...labelNames], registers: [this.registry] });
    return {
      inc: (labels?: Partial<Record<L, string | number>>, value?: number) => (labels ? c.inc(labels as Partial<Record<L, string | number>>, value ?? 1) : c.inc(value ?? 1)),
    };
  }

  gauge<L extends string>(name: string, help: string, labelNames: readonly L[] = []): Gauge<L> {
    const g = new PGauge({ name, help, labelNames: [...labelNames], registers: [this.registry] });
    return {
      set: (labels: Partial<Record<L, string | number>>, value: number) => g.set(labels as Partial<Record<L, string | number>>, value),
      inc: (labels?: Partial<Record<L, string | number>>, value?: number) => (labels ? g.inc(labels as Partial<Record<L, string | number>>, value ?? 1) : g.inc(value ?? 1)),
      dec: (labels?: Partial<Record<L, string | number>>, value?: number) => (labels ? g.dec(labels as Partial<Record<L, string | number>>, value ?? 1) : g.dec(value ?? 1)),
    };
  }

  histogram<L extends string>(name: string, help: string, labelNames: readonly L[] = [], buckets?: readonly number[]): Histogram<L> {
    const h = new PHistogram({ name, help, labelNames: [...labelNames], registers: [this.registry], ...(buckets ? { buckets: [...buckets] } : {}) });
    return {
      observe: (labels: Partial<Record<L, string | number>>, value: number) => h.observe(labels as Partial<Record<L, string | number>>, value),
      startTimer: (labels?: Partial<Record<L, string | number>>) => h.startTimer(labels as Partial<Record<L, string | number>> | undefined),
    };
  }

  /** Text exposition format for /metrics. */
  async metrics(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
