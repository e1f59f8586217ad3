// The CLI entry point: argv → command → exit code. The only place errors become exit codes.

import { Command as Commander, CommanderError } from 'commander';
import type { Writable } from 'node:stream';
import { ArborError, describeError } from '../util/errors.js';
import type { ArborCommand } from './command.js';
import { commandsFor } from './registry.js';
import { createOutput, watchOutput } from './output.js';
import type { CliContext } from './command.js';
import { VERSION } from './version.js';
import { asReadOnlyError, assertWritable } from './writable.js';

/** Options for main, so tests can run the CLI in-process. */
export interface MainOptions {
  readonly cwd?: string;
  readonly env?: NodeJS.ProcessEnv;
  readonly stdout?: NodeJS.WritableStream & { isTTY?: boolean };
  readonly stderr?: NodeJS.WritableStream;
  /**
   * Ends the process at once with this code: called when the reader of stdout goes away during a
   * command that only reads (default: process.exit when stdout is the process's own, else nothing).
   */
  readonly exitNow?: (code: number) => void;
}

/** Options for buildProgram. */
export interface BuildProgramOptions {
  /** The commands to register (main passes only those the command line needs). */
  readonly commands: readonly ArborCommand[];
  /** Receives the exit code of the command that ran. */
  readonly onExit: (code: number) => void;
  /** Told, before the command runs, whether this invocation writes to the repository. */
  readonly onStart?: (writes: boolean) => void;
}

/** Builds the commander program with the given commands. */
export function buildProgram(ctx: CliContext, options: BuildProgramOptions): Commander {
  const { commands, onExit, onStart } = options;
  const program = new Commander('git-arbor')
    .description('arbor: keeps a folder in sync with every other copy of it, in git-annex\'s format')
    .version(VERSION, '-V, --version')
    .showHelpAfterError('(add --help for usage)')
    .exitOverride()
    .configureOutput({
      writeOut: (s) => void ctx.out.stdout.write(s),
      writeErr: (s) => void ctx.out.stderr.write(s),
    });
  for (const spec of commands) {
    const sub = program.command(spec.name).description(spec.summary).exitOverride();
    spec.configure(sub);
    sub.action(async (...actionArgs: unknown[]) => {
      // commander passes the positional arguments, then the options object, then the command.
      const positional = actionArgs.slice(0, -2);
      const opts = sub.opts<Record<string, unknown>>();
      const writes = typeof spec.writes === 'function' ? spec.writes(positional, opts) : spec.writes === true;
      onStart?.(writes);
      if (writes) await assertWritable(ctx.cwd, spec.name);
      onExit(await spec.run(ctx, positional, opts));
    });
  }
  return program;
}

/** Runs the CLI with `argv` (without node and script) and returns the exit code. */
export async function main(argv: readonly string[], options: MainOptions = {}): Promise<number> {
  const stdout = (options.stdout ?? process.stdout) as NodeJS.WritableStream & { isTTY?: boolean };
  const stderr = options.stderr ?? process.stderr;
  const out = createOutput(
    stdout as unknown as Writable,
    stderr as unknown as Writable,
    stdout.isTTY === true,
  );
  const ctx: CliContext = { cwd: options.cwd ?? process.cwd(), env: options.env ?? process.env, out };
  let code = 0;
  // A reader that goes away (`git arbor whereis | head -1`) ends a read at once, quietly, exit 0:
  // the shell waits for every process of a pipeline. A write finishes what it started with its
  // output dropped, and exits with its own status (docs/design/cli.md, "Closed pipes").
  let writes = false;
  let lostOutput: Error | undefined;
  const exitNow = options.exitNow ?? (options.stdout === undefined ? (c: number) => process.exit(c) : undefined);
  const readerGone = (): void => {
    if (!writes) exitNow?.(0);
  };
  watchOutput(stdout, { readerGone, failed: (err) => void (lostOutput ??= err) });
  watchOutput(stderr, { readerGone: () => undefined, failed: () => undefined });
  const program = buildProgram(ctx, {
    commands: await commandsFor(argv),
    onExit: (c) => {
      code = c;
    },
    onStart: (w) => {
      writes = w;
    },
  });
  try {
    if (argv.length === 0) {
      program.outputHelp();
      return 1;
    }
    await program.parseAsync([...argv], { from: 'user' });
    if (lostOutput && code === 0) {
      out.warn(`could not write the output: ${describeError(lostOutput)}`);
      return 1;
    }
    return code;
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version exit 0; parse errors have been printed by commander already.
      return err.exitCode === 0 ? 0 : 2;
    }
    // A read-only repository (or drive) is one line wherever the write was attempted.
    const readOnly = await asReadOnlyError(err, ctx.cwd, commandName(argv));
    if (readOnly) {
      out.warn(readOnly.message);
      if (ctx.env.ARBOR_DEBUG) out.stderr.write(`${String(err instanceof Error ? err.stack : err)}\n`);
      return 1;
    }
    if (err instanceof ArborError) {
      out.warn(err.message);
      if (ctx.env.ARBOR_DEBUG) out.stderr.write(`${String(err.stack)}\n`);
      return 1;
    }
    out.warn(`internal error: ${describeError(err)}`);
    out.stderr.write(`${err instanceof Error ? String(err.stack) : ''}\n`);
    return 70;
  }
}

/** The command the user named (for messages), or "run" when argv starts with an option. */
function commandName(argv: readonly string[]): string {
  const first = argv[0];
  return first !== undefined && !first.startsWith('-') ? first : 'run';
}
