// Human and --json output for commands, written to injected streams.

import type { Writable } from 'node:stream';

/** Where a command writes; `json` is true when the user asked for --json. */
export interface Output {
  readonly stdout: Writable;
  readonly stderr: Writable;
  /** Whether stdout is a terminal (for progress bars). */
  readonly isTTY: boolean;
  /** A line for humans on stdout. */
  line(text: string): void;
  /** A warning line on stderr, prefixed with "git-arbor: ". */
  warn(text: string): void;
  /** One JSON document (a line) on stdout. */
  json(value: unknown): void;
}

/** Builds an Output over two streams. */
export function createOutput(stdout: Writable, stderr: Writable, isTTY = false): Output {
  return {
    stdout,
    stderr,
    isTTY,
    line: (text) => void stdout.write(`${text}\n`),
    warn: (text) => void stderr.write(`git-arbor: ${text}\n`),
    json: (value) => void stdout.write(`${JSON.stringify(value)}\n`),
  };
}

/** What watchOutput reports about a stream. */
export interface OutputWatch {
  /** The stream's reader went away (EPIPE: `| head` exited). Called once. */
  readonly readerGone: () => void;
  /** Any other write error (ENOSPC on a redirected file, EIO): the output was lost. */
  readonly failed: (err: Error) => void;
}

/**
 * Watches an output stream for write errors, so none ever becomes an uncaught exception: a
 * closed pipe (EPIPE) is the reader's choice and is reported to `readerGone`; anything else to
 * `failed`. Later writes to the closed stream are dropped by Node without further errors.
 */
export function watchOutput(stream: NodeJS.EventEmitter, watch: OutputWatch): void {
  let gone = false;
  stream.on('error', (err: Error) => {
    if ((err as NodeJS.ErrnoException).code === 'EPIPE' || (err as NodeJS.ErrnoException).code === 'ERR_STREAM_DESTROYED') {
      if (!gone) {
        gone = true;
        watch.readerGone();
      }
      return;
    }
    watch.failed(err);
  });
}
