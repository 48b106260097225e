// Generates ../poseidon2-16.ts: the width-16 Poseidon2 permutation of four transposed states, unrolled
// over the words — the lane-parallel core of the Poseidon2 Merkle and grinding kernels and of
// poseidon2Permute at width 16. Derived from test/vectors/poseidon2-babybear-16.json:
//   - round constants pre-splatted (each repeated in the 4 lanes, Montgomery form), one v128 load each;
//   - the internal diagonal V written as multiplications by small integers and powers of two, which
//     cost additions and shifts instead of Montgomery products (208 of 772 products per call); the
//     generator refuses a V it cannot express that way;
//   - a full round runs chunk by chunk (constants, four S-boxes, M4), then the column sums.
// Run: node kernels/wasm/tools/gen-poseidon2-16.mjs > kernels/wasm/poseidon2-16.ts
import { readFileSync } from "node:fs";

const P = 2013265921n;
const v = JSON.parse(readFileSync(new URL("../../../test/vectors/poseidon2-babybear-16.json", import.meta.url), "utf8"));
if (v.width !== 16 || v.rounds_full !== 8 || v.sbox_degree !== 7) throw new Error("unexpected instance");
if (v.external_mds_4x4.join() !== "2,3,1,1,1,2,3,1,1,1,2,3,3,1,1,2") throw new Error("unexpected M4");
const mont = (x) => ((BigInt(x) << 32n) % P).toString();
const pow = (b, e) => {
  let r = 1n;
  for (b %= P; e > 0n; e >>= 1n, b = (b * b) % P) if (e & 1n) r = (r * b) % P;
  return r;
};
const inv2k = (k) => pow(pow(2n, BigInt(k)), P - 2n);

/** V[i] as { sign, small } (V = sign·small, small ∈ {1, 2, 3, 4}) or { sign, k } (V = sign·2^−k, 1 ≤ k ≤ 27). */
function decompose(d) {
  const x = BigInt(d);
  for (const sign of [1, -1]) {
    const target = sign === 1 ? x : (P - x) % P;
    for (const small of [1n, 2n, 3n, 4n]) if (target === small) return { sign, small: Number(small) };
    for (let k = 1; k <= 27; k++) if (target === inv2k(k)) return { sign, k };
  }
  throw new Error(`internal diagonal entry ${d} is not ±1..4 or ±2^-k: extend the generator`);
}

const splat = (xs) => xs.flatMap((c) => [c, c, c, c]).join(", ");
const ext = (rows) => splat(rows.flat().map(mont));
const at = (i) => 16 * i;

/** M4 on the four vectors a, b, d, e (in locals), stored to words c … c + 3 of the state. */
function mat4Store(ind, c, [a, b, d, e]) {
  return [
    `const t01 = vAdd(${a}, ${b});`,
    `const t23 = vAdd(${d}, ${e});`,
    `const t0123 = vAdd(t01, t23);`,
    `const t01123 = vAdd(t0123, ${b});`,
    `const t01233 = vAdd(t0123, ${e});`,
    `v128.store(s, vAdd(t01123, t01), ${at(c)});`,
    `v128.store(s, vAdd(t01123, vAdd(${d}, ${d})), ${at(c + 1)});`,
    `v128.store(s, vAdd(t01233, t23), ${at(c + 2)});`,
    `v128.store(s, vAdd(t01233, vAdd(${a}, ${a})), ${at(c + 3)});`,
  ].map((l) => ind + l);
}

/** Every word plus the sum of its column (position mod 4) over the four chunks: the second half of M_E. */
function columnSums(ind) {
  const out = [];
  for (let k = 0; k < 4; k++) {
    out.push(`${ind}{`);
    for (let c = 0; c < 16; c += 4) out.push(`${ind}  const y${c / 4} = v128.load(s, ${at(c + k)});`);
    out.push(`${ind}  const sum = vAdd(vAdd(y0, y1), vAdd(y2, y3));`);
    for (let c = 0; c < 16; c += 4) out.push(`${ind}  v128.store(s, vAdd(y${c / 4}, sum), ${at(c + k)});`);
    out.push(`${ind}}`);
  }
  return out;
}

/** The external layer alone (before the first round). */
function externalLayer(ind) {
  const out = [];
  for (let c = 0; c < 16; c += 4) {
    out.push(`${ind}{`, ...[0, 1, 2, 3].map((j) => `${ind}  const x${j} = v128.load(s, ${at(c + j)});`), ...mat4Store(ind + "  ", c, ["x0", "x1", "x2", "x3"]), `${ind}}`);
  }
  return [...out, ...columnSums(ind)];
}

