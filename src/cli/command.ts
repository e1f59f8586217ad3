// The shape of one CLI command: a name, a summary, its arguments and options, and a run function.

import type { Command as Commander } from 'commander';
import type { Output } from './output.js';

/** What every command receives: where it runs and where it writes. */
export interface CliContext {
  /** Directory the command runs in (the process cwd unless a test says otherwise). */
  readonly cwd: string;
  readonly env: NodeJS.ProcessEnv;
  readonly out: Output;
}

/**
 * One command. `configure` declares arguments and options on the commander sub-command;
 * `run` receives the parsed positional arguments and options and returns an exit code.
 * Commands only parse and validate, then call one function of a lower layer.
 */
export interface ArborCommand {
  readonly name: string;
  readonly summary: string;
  configure(cmd: Commander): void;
  /**
   * Whether this invocation writes to the repository (always, or depending on its arguments):
   * a writer is refused in one line before it starts when the repository cannot be written.
   */
  readonly writes?: boolean | ((args: readonly unknown[], opts: Readonly<Record<string, unknown>>) => boolean);
  run(ctx: CliContext, args: readonly unknown[], opts: Readonly<Record<string, unknown>>): Promise<number>;
}
