// Copying a byte range of a file (a chunk of an object) to a new file, written in full or failing.

import { open } from 'node:fs/promises';
import { ArborError } from '../../util/errors.js';
import type { Progress } from '../remote.js';
import type { SourceRange } from './key-storage.js';

const COPY_BYTES = 1 << 20;

/**
 * Copies `source` to `dest`. `exclusive` creates a new private file (0600, fails if it exists);
 * `durable` fsyncs it before it is closed. A short read or a write that takes nothing (a full
 * disk) fails with the file named.
 */
export async function copyRange(source: SourceRange, dest: string, options: { progress?: Progress; exclusive?: boolean; durable?: boolean } = {}): Promise<void> {
  const from = await open(source.path, 'r');
  try {
    const to = options.exclusive ? await open(dest, 'wx', 0o600) : await open(dest, 'w');
    try {
      const buf = Buffer.allocUnsafe(Math.min(COPY_BYTES, Math.max(source.length, 1)));
      for (let done = 0; done < source.length; ) {
        const { bytesRead } = await from.read(buf, 0, Math.min(buf.length, source.length - done), source.offset + done);
        if (bytesRead === 0) throw new ArborError('ESHORTREAD', `${source.path} ended before ${source.offset + source.length} bytes`);
        // A write may take fewer bytes than offered (a filling disk): write the rest, or fail trying.
        for (let at = 0; at < bytesRead; ) {
          const { bytesWritten } = await to.write(buf, at, bytesRead - at);
          if (bytesWritten === 0) throw new ArborError('EWRITE', `could not write to ${dest}`);
          at += bytesWritten;
        }
        done += bytesRead;
        options.progress?.(done, source.length);
      }
      if (options.durable) await to.sync();
    } finally {
      await to.close();
    }
  } finally {
    await from.close();
  }
}