/** A full round: constants, S-box and M4 chunk by chunk (four independent S-boxes in flight), then the column sums. */
function fullRound(ind) {
  const out = [];
  for (let c = 0; c < 16; c += 4) {
    out.push(
      `${ind}{`,
      ...[0, 1, 2, 3].map((j) => `${ind}  const x${j} = sbox(vAdd(v128.load(s, ${at(c + j)}), v128.load(rc, ${at(c + j)})));`),
      ...mat4Store(ind + "  ", c, ["x0", "x1", "x2", "x3"]),
      `${ind}}`,
    );
  }
  return [...out, ...columnSums(ind)];
}

/** new x_i = V_i·x_i + sum. */
function internalTerm(i, d) {
  const x = i === 0 ? "x0" : `v128.load(s, ${at(i)})`;
  const r = decompose(d);
  const name = `${r.sign === 1 ? "" : "−"}${r.small !== undefined ? r.small : `2^−${r.k}`}`;
  let times;
  if (r.small !== undefined) {
    times = r.small === 1 ? x : r.small === 2 ? `vAdd(y, y)` : r.small === 3 ? `vAdd(vAdd(y, y), y)` : `vAdd(vAdd(y, y), vAdd(y, y))`;
  } else {
    times = `mulInvPow2(y, ${r.k})`;
  }
  const load = times.includes("y") ? `{ const y = ${x}; ` : "{ ";
  return `${load}v128.store(s, ${r.sign === 1 ? "vAdd" : "vSub"}(sum, ${times}), ${at(i)}); } // V = ${name}`;
}

const lines = [];
const body = [];
body.push("  // the external layer before the first round", ...externalLayer("  "));
const full = (table, what) => [
  `  for (let r: usize = 0; r < ${v.rounds_full / 2}; r++) { // ${what} full rounds`,
  `    const rc = ${table} + (r << 8);`,
  ...fullRound("    "),
  "  }",
];
body.push(...full("RC_INITIAL", "initial"));
const sumTerms = Array.from({ length: 15 }, (_, i) => `v128.load(s, ${at(i + 1)})`);
const tree = (xs) => (xs.length === 1 ? xs[0] : `vAdd(${tree(xs.slice(0, xs.length >> 1))}, ${tree(xs.slice(xs.length >> 1))})`);
body.push(
  `  for (let r: usize = 0; r < ${v.rounds_partial}; r++) { // partial rounds: S-box on word 0, then M_I = J + diag(V)`,
  `    const x0 = sbox(vAdd(v128.load(s), v128.load(RC_INTERNAL + (r << 4))));`,
  `    const sum = ${tree(["x0", ...sumTerms])};`,
  ...v.internal_diagonal.map((d, i) => `    ${internalTerm(i, d)}`),
  "  }",
);
body.push(...full("RC_FINAL", "final"));

lines.push(
  "// GENERATED by tools/gen-poseidon2-16.mjs from test/vectors/poseidon2-babybear-16.json — do not edit.",
  "// The width-16 Poseidon2 permutation of four states held transposed (vector i = word i of the four",
  "// states, Montgomery form), unrolled over the words; constants pre-splatted, in Montgomery form. The",
  "// state stays in (L1-resident) memory: with all 16 vectors in locals V8 spills more than it saves.",
  "",
  'import { vAdd, vSub, vMontMul } from "./field";',
  "",
  `const RC_INITIAL = memory.data<u32>([${ext(v.external_initial_constants)}]);`,
  `const RC_FINAL = memory.data<u32>([${ext(v.external_final_constants)}]);`,
  `const RC_INTERNAL = memory.data<u32>([${splat(v.internal_constants.map(mont))}]);`,
  "",
  "/** x^7 with a multiplication depth of 3. */",
  "@inline function sbox(x: v128): v128 {",
  "  const x2 = vMontMul(x, x);",
  "  const x3 = vMontMul(x2, x);",
  "  const x4 = vMontMul(x2, x2);",
  "  return vMontMul(x4, x3);",
  "}",
  "",
  "/**",
  " * x·2^−k for 1 ≤ k ≤ 27, x < p: with x = hi·2^k + lo and 2^−k ≡ −15·2^(27−k) (2^k·15·2^(27−k) = p − 1),",
  " * x·2^−k ≡ hi − lo·15·2^(27−k), both terms below p. Linear, so the Montgomery form is kept.",
  " */",
  "@inline function mulInvPow2(x: v128, k: i32): v128 {",
  "  const hi = i32x4.shr_u(x, k);",
  "  const lo = v128.and(x, i32x4.splat((1 << k) - 1));",
  "  return vSub(hi, i32x4.sub(i32x4.shl(lo, 31 - k), i32x4.shl(lo, 27 - k)));",
  "}",
  "",
  "/** Permutes the four transposed states at s (16 vectors, Montgomery form) in place. */",
  "export function permute16Unrolled(s: usize): void {",
  ...body,
  "}",
);
console.log(lines.join("\n"));
