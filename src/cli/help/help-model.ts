// The CLI's commands and options as plain data, read from the commander program: what the man pages and completion scripts are made from.

import type { Command as Commander } from 'commander';

/** One option as the user types it. */
export interface OptionModel {
  /** As help shows it: `-o, --output <file>`. */
  readonly term: string;
  /** Every spelling that completes: `-o`, `--output`. */
  readonly names: readonly string[];
  /** Whether a value follows the option (`<file>` or `[file]`). */
  readonly takesValue: boolean;
  readonly description: string;
}

/** One positional argument. */
export interface ArgumentModel {
  readonly term: string;
  readonly description: string;
  /** Fixed values it accepts (commander `choices`), for completion; empty when free. */
  readonly choices: readonly string[];
}

/** One command (the program itself, or a subcommand). */
export interface CommandModel {
  readonly name: string;
  /** Usage after the command name: `[options] [remote...]`. */
  readonly usage: string;
  readonly summary: string;
  readonly arguments: readonly ArgumentModel[];
  readonly options: readonly OptionModel[];
  readonly subcommands: readonly CommandModel[];
}

/**
 * Reads a command (and its subcommands) into plain data, through commander's own Help class, so
 * man pages, completion and `--help` list exactly the same options, hidden ones left out alike.
 */
export function describeProgram(cmd: Commander): CommandModel {
  const help = cmd.createHelp();
  const options = help.visibleOptions(cmd).map(
    (o): OptionModel => ({
      term: help.optionTerm(o),
      names: [o.short, o.long].filter((n): n is string => typeof n === 'string'),
      takesValue: o.required || o.optional,
      description: help.optionDescription(o),
    }),
  );
  const args = help.visibleArguments(cmd).map(
    (a): ArgumentModel => ({
      term: help.argumentTerm(a),
      description: help.argumentDescription(a),
      choices: [...(a.argChoices ?? [])],
    }),
  );
  return {
    name: cmd.name(),
    usage: cmd.usage(),
    summary: cmd.description(),
    arguments: args,
    options,
    subcommands: help.visibleCommands(cmd).filter((c) => c.name() !== 'help').map((c) => describeProgram(c)),
  };
}
