// The whole CLI as data (every registered command, configured as `git arbor` runs it), for man pages and completion.

import { PassThrough } from 'node:stream';
import { buildProgram } from '../main.js';
import { createOutput } from '../output.js';
import { loadAllCommands } from '../registry.js';
import { describeProgram, type CommandModel } from './help-model.js';

/**
 * Builds the same commander program `git arbor` runs, from every registered command, and reads
 * it into data. Nothing runs: the program is only described.
 */
export async function describeCli(): Promise<CommandModel> {
  const sink = new PassThrough();
  const program = buildProgram(
    { cwd: '/', env: {}, out: createOutput(sink, sink) },
    { commands: await loadAllCommands(), onExit: () => undefined },
  );
  return describeProgram(program);
}
