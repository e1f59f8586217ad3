// The pause gate: a switch that callers wait at while it is closed (transfers between two chunks, slots before their next job).

/** A switch with waiters: `wait` returns at once while open, and parks the caller while paused. */
export class PauseGate {
  #paused = false;
  /** Callers parked in wait(). Invariant: empty while not paused. */
  #waiters: Array<() => void> = [];

  /** Whether the gate is closed. */
  get paused(): boolean {
    return this.#paused;
  }

  /** Closes the gate; returns whether it was open. */
  pause(): boolean {
    if (this.#paused) return false;
    this.#paused = true;
    return true;
  }

  /** Opens the gate and lets every parked caller go; returns whether it was closed. */
  resume(): boolean {
    if (!this.#paused) return false;
    this.#paused = false;
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const w of waiters) w();
    return true;
  }

  /**
   * Resolves once the gate is open (at once if it is); `onPark` runs when the caller has to wait.
   * Rejects with the signal's reason when `signal` aborts, before or while waiting.
   */
  wait(signal: AbortSignal, onPark?: () => void): Promise<void> {
    if (signal.aborted) return Promise.reject(signal.reason as Error);
    if (!this.#paused) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const go = (): void => {
        signal.removeEventListener('abort', onAbort);
        resolve();
      };
      const onAbort = (): void => {
        this.#waiters = this.#waiters.filter((w) => w !== go);
        reject(signal.reason);
      };
      signal.addEventListener('abort', onAbort, { once: true });
      this.#waiters.push(go);
      onPark?.();
    });
  }
}
