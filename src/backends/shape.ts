/** Shape helpers shared by the accelerated backends. */

/** log2 of a power of two; RangeError naming `what` otherwise. */
export function log2Exact(n: number, what: string): number {
  const l = Math.log2(n);
  if (!Number.isInteger(l) || l < 0) throw new RangeError(`${what} ${n} is not a power of two`);
  return l;
}

/** Indices of the columns grouped by length (order kept inside a group). */
export function groupByLength(columns: Uint32Array[]): number[][] {
  const groups = new Map<number, number[]>();
  columns.forEach((c, i) => {
    const g = groups.get(c.length);
    if (g) g.push(i);
    else groups.set(c.length, [i]);
  });
  return [...groups.values()];
}
