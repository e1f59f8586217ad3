// Random key sets with d = 0 .. 100,000 differences: the decoder recovers exactly both sides' extra keys, or says it could not.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Decoder } from '../../src/reconcile/decoder.js';
import { encodeKeys } from '../../src/reconcile/encoder.js';
import { ReconcileLimitError, ReconcileUndecodableError } from '../../src/reconcile/errors.js';
import { answerReconcile, reconcile, type ReconcilePeer } from '../../src/reconcile/session.js';
import { KeySummary } from '../../src/reconcile/summary.js';
import { splitSets } from './keys.js';

const sorted = (xs: readonly string[]): string[] => [...xs].sort();

/** A peer answering from a summary in this process (the same bytes serve will carry). */
function localPeer(summary: KeySummary): ReconcilePeer {
  return { exchange: async (request) => answerReconcile(summary, request) };
}

/** Symbols needed, fed one at a time from the remote's batch encoding. */
function symbolsNeeded(local: KeySummary, remote: readonly string[], max: number): { decoder: Decoder; symbols: number } {
  const stream = encodeKeys(remote, max);
  const decoder = new Decoder(local);
  for (let i = 0; i < max && !decoder.decoded; i++) decoder.push(stream.slice(i, 1));
  return { decoder, symbols: decoder.symbols };
}

for (const { d, common, seed } of [
  { d: 0, common: 5_000, seed: 10 },
  { d: 1, common: 5_000, seed: 11 },
  { d: 10, common: 5_000, seed: 12 },
  { d: 1_000, common: 5_000, seed: 13 },
]) {
  test(`d = ${d}: both directions recovered exactly through the wire exchange`, async () => {
    for (const [onlyA, onlyB] of [[Math.ceil(d / 2), Math.floor(d / 2)], [d, 0], [0, d]] as const) {
      const sets = splitSets(common, onlyA, onlyB, seed + onlyA);
      const local = KeySummary.of(sets.a, 4096);
      const remote = KeySummary.of(sets.b, 4096);
      const out = await reconcile(local, localPeer(remote));
      assert.deepEqual(sorted(out.localOnly), sorted(sets.onlyA));
      assert.deepEqual(sorted(out.remoteOnly), sorted(sets.onlyB));
      assert.equal(out.askedKeys, onlyB);
    }
  });
}

test('d = 1,000: decoded within 1.6 coded symbols per difference (about 1.35 expected)', () => {
  const sets = splitSets(10_000, 500, 500, 20);
  const { decoder, symbols } = symbolsNeeded(KeySummary.of(sets.a, 4096), sets.b, 4096);
  assert.ok(decoder.decoded);
  assert.ok(symbols < 1.6 * 1_000 && symbols > 1_000, `${symbols} symbols for 1,000 differences`);
  assert.deepEqual(sorted(decoder.result().localOnly), sorted(sets.onlyA));
});

test('d = 100,000 (50,000 each way): recovered exactly within 1.5 symbols per difference plus the batch overshoot', async () => {
  const sets = splitSets(2_000, 50_000, 50_000, 21);
  const local = KeySummary.of(sets.a, 170_000);
  const remote = KeySummary.of(sets.b, 170_000);
  const out = await reconcile(local, localPeer(remote));
  assert.equal(out.localOnly.length, 50_000);
  assert.deepEqual(sorted(out.localOnly), sorted(sets.onlyA));
  assert.deepEqual(sorted(out.remoteOnly), sorted(sets.onlyB));
  // Batches grow by an eighth, so the overshoot past the exact need is under 12.5%.
  assert.ok(out.symbols < 1.5 * 1.125 * 100_000, `${out.symbols} symbols`);
});

test('a difference larger than the summaries keep is a limit error, not a wrong or partial answer', async () => {
  const sets = splitSets(1_000, 300, 300, 22);
  const local = KeySummary.of(sets.a, 256);
  await assert.rejects(reconcile(local, localPeer(KeySummary.of(sets.b, 256))), (e: unknown) => e instanceof ReconcileLimitError && /fall back to a plain listing/.test(e.message));
  // The server's summary is the smaller one: its limit answer becomes the same error.
  const big = KeySummary.of(sets.a, 4096);
  await assert.rejects(reconcile(big, localPeer(KeySummary.of(sets.b, 256))), (e: unknown) => e instanceof ReconcileLimitError && e.capacity === 256);
});

test('a symbol budget too small to decode gives "could not decode after N symbols"', async () => {
  const sets = splitSets(1_000, 100, 100, 23);
  await assert.rejects(reconcile(KeySummary.of(sets.a, 4096), localPeer(KeySummary.of(sets.b, 4096)), { maxSymbols: 64 }), (e: unknown) => e instanceof ReconcileUndecodableError && e.symbols === 64 && /could not decode the difference after 64 coded symbols/.test(e.message));
  const { decoder } = symbolsNeeded(KeySummary.of(sets.a, 4096), sets.b, 50);
  assert.ok(!decoder.decoded);
  assert.throws(() => decoder.result(), ReconcileUndecodableError);
});
