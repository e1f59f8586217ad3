// Bounded runs: a silent program is ended with everything it started; one that keeps talking runs on; a manual clock drives time.
import '../helpers/env.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { runBounded, type BoundedResult } from '../../src/util/bounded-run.js';
import { ManualClock } from '../transfers/manual-clock.js';
import { eventually } from '../helpers/assistant.js';

/** Whether `pid` is a live process (a zombie waiting to be reaped counts as gone). */
function alive(pid: number): boolean {
  const stat = `/proc/${pid}/stat`;
  if (!existsSync(stat)) return false;
  try {
    return readFileSync(stat, 'utf8').slice(readFileSync(stat, 'utf8').lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

test('a program that goes silent is ended after the stall time, with the processes it started', { skip: existsSync('/proc/self/stat') ? false : 'needs /proc' }, async () => {
  const clock = new ManualClock();
  const pids: number[] = [];
  // sh starts a grandchild (as git starts ssh), says who it is, then waits in silence.
  const running = runBounded('sh', ['-c', 'sleep 1000 & echo "$$ $!"; wait'], {
    clock,
    stallMs: 30_000,
    timeoutMs: 0,
    onOutput: (chunk) => pids.push(...chunk.toString().trim().split(/\s+/).map(Number)),
  });
  let result: BoundedResult | undefined;
  void running.then((r) => (result = r));
  await eventually('the program has started its child', () => pids.length === 2 && clock.sleeping > 0);
  assert.ok(pids.every(alive));
  await clock.tick(29_000);
  assert.equal(result, undefined, 'not ended before the stall time');
  await clock.tick(1_000);
  const r = await running; // SIGTERM ends both (SIGKILL would follow after the grace period)
  assert.equal(r.limit, 'stalled');
  assert.notEqual(r.code, 0);
  await eventually('the program and its child are gone', () => !pids.some(alive));
});

test('a process started after the stall was noticed, by a program that does not stop on SIGTERM, is ended with it', { skip: existsSync('/proc/self/stat') ? false : 'needs /proc' }, async () => {
  const clock = new ManualClock();
  const pids: number[] = [];
  // sh keeps running on SIGTERM and starts another process then, after the tree was read.
  const running = runBounded('sh', ['-c', 'trap \'sleep 1000 & echo "$!"\' TERM; echo "$$"; while :; do sleep 1000 & wait "$!"; done'], {
    clock,
    stallMs: 30_000,
    timeoutMs: 0,
    onOutput: (chunk) => pids.push(...chunk.toString().trim().split(/\s+/).map(Number)),
  });
  await eventually('the program runs', () => pids.length === 1 && clock.sleeping > 0);
  await clock.tick(30_000);
  // (Whether each is still alive at this instant depends on the shell's timing; what matters is below.)
  await eventually('the program answered SIGTERM with a new process', () => pids.length === 2 && clock.sleeping > 0);
  await clock.tick(3_000);
  const r = await running;
  assert.equal(r.limit, 'stalled');
  await eventually('the program and the process it started late are gone', () => !pids.some(alive));
});

test('a stalled program whose process escaped its tree (still holding the output pipe) is ended and reported, not waited on forever', { skip: existsSync('/proc/self/stat') ? false : 'needs /proc' }, async () => {
  const clock = new ManualClock();
  const pids: number[] = [];
  // The subshell starts sleep and exits at once: sleep's parent is then init, not sh, so no walk
  // of sh's tree finds it, and it keeps sh's stdout open.
  const running = runBounded('sh', ['-c', '(sleep 1000 & echo "$!"); echo "$$"; sleep 1000'], {
    clock,
    stallMs: 30_000,
    timeoutMs: 0,
    onOutput: (chunk) => pids.push(...chunk.toString().trim().split(/\s+/).map(Number)),
  });
  try {
    await eventually('the program and the escaped process run', () => pids.length === 2 && clock.sleeping > 0);
    await clock.tick(30_000);
    await eventually('the stall was answered with SIGTERM, and the grace period runs', () => !alive(pids[1] ?? 0) && clock.sleeping > 0);
    await clock.tick(3_000);
    const r = await running;
    assert.equal(r.limit, 'stalled');
    assert.notEqual(r.code, 0);
  } finally {
    for (const pid of pids) if (alive(pid)) process.kill(pid, 'SIGKILL');
  }
});

test('a program that keeps writing, however slowly, is not ended by the stall watch', async () => {
  const clock = new ManualClock();
  let pid = 0;
  let chunks = 0;
  // Writes a byte to stderr on each SIGUSR1 (as git's progress does while data flows), exits on SIGUSR2.
  const script = "process.on('SIGUSR1', () => process.stderr.write('.')); process.on('SIGUSR2', () => process.exit(0)); process.stderr.write(String(process.pid)); setInterval(() => {}, 1e6);";
  const running = runBounded(process.execPath, ['-e', script], {
    clock,
    stallMs: 10_000,
    timeoutMs: 0,
    onOutput: (chunk) => {
      chunks++;
      if (!pid) pid = Number(chunk.toString());
    },
  });
  await eventually('the program has started', () => pid > 0 && clock.sleeping > 0);
  for (let i = 1; i <= 5; i++) {
    await clock.tick(8_000); // 40 s in all: four times the stall time, but never 10 s of silence
    const seen = chunks;
    process.kill(pid, 'SIGUSR1');
    await eventually('the byte arrives', () => chunks > seen);
  }
  process.kill(pid, 'SIGUSR2');
  const r = await running;
  assert.equal(r.limit, undefined);
  assert.equal(r.code, 0);
});

test('the overall bound ends a program that talks all the time', async () => {
  const clock = new ManualClock();
  const running = runBounded(process.execPath, ['-e', 'setInterval(() => process.stderr.write("."), 10)'], { clock, stallMs: 0, timeoutMs: 60_000 });
  await eventually('the watch is sleeping', () => clock.sleeping > 0);
  await clock.tick(60_000);
  const r = await running;
  assert.equal(r.limit, 'timeout');
});
