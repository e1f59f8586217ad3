// Temp directories for tests, removed when the test process ends.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const made: string[] = [];
const beforeCleanup: Array<() => void> = [];

/** Registers work that must happen before temp dirs are removed (e.g. unmounting). */
export function onBeforeCleanup(fn: () => void): void {
  beforeCleanup.push(fn);
}

process.on('exit', () => {
  for (const fn of beforeCleanup) fn();
  if (process.env.ARBOR_KEEP_TMP) return;
  for (const d of made) {
    try {
      rmSync(d, { recursive: true, force: true, maxRetries: 2 });
    } catch {
      // read-only object dirs are made writable by rm's force; anything else is left for the OS
    }
  }
});

/** A fresh temp directory, removed at process exit (unless ARBOR_KEEP_TMP is set). */
export function tempDir(prefix = 'arbor-'): string {
  const d = mkdtempSync(join(tmpdir(), prefix));
  made.push(d);
  return d;
}
