// Per-remote lanes: the work for one remote runs in order, and never waits on another remote's work.

/**
 * One queue per key (a remote's name). Tasks of one lane run one after another (a fetch, then a
 * push, then a retry of the same remote); tasks of different lanes run side by side, so a remote
 * that does not answer holds up only its own lane, until its time-out ends the hung operation.
 * What touches the one work tree (merges) still takes turns through sync's `serialised()`.
 */
export class Lanes {
  readonly #tails = new Map<string, Promise<unknown>>();
  /** Tasks queued and not started yet, by lane and kind: asking again joins the waiting one. */
  readonly #waiting = new Map<string, Promise<unknown>>();

  /** Runs `fn` in `lane` after what is already queued there. A failure rejects only this task's promise. */
  run<T>(lane: string, fn: () => Promise<T>): Promise<T> {
    const tail = this.#tails.get(lane) ?? Promise.resolve();
    const task = tail.then(fn, fn);
    const settled = task.then(
      () => undefined,
      () => undefined,
    );
    this.#tails.set(lane, settled);
    void settled.then(() => {
      if (this.#tails.get(lane) === settled) this.#tails.delete(lane);
    });
    return task;
  }

  /**
   * Runs `fn` in `lane` unless a task of the same `kind` is already waiting there (not started):
   * then that one's promise is returned, since it will see everything this one would have. A
   * burst of requests for a remote whose fetch hangs thus queues one more fetch, not hundreds.
   */
  once<T>(lane: string, kind: string, fn: () => Promise<T>): Promise<T> {
    const id = `${lane}\0${kind}`;
    const waiting = this.#waiting.get(id) as Promise<T> | undefined;
    if (waiting) return waiting;
    const task = this.run(lane, () => {
      this.#waiting.delete(id);
      return fn();
    });
    this.#waiting.set(id, task);
    return task;
  }
}
