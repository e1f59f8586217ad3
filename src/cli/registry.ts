// The explicit list of CLI commands, in the order `--help` shows them; each module is loaded only when needed.

import type { ArborCommand } from './command.js';

/** One registered command: its name (as typed) and how to load its module. */
export interface CommandEntry {
  readonly name: string;
  readonly load: () => Promise<ArborCommand>;
}

/**
 * Every command the CLI knows. Adding a command means adding it here. Modules are imported on
 * demand: a command's module pulls in the layers it runs on, and loading all of them costs ~0.15 s
 * of start-up that `git arbor add` (and the filter process git starts) should not pay.
 */
export const commandEntries: readonly CommandEntry[] = [
  { name: 'init', load: async () => (await import('./commands/init.js')).initCommand },
  { name: 'sync', load: async () => (await import('./commands/sync.js')).syncCommand },
  { name: 'assistant', load: async () => (await import('./commands/assistant.js')).assistantCommand },
  { name: 'drive', load: async () => (await import('./commands/drive.js')).driveCommand },
  { name: 'status', load: async () => (await import('./commands/status.js')).statusCommand },
  { name: 'conflicts', load: async () => (await import('./commands/conflicts.js')).conflictsCommand },
  { name: 'web', load: async () => (await import('./commands/web.js')).webCommand },
  { name: 'transfers', load: async () => (await import('./commands/transfers.js')).transfersCommand },
  { name: 'describe', load: async () => (await import('./commands/describe.js')).describeCommand },
  { name: 'add', load: async () => (await import('./commands/add.js')).addCommand },
  { name: 'get', load: async () => (await import('./commands/get.js')).getCommand },
  { name: 'copy', load: async () => (await import('./commands/copy.js')).copyCommand },
  { name: 'move', load: async () => (await import('./commands/move.js')).moveCommand },
  { name: 'drop', load: async () => (await import('./commands/drop.js')).dropCommand },
  { name: 'initremote', load: async () => (await import('./commands/initremote.js')).initremoteCommand },
  { name: 'enableremote', load: async () => (await import('./commands/enableremote.js')).enableremoteCommand },
  { name: 'testremote', load: async () => (await import('./commands/testremote.js')).testremoteCommand },
  { name: 'log', load: async () => (await import('./commands/log.js')).logCommand },
  { name: 'whereis', load: async () => (await import('./commands/whereis.js')).whereisCommand },
  { name: 'fsck', load: async () => (await import('./commands/fsck.js')).fsckCommand },
  { name: 'lock', load: async () => (await import('./commands/lock.js')).lockCommand },
  { name: 'unlock', load: async () => (await import('./commands/unlock.js')).unlockCommand },
  { name: 'info', load: async () => (await import('./commands/info.js')).infoCommand },
  { name: 'numcopies', load: async () => (await import('./commands/numcopies.js')).numcopiesCommand },
  { name: 'wanted', load: async () => (await import('./commands/wanted.js')).wantedCommand },
  { name: 'group', load: async () => (await import('./commands/group.js')).groupCommand },
  { name: 'map', load: async () => (await import('./commands/map.js')).mapCommand },
  { name: 'plan', load: async () => (await import('./commands/plan.js')).planCommand },
  { name: 'delta', load: async () => (await import('./commands/delta.js')).deltaCommand },
  { name: 'serve', load: async () => (await import('./commands/serve.js')).serveCommand },
  { name: 'filter-process', load: async () => (await import('./commands/filter-process.js')).filterProcessCommand },
  { name: 'completion', load: async () => (await import('./commands/completion.js')).completionCommand },
  { name: 'version', load: async () => (await import('./commands/version.js')).versionCommand },
];

/** Loads every registered command, in registry order (for help, and for an unknown command's message). */
export async function loadAllCommands(): Promise<readonly ArborCommand[]> {
  return Promise.all(commandEntries.map((e) => e.load()));
}

/**
 * The commands a command line needs: only the named one when `argv` starts with a registered
 * command name, none for a bare --version, otherwise all of them (help, unknown commands).
 */
export async function commandsFor(argv: readonly string[]): Promise<readonly ArborCommand[]> {
  const first = argv[0];
  const entry = commandEntries.find((e) => e.name === first);
  if (entry) return [await entry.load()];
  if (argv.length === 1 && (first === '-V' || first === '--version')) return [];
  return loadAllCommands();
}
