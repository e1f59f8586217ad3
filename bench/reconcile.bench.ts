// Benchmark of set reconciliation: a server's summary of N keys against a client's location log with D entries wrong; prints JSON.
// Run: node --import tsx bench/reconcile.bench.ts [--keys 1000000] [--diff 100] [--runs 5]
import { performance } from 'node:perf_hooks';
import { KeyIndex } from '../src/reconcile/key-index.js';
import { Decoder } from '../src/reconcile/decoder.js';
import { encodeMessage } from '../src/reconcile/wire.js';
import { answerReconcile, reconcile, type ReconcileOutcome, type ReconcilePeer } from '../src/reconcile/session.js';
import { KeySummary } from '../src/reconcile/summary.js';
import { prng } from '../test/helpers/prng.js';

const EXTS = ['.jpg', '.mp4', '.flac', '.pdf', ''];

/** SHA256E keys as git-annex writes them: size, 64 hex digits, extension. */
function keys(n: number, seed: number): string[] {
  const rnd = prng(seed);
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    const parts: string[] = [];
    for (let j = 0; j < 8; j++) parts.push(Math.floor(rnd() * 2 ** 32).toString(16).padStart(8, '0'));
    out.push(`SHA256E-s${Math.floor(rnd() * 1e8)}--${parts.join('')}${EXTS[i % EXTS.length] ?? ''}`);
  }
  return out;
}

function arg(name: string, dflt: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : dflt;
}

/** A peer in this process: the same bytes serve will carry, counted by reconcile(). */
function peer(server: KeySummary): ReconcilePeer {
  return { exchange: async (request) => answerReconcile(server, request) };
}

const n = arg('keys', 1_000_000);
const d = arg('diff', 100);
const runs = arg('runs', 5);
const half = d / 2;
const all = keys(n + runs * half, 7);
const serverKeys = all.slice(0, n);
const extra = all.slice(n);
// Run r: the log (the client's claim about the server) lacks serverKeys[r*half..] and wrongly lists extra[r*half..].
const missingOf = (r: number): string[] => serverKeys.slice(r * half, (r + 1) * half);
const wrongOf = (r: number): string[] => extra.slice(r * half, (r + 1) * half);

/** CPU milliseconds (user + system) since `from`: less sensitive than wall time to a loaded machine. */
const cpuMs = (from: NodeJS.CpuUsage): number => {
  const u = process.cpuUsage(from);
  return (u.user + u.system) / 1000;
};
let t0 = performance.now();
let c0 = process.cpuUsage();
const server = KeySummary.of(serverKeys);
const buildServerMs = performance.now() - t0;
const buildServerCpuMs = cpuMs(c0);
t0 = performance.now();
const client = KeySummary.of([...serverKeys.slice(half), ...wrongOf(0)]);
const buildClientMs = performance.now() - t0;
// Keys the client knows from its git-annex branch (logged for some repository): all of them.
const known = KeyIndex.of(all);

// Incremental upkeep: objects arriving and leaving on the server.
const churn = keys(20_000, 8);
t0 = performance.now();
for (const k of churn) server.add(k);
for (const k of churn) server.remove(k);
const updateUs = ((performance.now() - t0) * 1000) / (2 * churn.length);

function check(out: ReconcileOutcome, r: number): void {
  const a = new Set(out.localOnly);
  const b = new Set(out.remoteOnly);
  if (a.size !== half || !wrongOf(r).every((k) => a.has(k))) throw new Error(`run ${r}: wrong "logged but absent" keys`);
  if (b.size !== half || !missingOf(r).every((k) => b.has(k))) throw new Error(`run ${r}: wrong "present but not logged" keys`);
}

/** Symbols the decoder needs when fed one at a time (no batch overshoot). */
function exactSymbols(): number {
  const dec = new Decoder(client);
  while (!dec.decoded) dec.push(server.symbols(dec.symbols, 1));
  return dec.symbols;
}

const rows: { ms: number; cpuMs: number; msNamed: number; bytes: number; bytesNamed: number; symbols: number; exact: number; roundTrips: number; askedKeys: number }[] = [];
for (let r = 0; r < runs; r++) {
  if (r > 0) {
    // The client's log changes incrementally between runs: the previous errors repaired, new ones made.
    for (const k of missingOf(r - 1)) client.add(k);
    for (const k of wrongOf(r - 1)) client.remove(k);
    for (const k of missingOf(r)) client.remove(k);
    for (const k of wrongOf(r)) client.add(k);
  }
  t0 = performance.now();
  c0 = process.cpuUsage();
  const a = await reconcile(client, peer(server), { known });
  const ms = performance.now() - t0;
  const cpu = cpuMs(c0);
  check(a, r);
  t0 = performance.now();
  const b = await reconcile(client, peer(server));
  const msNamed = performance.now() - t0;
  check(b, r);
  rows.push({ ms, cpuMs: cpu, msNamed, bytes: a.bytesSent + a.bytesReceived, bytesNamed: b.bytesSent + b.bytesReceived, symbols: a.symbols, exact: exactSymbols(), roundTrips: a.roundTrips, askedKeys: b.askedKeys });
}
const listingBytes = serverKeys.reduce((s, k) => s + Buffer.byteLength(k) + 1, 0);
const symbolBytes = encodeMessage({ type: 'symbols', start: 0, generation: 0, block: server.symbols(0, 200) }).length / 200;
process.stdout.write(
  `${JSON.stringify({
    keys: n,
    diff: d,
    capacity: server.capacity,
    buildServerMs: Math.round(buildServerMs),
    buildServerCpuMs: Math.round(buildServerCpuMs),
    buildClientMs: Math.round(buildClientMs),
    updateUs: Math.round(updateUs * 100) / 100,
    listingBytes,
    symbolBytes: Math.round(symbolBytes * 10) / 10,
    runs: rows.map((x) => ({ ...x, ms: Math.round(x.ms * 100) / 100, cpuMs: Math.round(x.cpuMs * 100) / 100, msNamed: Math.round(x.msNamed * 100) / 100 })),
  })}\n`,
);
