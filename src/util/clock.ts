// The injected clock: the only place that reads the system time or sleeps.

/** Time source and sleeper; tests pass a fake one. */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  /** Nanoseconds since the epoch, as precise as the platform allows (for git-annex timestamps). */
  nowNanos(): bigint;
  /** Resolves after `ms`, or rejects with an AbortError when `signal` aborts. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

const hrOrigin = process.hrtime.bigint();
const wallOriginNs = BigInt(Date.now()) * 1_000_000n;

/** The real clock. nowNanos combines the wall clock at start-up with the monotonic hrtime. */
export const systemClock: Clock = {
  now: () => Date.now(),
  nowNanos: () => wallOriginNs + (process.hrtime.bigint() - hrOrigin),
  sleep: (ms, signal) =>
    new Promise((resolve, reject) => {
      if (signal?.aborted) {
        reject(signal.reason as Error);
        return;
      }
      const timer = setTimeout(() => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      }, ms);
      const onAbort = (): void => {
        clearTimeout(timer);
        reject(signal?.reason as Error);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
    }),
};
