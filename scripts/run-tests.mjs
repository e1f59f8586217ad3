#!/usr/bin/env node
// Runs every test/**/*.test.ts with node's built-in runner (Node 20 does not expand globs itself).
// Usage: node scripts/run-tests.mjs [path-filter ...]
//
// The tests are compiled once (tsconfig.test.json, into .build/) and run as JavaScript: loading
// them through tsx costs every test process about half a second of CPU, about two minutes in all.
//
// Two passes: the test files that start real assistant daemons (each runs several node processes
// on one-second schedules) run ARBOR_DAEMON_TEST_CONCURRENCY (default 3) at a time, the rest
// ARBOR_TEST_CONCURRENCY (default 4) at a time. On two cores, four files of three or four daemons
// each starve one another until their bounded waits run out; that is load, not a finding.
// Within a pass the biggest files start first (size stands in for length), so the pass does not
// end with one long file running alone.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';

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
const tsc = spawnSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.test.json'], { stdio: 'inherit' });
if (tsc.status !== 0) {
  console.error('the tests did not compile (tsc -p tsconfig.test.json)');
  process.exit(tsc.status ?? 1);
}
const compiled = (f) => join('.build', f.replace(/\.ts$/, '.js'));
const startsDaemons = (f) => /startAssistant\(|runSoak\(|startDaemon\(|'assistant', '--json'|\['assistant'/.test(readFileSync(f, 'utf8'));
const bySizeDown = (a, b) => statSync(b).size - statSync(a).size;
const heavy = files.filter(startsDaemons).sort(bySizeDown);
const light = files.filter((f) => !startsDaemons(f)).sort(bySizeDown);
let status = 0;
for (const [group, concurrency] of [
  [light, process.env.ARBOR_TEST_CONCURRENCY ?? '4'],
  [heavy, process.env.ARBOR_DAEMON_TEST_CONCURRENCY ?? '3'],
]) {
  if (group.length === 0) continue;
  const r = spawnSync(process.execPath, ['--enable-source-maps', '--test', `--test-concurrency=${concurrency}`, ...group.map(compiled)], { stdio: 'inherit' });
  if ((r.status ?? 1) !== 0) status = r.status ?? 1;
}
process.exit(status);
