// `git arbor completion bash|zsh`: prints a shell completion script made from the command definitions.

import { UsageError } from '../../util/errors.js';
import { bashCompletion, COMPLETION_SHELLS, zshCompletion } from '../help/completion.js';
import { describeCli } from '../help/describe-cli.js';
import type { ArborCommand } from '../command.js';

/** Prints the completion script for one shell; load it with `source <(git arbor completion bash)`. */
export const completionCommand: ArborCommand = {
  name: 'completion',
  summary: 'print a bash or zsh completion script (source <(git arbor completion bash))',
  configure: (cmd) => void cmd.argument('<shell>', COMPLETION_SHELLS.join(' or ')),
  run: async (ctx, args) => {
    const shell = String(args[0]);
    if (shell !== 'bash' && shell !== 'zsh') throw new UsageError(`completion: unknown shell ${shell} (bash or zsh)`);
    const model = await describeCli();
    ctx.out.stdout.write(shell === 'bash' ? bashCompletion(model) : zshCompletion(model));
    return 0;
  },
};
