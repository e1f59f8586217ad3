// The explicit list of CLI commands, in the order `--help` shows them.

import type { ArborCommand } from './command.js';
import { initCommand } from './commands/init.js';
import { describeCommand } from './commands/describe.js';
import { addCommand } from './commands/add.js';
import { getCommand } from './commands/get.js';
import { copyCommand } from './commands/copy.js';
import { moveCommand } from './commands/move.js';
import { dropCommand } from './commands/drop.js';
import { whereisCommand } from './commands/whereis.js';
import { fsckCommand } from './commands/fsck.js';
import { lockCommand } from './commands/lock.js';
import { unlockCommand } from './commands/unlock.js';
import { infoCommand } from './commands/info.js';
import { numcopiesCommand } from './commands/numcopies.js';
import { filterProcessCommand } from './commands/filter-process.js';
import { versionCommand } from './commands/version.js';
import { syncCommand } from './commands/sync.js';
import { statusCommand } from './commands/status.js';
import { assistantCommand } from './commands/assistant.js';
import { driveCommand } from './commands/drive.js';
import { mapCommand } from './commands/map.js';
import { planCommand } from './commands/plan.js';
import { wantedCommand } from './commands/wanted.js';
import { groupCommand } from './commands/group.js';
import { transfersCommand } from './commands/transfers.js';

/** Every command the CLI knows. Adding a command means adding it here. */
export const commands: readonly ArborCommand[] = [
  initCommand,
  syncCommand,
  assistantCommand,
  driveCommand,
  statusCommand,
  transfersCommand,
  describeCommand,
  addCommand,
  getCommand,
  copyCommand,
  moveCommand,
  dropCommand,
  whereisCommand,
  fsckCommand,
  lockCommand,
  unlockCommand,
  infoCommand,
  numcopiesCommand,
  wantedCommand,
  groupCommand,
  mapCommand,
  planCommand,
  filterProcessCommand,
  versionCommand,
];
