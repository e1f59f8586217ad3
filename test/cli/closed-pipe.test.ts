// Output to a closed pipe (`git arbor whereis | head -1`) ends quietly: exit 0, nothing on stderr.
import '../helpers/env.js';
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { makeArborRepo } from '../helpers/annex-fixtures.js';
import { ARBOR_ROOT, testEnv } from '../helpers/env.js';

/** Enough files that whereis prints far more than a pipe buffer (64 KiB) holds. */
const FILES = 1200;
let repo: string;
before(async () => {
  const files = Array.from({ length: FILES }, (_, i) => ({ path: `file-${String(i).padStart(4, '0')}.txt`, content: Buffer.from(`${i}\n`), unlocked: false }));
  repo = (await makeArborRepo({ description: 'many files', files })).dir;
});

/**
 * Runs `git arbor args` with stdout on a pipe that this side closes after the first line (or at
 * once), like `| head -1`; resolves with the exit code, the signal, the first line and stderr.
 */
function runClosingStdout(args: readonly string[], closeAt: 'first-line' | 'start'): Promise<{ code: number | null; signal: string | null; first: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(ARBOR_ROOT, 'bin', 'git-arbor.js'), ...args], { cwd: repo, env: testEnv, stdio: ['ignore', 'pipe', 'pipe'] });
    let first = '';
    const err: Buffer[] = [];
    child.stderr.on('data', (b: Buffer) => err.push(b));
    if (closeAt === 'start') child.stdout.destroy();
    else {
      child.stdout.on('data', (b: Buffer) => {
        if (first.includes('\n')) return;
        first += b.toString('utf8');
        if (first.includes('\n')) child.stdout.destroy();
      });
    }
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, first: first.split('\n')[0] ?? '', stderr: Buffer.concat(err).toString('utf8') }));
  });
}

test('whereis | head -1 on many files: the first line arrives, then a quiet exit 0', async () => {
  const r = await runClosingStdout(['whereis'], 'first-line');
  assert.equal(r.first, 'whereis file-0000.txt (1 copy)');
  assert.equal(r.stderr, '', 'no EPIPE trace');
  assert.equal(r.signal, null);
  assert.equal(r.code, 0);
});

test('status, info, whereis --json and fsck with stdout closed before they write: quiet exit 0', async () => {
  for (const args of [['status'], ['info'], ['whereis', '--json'], ['fsck']]) {
    const r = await runClosingStdout(args, 'start');
    assert.equal(r.stderr, '', `${args.join(' ')}: no EPIPE trace`);
    assert.equal(r.code, 0, args.join(' '));
  }
});
