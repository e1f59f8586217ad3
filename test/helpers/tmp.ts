// Temp directories for tests, removed when the test process ends.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const made: string[] = [];
process.on('exit', () => {
  if (process.env.ARBOR_KEEP_TMP) return;
  for (const d of made) rmSync(d, { recursive: true, force: true, maxRetries: 2 });
});

/** A fresh temp directory, removed at process exit (unless ARBOR_KEEP_TMP is set). */
export function tempDir(prefix = 'arbor-'): string {
  const d = mkdtempSync(join(tmpdir(), prefix));
  made.push(d);
  return d;
}
