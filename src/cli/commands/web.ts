// `git arbor web [--print]`: open the running assistant's status page in the browser, or print its address.

import { openInBrowser, webPageUrl } from '../../assistant/web/locate.js';
import type { ArborCommand } from '../command.js';

/** Opens the status page (xdg-open) or prints its URL with --print; one line and exit 1 when no assistant runs. */
export const webCommand: ArborCommand = {
  name: 'web',
  summary: 'open the running assistant\'s status page in the browser (--print: print its address)',
  configure: (cmd) => void cmd.option('--print', 'print the page\'s address (it holds the secret) instead of opening it'),
  run: async (ctx, _args, opts) => {
    const url = await webPageUrl(ctx.cwd);
    if (opts.print === true) {
      ctx.out.line(url);
      return 0;
    }
    await openInBrowser(url, ctx.env.ARBOR_BROWSER ?? 'xdg-open');
    ctx.out.line(`opened the status page: ${url.replace(/\/[^/]+\/$/, '/…/')}`);
    return 0;
  },
};
