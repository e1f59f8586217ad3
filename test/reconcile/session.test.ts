// A key set that changes while it is being reconciled never yields a mixed answer: the exchange starts again, or says it kept changing.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ReconcileChangedError } from '../../src/reconcile/errors.js';
import { answerReconcile, reconcile, type ReconcilePeer } from '../../src/reconcile/session.js';
import { KeySummary } from '../../src/reconcile/summary.js';
import { countedKeys, splitSets } from './keys.js';

const sorted = (xs: readonly string[]): string[] => [...xs].sort();

/** A peer whose summary gains `arrivals[i]` just after answering its i-th symbol request. */
function changingPeer(summary: KeySummary, arrivals: readonly string[]): ReconcilePeer {
  let requests = 0;
  return {
    exchange: async (request) => {
      const answer = answerReconcile(summary, request);
      const next = arrivals[requests++];
      if (next !== undefined) summary.add(next);
      return answer;
    },
  };
}

test('an object arriving on the server mid-exchange: the client starts again and gets the difference of the new set', async () => {
  const sets = splitSets(3_000, 40, 40, 50);
  const arrival = countedKeys(1, 51)[0] as string;
  const server = KeySummary.of(sets.b, 1024);
  const out = await reconcile(KeySummary.of(sets.a, 1024), changingPeer(server, [arrival]), { minBatch: 8 });
  assert.deepEqual(sorted(out.remoteOnly), sorted([...sets.onlyB, arrival]));
  assert.deepEqual(sorted(out.localOnly), sorted(sets.onlyA));
});

test('a server that changes after every batch gives a clear "kept changing" error after the attempts', async () => {
  const sets = splitSets(3_000, 40, 40, 52);
  const server = KeySummary.of(sets.b, 1024);
  await assert.rejects(
    reconcile(KeySummary.of(sets.a, 1024), changingPeer(server, countedKeys(100, 53)), { minBatch: 8, attempts: 2 }),
    (e: unknown) => e instanceof ReconcileChangedError && e.code === 'ERECONCILE_CHANGED' && /on the peer kept changing during reconciliation \(2 attempts\)/.test(e.message),
  );
});

test('the local summary changing mid-exchange (a log line recorded meanwhile) is noticed too', async () => {
  const sets = splitSets(3_000, 40, 40, 54);
  const local = KeySummary.of(sets.a, 1024);
  const server = KeySummary.of(sets.b, 1024);
  const extra = countedKeys(100, 55);
  let n = 0;
  const peer: ReconcilePeer = {
    exchange: async (request) => {
      local.add(extra[n++] as string);
      return answerReconcile(server, request);
    },
  };
  await assert.rejects(reconcile(local, peer, { minBatch: 8, attempts: 2 }), (e: unknown) => e instanceof ReconcileChangedError && /set here kept changing/.test(e.message));
});

test('the bytes counted are the bytes of the messages, and a set with no difference costs one round trip', async () => {
  const keys = countedKeys(5_000, 56);
  let sent = 0;
  let received = 0;
  const server = KeySummary.of(keys, 1024);
  const peer: ReconcilePeer = {
    exchange: async (request) => {
      sent += request.length;
      const answer = answerReconcile(server, request);
      received += answer.length;
      return answer;
    },
  };
  const out = await reconcile(KeySummary.of(keys, 1024), peer);
  assert.deepEqual([out.localOnly.length, out.remoteOnly.length, out.roundTrips, out.symbols], [0, 0, 1, 16]);
  assert.deepEqual([out.bytesSent, out.bytesReceived], [sent, received]);
  assert.ok(received < 16 * 27 + 16, `${received} bytes for 16 symbols`);
});
