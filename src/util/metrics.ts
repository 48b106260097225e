/**
 * Metrics interfaces. Modules accept `XMetrics | null`; `node/` creates prom-client backed
 * implementations (`createXMetrics(register)`), tests pass null. Names: `prover_<module>_<what>_<unit>`.
 */
export interface Counter<L extends string = string> {
  inc(labels?: Partial<Record<L, string | number>>, value?: number): void;
}

export interface Gauge<L extends string = string> {
  set(labels: Partial<Record<L, string | number>>, value: number): void;
  inc(labels?: Partial<Record<L, string | number>>, value?: number): void;
  dec(labels?: Partial<Record<L, string | number>>, value?: number): void;
}

export interface Histogram<L extends string = string> {
  observe(labels: Partial<Record<L, string | number>>, value: number): void;
  startTimer(labels?: Partial<Record<L, string | number>>): () => number;
}

/** Factory a module's metrics are built from; implemented over prom-client in `node/`. */
export interface MetricsRegister {
  counter<L extends string>(name: string, help: string, labelNames?: readonly L[]): Counter<L>;
  gauge<L extends string>(name: string, help: string, labelNames?: readonly L[]): Gauge<L>;
  histogram<L extends string>(
    name: string,
    help: string,
    labelNames?: readonly L[],
    buckets?: readonly number[],
  ): Histogram<L>;
}
