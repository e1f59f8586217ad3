// The explicit list of CLI commands, in the order `--help` shows them.

import type { ArborCommand } from './command.js';
import { versionCommand } from './commands/version.js';

/** Every command the CLI knows. Adding a command means adding it here. */
export const commands: readonly ArborCommand[] = [versionCommand];
