// Man pages (roff, man(7) macros) made from the CLI's own help: git-arbor(1) and one git-arbor-<command>(1) per command.

import type { CommandModel, OptionModel } from './help-model.js';

/** One generated page: its file name (`git-arbor-sync.1`) and roff text. */
export interface ManPage {
  readonly file: string;
  readonly text: string;
}

/** Escapes text for roff: backslashes, and a leading `.` or `'` that would read as a request. */
function esc(text: string): string {
  return text
    .replace(/\\/g, '\\e')
    .replace(/-/g, '\\-')
    .split('\n')
    .map((l) => (/^[.']/.test(l) ? `\\&${l}` : l))
    .join('\n');
}

function header(name: string, version: string): string {
  // .nh/.ad l: no hyphenation, ragged right, so option names and commands stay whole.
  return `.TH ${esc(name.toUpperCase())} 1 "" "git-arbor ${esc(version)}" "Git Arbor Manual"\n.nh\n.ad l\n`;
}

function optionItems(options: readonly OptionModel[]): string {
  return options.map((o) => `.TP\n.B ${esc(o.term)}\n${esc(o.description)}\n`).join('');
}

/** The body of one command: synopsis, arguments and options. */
function commandSection(prog: string, cmd: CommandModel): string {
  let s = `.SH SYNOPSIS\n.B ${esc(`${prog} ${cmd.name}`)}\n${esc(cmd.usage)}\n`;
  s += `.SH DESCRIPTION\n${esc(cmd.summary)}\n`;
  if (cmd.arguments.length > 0) s += `.SH ARGUMENTS\n${cmd.arguments.map((a) => `.TP\n.I ${esc(a.term)}\n${esc(a.description)}\n`).join('')}`;
  if (cmd.options.length > 0) s += `.SH OPTIONS\n${optionItems(cmd.options)}`;
  return s;
}

/**
 * The pages for a program: `git-arbor.1` (every command with its summary, then the global
 * options) and `git-arbor-<command>.1` for each command. `git help arbor` and `git arbor --help`
 * run `man git-arbor`, so the overview must carry that exact name.
 */
export function manPages(program: CommandModel, version: string): ManPage[] {
  const prog = 'git arbor';
  const seeAlso = (names: readonly string[]): string => `.SH SEE ALSO\n${[...names, 'git-annex'].map((n) => `.BR ${esc(n)} (1)`).join(',\n')}\n`;
  let top = header('git-arbor', version);
  top += `.SH NAME\ngit\\-arbor \\- ${esc(program.summary)}\n`;
  top += `.SH SYNOPSIS\n.B git arbor\n.I command\n[\\fIoptions\\fR]\n.br\n.B git arbor\n.I command\n.B \\-\\-help\n`;
  top += `.SH DESCRIPTION\narbor keeps a folder in sync with every other copy of it (other computers, servers over ssh, removable drives), in git\\-annex's format, so git\\-annex can work on the same repository. Each command has its own page, \\fBgit\\-arbor\\-\\fIcommand\\fR(1), and prints the same text with \\fB\\-\\-help\\fR.\n`;
  top += `.SH COMMANDS\n${program.subcommands.map((c) => `.TP\n.B ${esc(`${prog} ${c.name}`)}\n${esc(c.summary)}\n`).join('')}`;
  if (program.options.length > 0) top += `.SH OPTIONS\n${optionItems(program.options)}`;
  top += `.SH EXIT STATUS\n0 on success; 1 when the command failed (one line on standard error says why); 2 for a usage error; 70 for an internal error.\n`;
  top += seeAlso(program.subcommands.map((c) => `git-arbor-${c.name}`));
  const pages: ManPage[] = [{ file: 'git-arbor.1', text: top }];
  for (const c of program.subcommands) {
    const name = `git-arbor-${c.name}`;
    let t = header(name, version);
    t += `.SH NAME\n${esc(name)} \\- ${esc(c.summary)}\n`;
    t += commandSection(prog, c);
    t += seeAlso(['git-arbor']);
    pages.push({ file: `${name}.1`, text: t });
  }
  return pages;
}
