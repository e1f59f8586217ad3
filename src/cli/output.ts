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
