/**
 * `lookup-v1`: the sample of every M2 feature — two tables of different heights, a LogUp range check
 * against a preprocessed table, and auxiliary columns.
 *
 * Table `sum` (2^k rows, k ≥ 2): columns a, b, acc. a and b are bytes, acc accumulates the 16-bit words
 * a·256 + b: acc starts at π_0 and acc' = acc + a'·256 + b' on every transition; π_1 = acc at the last row.
 * Both a and b are sent on bus 1 (one helper column of two interactions, plus the running sum).
 * Table `bytes` (2^8 rows, fixed): preprocessed column r = 0..255 and a main column m, the number of
 * times r was sent; it receives (r) on bus 1 with multiplicity m. The bus balances iff every a and b is
 * a byte.
 */
import { add, fromInt, mul } from "../field/babybear.js";
import { defineAir, type AirInstance } from "../air/air.js";

export const BYTE_BUS = 1;
const BYTE_LOG_ROWS = 8;

/** The byte table's preprocessed column: 0, 1, …, 255. */
export function byteColumn(logRows: number): Uint32Array {
  return Uint32Array.from({ length: 2 ** logRows }, (_, r) => r);
}

function rng(seed: number): () => number {
  let s = (seed >>> 0) || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s;
  };
}

/** A valid instance whose `sum` table has 2^logRows rows (bytes pseudo-random from the seed). */
export function lookupInstance(logRows: number, seed: number, bytes?: { a: ArrayLike<number>; b: ArrayLike<number> }): AirInstance {
  const n = 2 ** logRows;
  const next = rng(seed);
  const a = Uint32Array.from({ length: n }, (_, r) => (bytes ? bytes.a[r]! : next() & 0xff));
  const b = Uint32Array.from({ length: n }, (_, r) => (bytes ? bytes.b[r]! : next() & 0xff));
  const acc = new Uint32Array(n);
  const start = fromInt(seed);
  acc[0] = add(start, add(mul(a[0]!, 256), b[0]!));
  for (let r = 1; r < n; r++) acc[r] = add(acc[r - 1]!, add(mul(a[r]!, 256), b[r]!));
  const counts = new Uint32Array(2 ** BYTE_LOG_ROWS);
  for (let r = 0; r < n; r++) {
    if (a[r]! < counts.length) counts[a[r]!]! += 1;
    if (b[r]! < counts.length) counts[b[r]!]! += 1;
  }
  return { trace: [a, b, acc], extraTraces: [[counts]], publicInputs: Uint32Array.of(start, acc[n - 1]!), publicColumns: [] };
}

export const lookupAir = defineAir({
  name: "lookup-v1",
  version: 1,
  numPublicInputs: 2,
  tables: [
    {
      name: "sum",
      width: 3,
      numPublicColumns: 0,
      constraints(g) {
        const word = (a: ReturnType<typeof g.cur>, b: ReturnType<typeof g.cur>) => a.mul(256).add(b);
        g.assert(g.cur(2).sub(g.publicInput(0)).sub(word(g.cur(0), g.cur(1))), "firstRow");
        g.assert(g.next(2).sub(g.cur(2)).sub(word(g.next(0), g.next(1))), "transition");
        g.assert(g.cur(2).sub(g.publicInput(1)), "lastRow");
        g.send(BYTE_BUS, [g.cur(0)]);
        g.send(BYTE_BUS, [g.cur(1)]);
      },
    },
    {
      name: "bytes",
      width: 1,
      numPublicColumns: 0,
      numPreprocessed: 1,
      preprocessed: (logRows) => [byteColumn(logRows)],
      minLogRows: BYTE_LOG_ROWS,
      maxLogRows: BYTE_LOG_ROWS,
      constraints(g) {
        g.receive(BYTE_BUS, [g.preprocessed(0)], g.cur(0));
      },
    },
  ],
  sample: (logRows, seed) => lookupInstance(logRows, seed),
});
