#!/usr/bin/env node
// Runs every test/**/*.test.ts with node's built-in runner, one process per file, and prints one
// line per file (its whole output when it failed) and a summary with the slowest files.
// Usage: node scripts/run-tests.mjs [path-filter ...]
//
// The tests are compiled once (esbuild, file by file, into .build/) and run as JavaScript: loading
// them through tsx cost every test process about half a second of CPU, about two minutes in all.
// Their types are checked by tsc first, unless ARBOR_TYPES_CHECKED=1 says the caller did.
//
// Scheduling, for two busy cores. Test files that start real assistant daemons ("daemon files")
// mostly wait on their daemons' one-second schedules: three of them at a time keep about one core
// busy. The other files spawn git, git-annex and arbor one after another and keep a core busy
// each. So the daemon files run alongside the others from the start, ARBOR_DAEMON_TEST_EARLY
// (default 2) at a time while other files remain and ARBOR_DAEMON_TEST_CONCURRENCY (default 3)
// after, and the other files ARBOR_TEST_CONCURRENCY (default 2) at a time. More than that starves
// the daemons until their bounded waits run out: that is load, not a finding. And it costs CPU:
// a daemon file that runs longer keeps its daemons' schedules and its polls running longer. With 3
// other files at a time the whole suite took 1,105-1,135 s and 1,545-1,594 s of counted CPU; with
// 2, 1,002 s and 1,382 s (same tree, clean clones, nothing else running).
// The longest files start first: test/durations.json holds each file's last measured wall time
// (the runner rewrites it after a whole-suite run outside CI); a file not in it counts by size.
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawn, spawnSync } from 'node:child_process';

function walk(dir) {
  const out = [];
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...walk(p));
    else if (name.endsWith('.test.ts')) out.push(p);
  }
  return out;
}

const filters = process.argv.slice(2);
const files = walk('test').filter((f) => filters.length === 0 || filters.some((x) => f.includes(x)));
if (files.length === 0) {
  console.error('no test files matched');
  process.exit(1);
}
// Types first (tsc, src and tests), unless the caller checked them already (.ci/run does, beside lint).
if (process.env.ARBOR_TYPES_CHECKED !== '1') {
  const tsc = spawnSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.json', '--noEmit'], { stdio: 'inherit' });
  if (tsc.status !== 0) {
    console.error('the types do not check (tsc -p tsconfig.json --noEmit)');
    process.exit(tsc.status ?? 1);
  }
}
const transpile = spawnSync(process.execPath, ['scripts/transpile.mjs', '.build', '.', 'src', 'test'], { stdio: 'inherit' });
if (transpile.status !== 0) {
  console.error('the tests did not compile (scripts/transpile.mjs)');
  process.exit(transpile.status ?? 1);
}

