import { AbortError } from "./errors.js";

/**
 * Iterate `source` until it ends or `signal` aborts; on abort the pending read is abandoned and the
 * iteration throws the signal's reason (or an AbortError). For network sources whose own teardown
 * cannot be relied on to end a pending read.
 */
export async function* abortableSource<T>(source: AsyncIterable<T>, signal: AbortSignal): AsyncGenerator<T> {
  const it = source[Symbol.asyncIterator]();
  let onAbort: (() => void) | undefined;
  const aborted = new Promise<never>((_, reject) => {
    onAbort = () => reject(signal.reason instanceof Error ? signal.reason : new AbortError());
    if (signal.aborted) onAbort();
    else signal.addEventListener("abort", onAbort, { once: true });
  });
  aborted.catch(() => {});
  try {
    for (;;) {
      const next = await Promise.race([it.next(), aborted]);
      if (next.done === true) return;
      yield next.value;
    }
  } finally {
    if (onAbort !== undefined) signal.removeEventListener("abort", onAbort);
    // Do not await: a stuck source may never settle its return().
    void Promise.resolve(it.return?.()).catch(() => {});
  }
}

/**
 * `promise`, or a rejection with the signal's reason as soon as `signal` aborts. The promise itself
 * is left to settle on its own (its rejection, if any, is swallowed).
 */
export function raceSignal<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  promise.catch(() => {});
  const reason = (): Error => (signal.reason instanceof Error ? signal.reason : new AbortError());
  if (signal.aborted) return Promise.reject(reason());
  let onAbort: () => void = () => {};
  const aborted = new Promise<never>((_, reject) => {
    onAbort = () => reject(reason());
    signal.addEventListener("abort", onAbort, { once: true });
  });
  return Promise.race([promise, aborted]).finally(() => signal.removeEventListener("abort", onAbort));
}
