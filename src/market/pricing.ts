/**
 * Pricing from the measured profile (`prover-node bench` writes it): the least a segment must pay to
 * cover the operator's cost of the proving time, plus margin. Integer arithmetic, rounded up.
 */
import { MarketError } from "./errors.js";

/** One measurement: a backend proving segments of one AIR. */
export interface ProfileEntry {
  readonly secondsPerSegment: number;
  /** Segment height measured (log2 of the rows); absent in profiles written before it was recorded. */
  readonly logRows?: number;
  /** Proof option preset measured ("default" | "test"); absent in older profiles. */
  readonly options?: string;
  /** Peak resident set of the measuring process while it proved one segment, in bytes; absent in older profiles. */
  readonly peakRssBytes?: number;
}

/** Measured proving speed: seconds per segment, per backend and AIR. */
export interface ProvingProfile {
  readonly version: 1;
  /** unix ms of the (latest) measurement */
  readonly measuredAt: number;
  readonly backends: Readonly<Record<string, Readonly<Record<string, ProfileEntry>>>>;
}

export function secondsPerSegment(profile: ProvingProfile, backend: string, air: string): number {
  const s = profile.backends[backend]?.[air]?.secondsPerSegment;
  if (s === undefined) throw new MarketError({ code: "MARKET_NO_PROFILE", backend, air }, `no measured profile for ${air} on backend ${backend}: run prover-node bench`);
  return s;
}

/**
 * The memory one proof of `air` at 2^logRows rows takes, from the profile's measured peak: scaled by the
 * height ratio (the prover's buffers grow with the rows) when the segment's height and the measured one
 * are both known. null: no peak recorded.
 */
export function peakRssFor(profile: ProvingProfile, backend: string, air: string, logRows?: number): number | null {
  const e = profile.backends[backend]?.[air];
  if (!e?.peakRssBytes) return null;
  if (logRows === undefined || e.logRows === undefined || logRows <= e.logRows) return e.peakRssBytes;
  return e.peakRssBytes * 2 ** (logRows - e.logRows);
}

/** Validate a profile read from disk. */
export function parseProfile(raw: unknown): ProvingProfile {
  const bad = (detail: string): never => {
    throw new MarketError({ code: "MARKET_INVALID_PROFILE", detail }, `invalid proving profile: ${detail}`);
  };
  if (!raw || typeof raw !== "object") bad("not an object");
  const p = raw as Record<string, unknown>;
  if (p.version !== 1) bad("version must be 1");
  if (typeof p.measuredAt !== "number") bad("measuredAt must be a number");
  if (!p.backends || typeof p.backends !== "object") bad("backends must be an object");
  for (const [backend, airs] of Object.entries(p.backends as object)) {
    if (!airs || typeof airs !== "object") bad(`backends.${backend} must be an object`);
    for (const [air, entry] of Object.entries(airs as object)) {
      if (!entry || typeof entry !== "object") bad(`backends.${backend}.${air} must be an object`);
      const e = entry as { secondsPerSegment?: unknown; logRows?: unknown; options?: unknown; peakRssBytes?: unknown };
      const s = e.secondsPerSegment;
      if (typeof s !== "number" || !(s > 0) || !Number.isFinite(s)) bad(`backends.${backend}.${air}.secondsPerSegment must be a positive number`);
      if (e.logRows !== undefined && (typeof e.logRows !== "number" || !Number.isInteger(e.logRows) || e.logRows < 1 || e.logRows > 40)) {
        bad(`backends.${backend}.${air}.logRows must be an integer in [1, 40]`);
      }
      if (e.options !== undefined && typeof e.options !== "string") bad(`backends.${backend}.${air}.options must be a string`);
      if (e.peakRssBytes !== undefined && (typeof e.peakRssBytes !== "number" || !Number.isSafeInteger(e.peakRssBytes) || e.peakRssBytes < 1)) {
        bad(`backends.${backend}.${air}.peakRssBytes must be a positive integer`);
      }
    }
  }
  return raw as ProvingProfile;
}

/** ceil(seconds × costPerHour / 3600 × (1 + margin)). */
export function minimumPrice(seconds: number, costPerHour: bigint, marginBps: number): bigint {
  const ms = BigInt(Math.ceil(seconds * 1000));
  const num = ms * costPerHour * BigInt(10_000 + marginBps);
  const den = 3_600_000n * 10_000n;
  return (num + den - 1n) / den;
}

/** The reverse Dutch auction's price at `nowSec` (docs/contracts.md, "Market lifecycle"): min → max over the ramp, then max. */
export function auctionPrice(seg: { minPrice: bigint; maxPrice: bigint; auctionStart: number; rampSeconds: number }, nowSec: number): bigint {
  if (nowSec <= seg.auctionStart) return seg.minPrice;
  if (seg.rampSeconds <= 0 || nowSec >= seg.auctionStart + seg.rampSeconds) return seg.maxPrice;
  const elapsed = BigInt(Math.floor((nowSec - seg.auctionStart) * 1000));
  return seg.minPrice + ((seg.maxPrice - seg.minPrice) * elapsed) / BigInt(seg.rampSeconds * 1000);
}

/** First second at which the auction pays at least `price` (null if it never does). */
export function timeWhenPriceReaches(seg: { minPrice: bigint; maxPrice: bigint; auctionStart: number; rampSeconds: number }, price: bigint): number | null {
  if (price <= seg.minPrice) return seg.auctionStart;
  if (price > seg.maxPrice) return null;
  const span = seg.maxPrice - seg.minPrice;
  const ms = ((price - seg.minPrice) * BigInt(seg.rampSeconds * 1000) + span - 1n) / span;
  return seg.auctionStart + Math.ceil(Number(ms) / 1000);
}