const DURATIONS = 'test/durations.json';
const known = existsSync(DURATIONS) ? JSON.parse(readFileSync(DURATIONS, 'utf8')) : {};
/** Expected seconds: the last measured, else about one second per 500 bytes of test. */
const expected = (f) => known[f] ?? statSync(f).size / 500;
const longestFirst = (a, b) => expected(b) - expected(a);
const startsDaemons = (f) => /startAssistant\(|runSoak\(|startDaemon\(|'assistant', '--json'|\['assistant'/.test(readFileSync(f, 'utf8'));
/**
 * Quick files run together in one process (the "unit batch"): each file in its own process costs
 * node's start and the loading of the test runner, about a third of a second of CPU, which for
 * the files that finish in under a second and a half was most of their cost (about 25 s of CPU
 * per run). A file joins only if its last run was that quick, it starts no daemon, and it touches
 * nothing one process shares between files: hooks on the root test, mocked timers, the working
 * directory, process.env, the exit code.
 */
const SHARED_STATE = /^(before|after|beforeEach|afterEach)\(|mock\.timers|process\.chdir\(|process\.env\.\w+ =|process\.env\[[^\]]+\] =|process\.exitCode/m;
const batchable = (f) => known[f] !== undefined && known[f] <= 1 && !startsDaemons(f) && !SHARED_STATE.test(readFileSync(f, 'utf8'));
const batched = files.filter(batchable);
const UNIT_BATCH = `unit batch (${batched.length} quick files)`;
const unbatched = batched.length >= 2 ? files.filter((f) => !batched.includes(f)) : files;
const daemonQueue = unbatched.filter(startsDaemons).sort(longestFirst);
const otherQueue = unbatched.filter((f) => !startsDaemons(f)).sort(longestFirst);
if (batched.length >= 2) {
  // One module that imports them in turn: node's runner runs their tests one after another.
  writeFileSync(join('.build', 'unit-batch.mjs'), batched.map((f) => `await import(${JSON.stringify(`./${f.replace(/\.ts$/, '.js')}`)});\n`).join(''));
  otherQueue.push(UNIT_BATCH);
}
const limit = (name, dflt, least = 1) => {
  const n = Number(process.env[name] ?? dflt);
  return Number.isInteger(n) && n >= least ? n : dflt;
};
const OTHERS = limit('ARBOR_TEST_CONCURRENCY', 2);
const DAEMONS_EARLY = limit('ARBOR_DAEMON_TEST_EARLY', 2, 0); // 0: daemon files only after the others
const DAEMONS_LATE = limit('ARBOR_DAEMON_TEST_CONCURRENCY', 3);

/**
 * CPU seconds (user + system) of this runner's reaped children so far, their own waited-for
 * children included (/proc/self/stat cutime and cstime; Linux). Read as each test process ends,
 * the growth is that file's CPU: git, git-annex and arbor processes it ran and waited for. A
 * process that outlives its parent (a detached daemon, an ssh master) is not counted.
 */
const TICKS = 100;
function childrenCpu() {
  try {
    const stat = readFileSync('/proc/self/stat', 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[13]) + Number(fields[14])) / TICKS;
  } catch {
    return NaN;
  }
}
let cpuSoFar = childrenCpu();

/**
 * The machine's idle share over the run, per minute (/proc/stat; Linux): a suite that leaves cores
 * idle is waiting, not computing, and more CPU work will not show in its wall time.
 */
function machineTicks() {
  try {
    const f = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
    return { idle: f[3] + f[4], total: f.reduce((a, b) => a + b, 0) };
  } catch {
    return undefined;
  }
}
const idleByMinute = [];
let lastTicks = machineTicks();
const sampler = setInterval(() => {
  const now = machineTicks();
  if (now && lastTicks && now.total > lastTicks.total) idleByMinute.push(Math.round((100 * (now.idle - lastTicks.idle)) / (now.total - lastTicks.total)));
  lastTicks = now;
}, 60_000);
sampler.unref();

/**
 * The environment of the test processes, and so of every node process they start. Without
 * NODE_EXTRA_CA_CERTS: node 20 reads and parses that whole bundle of certificates as it starts,
 * about 40 ms of CPU per process (measured: `node -e 0` 0.089 s of CPU with it set to Debian's
 * bundle, 0.049 s without), and a run starts about two thousand node processes. The tests reach
 * only servers they start on loopback addresses, which need no extra certificate authority.
 */
const testEnv = { ...process.env };
delete testEnv.NODE_EXTRA_CA_CERTS;

const started = Date.now();
const results = [];
let running = { daemon: 0, other: 0 };

/** Runs one compiled test file; resolves with its counts and output. */
function runFile(file) {
  const t0 = Date.now();
  const js = file === UNIT_BATCH ? join('.build', 'unit-batch.mjs') : join('.build', file.replace(/\.ts$/, '.js'));
  // The file runs its tests in its own process and reports them as TAP. Not `node --test FILE`:
  // that starts a second node process per file just to relay the first one's report.
  const child = spawn(process.execPath, ['--enable-source-maps', '--test-reporter=tap', js], { stdio: ['ignore', 'pipe', 'pipe'], env: testEnv });
  const chunks = [];
  child.stdout.on('data', (c) => chunks.push(c));
  child.stderr.on('data', (c) => chunks.push(c));
  return new Promise((resolve) => {
    child.on('close', (code, signal) => {
      const cpuNow = childrenCpu();
      const cpu = cpuNow - cpuSoFar;
      cpuSoFar = cpuNow;
      const output = Buffer.concat(chunks).toString('utf8');
      const count = (name) => Number(new RegExp(`^# ${name} (\\d+)$`, 'm').exec(output)?.[1] ?? 0);
      resolve({ file, code: code ?? 1, signal, output, cpu, seconds: (Date.now() - t0) / 1000, tests: count('tests'), pass: count('pass'), fail: count('fail'), skipped: count('skipped'), cancelled: count('cancelled') });
    });
  });
}

/** ARBOR_TEST_TAP_DIR: each file's whole TAP output is kept there (per-test durations, for finding what is slow). */
const tapDir = process.env.ARBOR_TEST_TAP_DIR;
if (tapDir) mkdirSync(tapDir, { recursive: true });

function report(r) {
  if (tapDir) writeFileSync(join(tapDir, `${r.file.replace(/[/\\]/g, '_')}.tap`), r.output);
  const ok = r.code === 0;
  const what = `${r.pass}/${r.tests} passed${r.skipped ? `, ${r.skipped} skipped` : ''}${r.fail ? `, ${r.fail} failed` : ''}${r.cancelled ? `, ${r.cancelled} cancelled` : ''}`;
  const cpu = Number.isFinite(r.cpu) ? `, ${r.cpu.toFixed(1)} s cpu` : '';
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${r.file} (${r.seconds.toFixed(1)} s${cpu}; ${what}${r.signal ? `; killed by ${r.signal}` : ''})`);
  if (!ok) console.log(r.output.replace(/^/gm, '    '));
  else for (const line of r.output.split('\n').filter((l) => /# SKIP|# TODO/.test(l))) console.log(`     ${line.trim()}`);
}

await new Promise((done) => {
  const fill = () => {
    const daemonLimit = otherQueue.length > 0 ? DAEMONS_EARLY : DAEMONS_LATE;
    const launch = (kind, queue) => {
      const file = queue.shift();
      running[kind]++;
      void runFile(file).then((r) => {
        running[kind]--;
        results.push(r);
        report(r);
        fill();
      });
    };
    while (daemonQueue.length > 0 && running.daemon < daemonLimit) launch('daemon', daemonQueue);
    while (otherQueue.length > 0 && running.other < OTHERS) launch('other', otherQueue);
    if (running.daemon + running.other === 0) done();
  };
  fill();
});

const sum = (k) => results.reduce((n, r) => n + r[k], 0);
const failed = results.filter((r) => r.code !== 0);
const fileCount = results.length + (results.some((r) => r.file === UNIT_BATCH) ? batched.length - 1 : 0);
console.log(`\n# files ${fileCount}, tests ${sum('tests')}, pass ${sum('pass')}, fail ${sum('fail')}, skipped ${sum('skipped')}, cancelled ${sum('cancelled')}; ${((Date.now() - started) / 1000).toFixed(0)} s`);
const cpus = results.filter((r) => Number.isFinite(r.cpu));
if (cpus.length) console.log(`# cpu ${cpus.reduce((n, r) => n + r.cpu, 0).toFixed(0)} s; most: ${[...cpus].sort((a, b) => b.cpu - a.cpu).slice(0, 8).map((r) => `${r.file} ${r.cpu.toFixed(0)} s`).join(', ')}`);
console.log(`# slowest: ${[...results].sort((a, b) => b.seconds - a.seconds).slice(0, 8).map((r) => `${r.file} ${r.seconds.toFixed(0)} s`).join(', ')}`);
if (idleByMinute.length > 0) console.log(`# idle % by minute: ${idleByMinute.join(' ')}`);
if (failed.length > 0) console.log(`# FAILED: ${failed.map((r) => r.file).join(' ')}`);
if (filters.length === 0 && !process.env.CI) {
  // The batched files keep their last time: it is what let them into the batch.
  const measured = results.filter((r) => r.file !== UNIT_BATCH).map((r) => [r.file, Math.round(r.seconds)]);
  const next = Object.fromEntries([...measured, ...batched.map((f) => [f, known[f]])].sort(([a], [b]) => (a < b ? -1 : 1)));
  writeFileSync(DURATIONS, JSON.stringify(next, null, 2) + '\n');
}
process.exit(failed.length > 0 ? 1 : 0);
