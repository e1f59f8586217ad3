// The CLI entry point: argv → command → exit code. The only place errors become exit codes.

import { Command as Commander, CommanderError } from 'commander';
import type { Writable } from 'node:stream';
import { ArborError, describeError } from '../util/errors.js';
import type { ArborCommand } from './command.js';
import { commandsFor } from './registry.js';
import { createOutput } from './output.js';
import type { CliContext } from './command.js';
import { VERSION } from './version.js';

/** Options for main, so tests can run the CLI in-process. */
export interface MainOptions {
  readonly cwd?: string;
  readonly env?: NodeJS.ProcessEnv;
  readonly stdout?: NodeJS.WritableStream & { isTTY?: boolean };
  readonly stderr?: NodeJS.WritableStream;
}

/** Options for buildProgram. */
export interface BuildProgramOptions {
  /** The commands to register (main passes only those the command line needs). */
  readonly commands: readonly ArborCommand[];
  /** Receives the exit code of the command that ran. */
  readonly onExit: (code: number) => void;
}

/** Builds the commander program with the given commands. */
export function buildProgram(ctx: CliContext, options: BuildProgramOptions): Commander {
  const { commands, onExit } = options;
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
  const program = buildProgram(ctx, {
    commands: await commandsFor(argv),
    onExit: (c) => {
      code = c;
    },
  });
  try {
    if (argv.length === 0) {
      program.outputHelp();
      return 1;
    }
    await program.parseAsync([...argv], { from: 'user' });
    return code;
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version exit 0; parse errors have been printed by commander already.
      return err.exitCode === 0 ? 0 : 2;
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
