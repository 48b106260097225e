import { AbortError } from "./errors.js";

/** Resolve after `ms` milliseconds; reject with AbortError as soon as `signal` aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new AbortError());
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(new AbortError());
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

/**
 * Run `body` every `intervalMs` until `signal` aborts: a failure is reported to `onError` and the loop
 * goes on (the next round retries). Resolves once the loop has ended.
 */
export async function every(intervalMs: number, signal: AbortSignal, body: () => Promise<unknown>, onError: (err: unknown) => void): Promise<void> {
  while (!signal.aborted) {
    try {
      await body();
    } catch (err) {
      if (signal.aborted) break;
      onError(err);
    }
    await sleep(intervalMs, signal).catch(() => undefined);
  }
}
