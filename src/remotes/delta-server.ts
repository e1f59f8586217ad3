// `git arbor serve`'s side of arbor's delta extension: answers ARBOR-DELTA, ARBOR-DGET and ARBOR-DPUT inside a P2P conversation.

import { mkdir, rm } from 'node:fs/promises';
import type { Writable } from 'node:stream';
import type { Annex } from '../annex/annex.js';
import { getBackend } from '../annex/backend.js';
import { requireKey, type Key } from '../annex/key.js';
import type { ByteReader } from '../util/byte-reader.js';
import { FrameLink, receiveDelta, sendDelta } from './delta-exchange.js';
import { DELTA_VERSION, parseDeltaRequest } from './delta-messages.js';

/** What the server's conversation lends the delta requests. */
export interface DeltaServerContext {
  readonly annex: Annex;
  readonly reader: ByteReader;
  readonly stderr: Writable;
  readonly send: (data: string | Buffer) => Promise<void>;
  /** The next line from the client, or undefined when it has gone. */
  readonly line: () => Promise<string | undefined>;
  /** Records that this repository now has `key` (location log). */
  readonly logPresent: (key: Key) => Promise<void>;
}

/** Whether deltas can be checked for this key: only keys that name a hash (WORM and URL keys get whole transfers). */
export function deltaCapable(key: Key): boolean {
  return getBackend(key.backend)?.algorithm !== undefined;
}

/** Where a delta PUT rebuilds the object: beside, never over, the partial file a whole PUT resumes from. */
export function deltaTmpPath(annex: Annex, key: Key): string {
  return `${annex.store.tmpPathFor(key)}.arbor-delta`;
}

/**
 * Handles one `ARBOR-*` line. Before `ARBOR-DELTA` has been agreed, and for lines that do not
 * parse, the answer is git-annex-shell's own `ERROR unknown command`. Returns false when the
 * conversation is over (the client went away mid-exchange).
 */
export async function serveDeltaRequest(ctx: DeltaServerContext, line: string, agreed: { value: boolean }): Promise<boolean> {
  const r = parseDeltaRequest(line);
  if (!r || (r.type !== 'ARBOR-DELTA' && !agreed.value)) {
    await ctx.send('ERROR unknown command\n');
    return true;
  }
  const link = new FrameLink(ctx.reader, (b) => ctx.send(b));
  const store = ctx.annex.store;
  switch (r.type) {
    case 'ARBOR-DELTA':
      if (r.version !== DELTA_VERSION) {
        await ctx.send('ERROR unknown command\n');
        return true;
      }
      agreed.value = true;
      await ctx.send(`ARBOR-DELTA ${DELTA_VERSION}\n`);
      return true;
    case 'ARBOR-DGET': {
      const key = requireKey(r.key);
      const path = deltaCapable(key) ? await store.pathOf(key) : undefined;
      if (!path) {
        await ctx.send('FAILURE\n');
        return true;
      }
      await ctx.send('SUCCESS\n');
      await sendDelta({ link, path });
      // The client's verdict (it changes nothing here).
      return (await ctx.line()) !== undefined;
    }
    case 'ARBOR-DPUT': {
      const key = requireKey(r.key);
      if (await store.has(key)) {
        await ctx.send('ALREADY-HAVE\n');
        return true;
      }
      let basis: string | undefined;
      for (const c of r.candidates) {
        basis = deltaCapable(key) ? await store.pathOf(requireKey(c)) : undefined;
        if (basis) {
          await ctx.send(`ARBOR-BASIS ${c}\n`);
          break;
        }
      }
      if (!basis) {
        await ctx.send('FAILURE\n');
        return true;
      }
      await mkdir(store.tmpDir, { recursive: true });
      const tmp = deltaTmpPath(ctx.annex, key);
      let ok = false;
      try {
        ok = (await receiveDelta({ link, key, basisPath: basis, dest: tmp })).ok;
      } finally {
        if (!ok) await rm(tmp, { force: true });
      }
      if (!ok) {
        ctx.stderr.write('  Verification of content failed\n');
        await ctx.send('FAILURE\n');
        return true;
      }
      await store.commitTemp(key, tmp);
      await ctx.logPresent(key);
      await ctx.send('SUCCESS\n');
      return true;
    }
  }
}
