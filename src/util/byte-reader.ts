// Reading lines and counted runs of bytes from a stream, with backpressure: the shape of a line protocol that carries binary data.

import type { Readable } from 'node:stream';
import type { Clock } from './clock.js';
import { ArborError } from './errors.js';

/** Bytes held before the stream is paused until the reader catches up. */
const HIGH_WATER_BYTES = 4 << 20;

/** The stream ended (or failed) before what was asked for arrived. */
export class StreamEndedError extends ArborError {
  constructor(what: string) {
    super('ESTREAMEND', `connection closed while waiting for ${what}`);
  }
}

/** The peer sent nothing (or took nothing) for the stall time while we waited on it. */
export class StalledError extends ArborError {
  constructor(what: string, ms: number) {
    super('ESTALLED', `no answer for ${Math.round(ms / 1000)} s while waiting for ${what} (stalled)`);
  }
}

/** A bound on how long one wait on the peer may last without progress (arbor.network.stallseconds). */
export interface StallBound {
  readonly ms: number;
  readonly clock: Clock;
}

/**
 * Pulls lines and exact byte counts off a Readable. One reader at a time (the protocol is
 * sequential); bytes past what was asked for stay buffered for the next call.
 */
export class ByteReader {
  readonly #stream: Readable;
  #chunks: Buffer[] = [];
  #buffered = 0;
  #ended = false;
  #failure: unknown;
  #wake: (() => void) | undefined;

  readonly #stall: StallBound | undefined;

  /** With `stall`, a wait for bytes (or `bounded` work) that sees no progress for its time fails with StalledError. */
  constructor(stream: Readable, stall?: StallBound) {
    this.#stream = stream;
    this.#stall = stall && stall.ms > 0 ? stall : undefined;
    stream.on('data', (chunk: Buffer) => {
      this.#chunks.push(chunk);
      this.#buffered += chunk.length;
      if (this.#buffered >= HIGH_WATER_BYTES) stream.pause();
      this.#notify();
    });
    stream.on('end', () => {
      this.#ended = true;
      this.#notify();
    });
    stream.on('error', (err) => {
      this.#failure ??= err;
      this.#ended = true;
      this.#notify();
    });
  }

  #notify(): void {
    const wake = this.#wake;
    this.#wake = undefined;
    wake?.();
  }

  async #more(what: string): Promise<void> {
    if (this.#ended) throw new StreamEndedError(what);
    if (this.#stream.isPaused()) this.#stream.resume();
    await this.bounded(
      new Promise<void>((resolve) => {
        this.#wake = resolve;
      }),
      what,
    );
  }

  /**
   * `wait` (a wait on the peer: bytes to arrive, or the pipe to it to drain), failing with
   * StalledError when it has not settled within the stall time. Without a bound, `wait` itself.
   */
  async bounded<T>(wait: Promise<T>, what: string): Promise<T> {
    const stall = this.#stall;
    if (!stall) return wait;
    const timer = new AbortController();
    try {
      return await Promise.race([
        wait,
        stall.clock.sleep(stall.ms, timer.signal).then(() => {
          throw new StalledError(what, stall.ms);
        }),
      ]);
    } finally {
      timer.abort();
    }
  }

  #take(n: number): Buffer {
    const out: Buffer[] = [];
    let need = n;
    while (need > 0) {
      const head = this.#chunks[0];
      if (!head) break;
      if (head.length <= need) {
        out.push(head);
        this.#chunks.shift();
        need -= head.length;
      } else {
        out.push(head.subarray(0, need));
        this.#chunks[0] = head.subarray(need);
        need = 0;
      }
    }
    this.#buffered -= n;
    if (this.#buffered < HIGH_WATER_BYTES && this.#stream.isPaused() && !this.#ended) this.#stream.resume();
    return out.length === 1 ? (out[0] as Buffer) : Buffer.concat(out);
  }

  /** The next line, without its newline. */
  async line(): Promise<string> {
    for (;;) {
      let offset = 0;
      for (const chunk of this.#chunks) {
        const at = chunk.indexOf(0x0a);
        if (at >= 0) {
          const line = this.#take(offset + at + 1);
          return line.toString('utf8', 0, line.length - 1);
        }
        offset += chunk.length;
      }
      await this.#more('a line');
    }
  }

  /**
   * Hands exactly `n` bytes to `consume`, chunk by chunk as they arrive (awaiting it before
   * taking more, so a slow consumer holds the stream back).
   */
  async bytes(n: number, consume: (chunk: Buffer) => void | Promise<void>): Promise<void> {
    let left = n;
    while (left > 0) {
      if (this.#buffered === 0) {
        await this.#more(`${left} more bytes`);
        continue;
      }
      const head = this.#chunks[0] as Buffer;
      const chunk = this.#take(Math.min(left, head.length));
      left -= chunk.length;
      await consume(chunk);
    }
  }

  /** Why the stream failed, if it did. */
  get failure(): unknown {
    return this.#failure;
  }
}
