// The routes of `git annex sync --content`: fetch what this repository wants, send to every connected remote that wants the content and lacks it.

import type { PreferredContent, ContentSubject } from '../annex/preferred-content.js';
import type { AnnexedFile } from './annexed-files.js';
import type { ContentRoutes } from './content-pass.js';

/**
 * As git-annex's `sync --content`: content missing here is fetched when this repository wants it
 * (from the cheapest remote that has it); content here goes to each of `remotes` (cost order,
 * connected, not annex-ignore'd) that the location log does not list and that wants it.
 * `unavailable` holds remotes lost during the pass, skipped from then on.
 */
export function directRoutes(options: {
  readonly here: string;
  readonly preferred: PreferredContent;
  readonly remotes: ReadonlyArray<{ readonly name: string; readonly uuid: string }>;
  readonly unavailable: ReadonlySet<string>;
}): ContentRoutes {
  const { here, preferred, remotes, unavailable } = options;
  const subject = (file: AnnexedFile, locations: readonly string[]): ContentSubject => ({ path: file.path, size: file.key.size, backend: file.key.backend, locations: [...locations] });
  return {
    receive: async (file, locations) => ((await preferred.wants({ uuid: here, subject: subject(file, locations) })) ? { fetch: true } : { fetch: false }),
    send: async (file, locations) => {
      const out: string[] = [];
      const known = new Set(locations);
      for (const { name, uuid } of remotes) {
        if (known.has(uuid) || unavailable.has(name)) continue;
        // The subject lists the copies made so far in this pass (git-annex re-evaluates after each).
        if (await preferred.wants({ uuid, subject: subject(file, [...known, here]) })) {
          out.push(name);
          known.add(uuid);
        }
      }
      return out;
    },
  };
}
