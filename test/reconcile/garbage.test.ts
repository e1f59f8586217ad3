// A peer that sends malformed, random or forged data gets a typed error; it never produces a difference.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { element } from '../../src/reconcile/element.js';
import { ReconcileGarbageError, ReconcileLimitError, ReconcileUndecodableError, ReconcileWireError } from '../../src/reconcile/errors.js';
import { MappingCursor } from '../../src/reconcile/mapping.js';
import { answerReconcile, reconcile, type ReconcilePeer } from '../../src/reconcile/session.js';
import { KeySummary } from '../../src/reconcile/summary.js';
import { SymbolBlock } from '../../src/reconcile/symbols.js';
import { decodeMessage, encodeMessage } from '../../src/reconcile/wire.js';
import { prng } from '../helpers/prng.js';
import { randomKeys } from './keys.js';

/** A peer answering every symbol request from `stream` (a forged or random symbol sequence). */
function streamPeer(stream: SymbolBlock, keys: (ids: Uint32Array) => string[] = () => []): ReconcilePeer {
  return {
    exchange: async (request) => {
      const m = decodeMessage(request);
      if (m.type === 'want-symbols') return encodeMessage({ type: 'symbols', start: m.start, generation: 0, block: stream.slice(m.start, m.count) });
      if (m.type === 'want-keys') return encodeMessage({ type: 'keys', keys: keys(m.ids) });
      throw new Error('unexpected request');
    },
  };
}

/** `base` with the element of `key` added (sign 1) or removed (sign -1) from every symbol it maps to. */
function withElement(base: SymbolBlock, key: string, sign: number): SymbolBlock {
  const out = base.slice(0, base.length);
  const el = element(key);
  const c = new MappingCursor().reset(el[4] as number, el[5] as number);
  for (let i = 0; i < out.length; i = c.next()) out.apply(i, el, 0, sign);
  return out;
}

const isTyped = (e: unknown): boolean => e instanceof ReconcileGarbageError || e instanceof ReconcileLimitError || e instanceof ReconcileUndecodableError || e instanceof ReconcileWireError;

test('a stream of random symbols never decodes: "could not decode after N symbols", or the limit', async () => {
  const rnd = prng(30);
  const local = KeySummary.of(randomKeys(2_000, 30), 1024);
  for (let run = 0; run < 5; run++) {
    const junk = new SymbolBlock(1024);
    for (let i = 0; i < junk.words.length; i++) junk.words[i] = Math.floor(rnd() * 2 ** 32);
    for (let i = 0; i < junk.length; i++) junk.counts[i] = Math.floor(rnd() * 7) - 3;
    await assert.rejects(reconcile(local, streamPeer(junk), { maxSymbols: 512 }), ReconcileUndecodableError);
    await assert.rejects(reconcile(local, streamPeer(junk)), ReconcileLimitError);
  }
});

test('a forged stream claiming we hold a key we do not hold is rejected as inconsistent', async () => {
  const keys = randomKeys(1_001, 31);
  const local = KeySummary.of(keys.slice(1), 256);
  const forged = withElement(local.symbols(0, 256), keys[0] as string, -1);
  await assert.rejects(reconcile(local, streamPeer(forged)), (e: unknown) => e instanceof ReconcileGarbageError && /decoded as only here, but no local key has it/.test(e.message));
});

test('a forged stream claiming the peer alone holds a key we hold is rejected', async () => {
  const keys = randomKeys(1_000, 32);
  const local = KeySummary.of(keys, 256);
  const forged = withElement(local.symbols(0, 256), keys[5] as string, 1);
  await assert.rejects(reconcile(local, streamPeer(forged)), (e: unknown) => e instanceof ReconcileGarbageError && e.message.includes(`${keys[5]} decoded as only on the peer, but it is here too`));
});

test('a peer naming a key that does not hash to the id it decoded to, or not naming it, is rejected', async () => {
  const keys = randomKeys(1_002, 33);
  const local = KeySummary.of(keys.slice(2), 256);
  const remote = KeySummary.of(keys.slice(1), 256);
  const stream = remote.symbols(0, 256);
  await assert.rejects(reconcile(local, streamPeer(stream, () => [keys[0] as string])), (e: unknown) => e instanceof ReconcileGarbageError && /hashes to/.test(e.message));
  await assert.rejects(reconcile(local, streamPeer(stream, () => [''])), (e: unknown) => e instanceof ReconcileGarbageError && /cannot name it/.test(e.message));
  await assert.rejects(reconcile(local, streamPeer(stream, () => [])), (e: unknown) => e instanceof ReconcileGarbageError && /asked for 1 keys, got 0 keys/.test(e.message));
  const honest = await reconcile(local, streamPeer(stream, (ids) => [remote.keyOf(ids, 0) as string]));
  assert.deepEqual(honest.remoteOnly, [keys[1]]);
});

test('answers that are not what was asked, or not bytes of the format, are typed errors', async () => {
  const local = KeySummary.of(randomKeys(100, 34), 256);
  const remote = KeySummary.of(randomKeys(100, 35), 256);
  const wrongStart: ReconcilePeer = { exchange: async () => encodeMessage({ type: 'symbols', start: 5, generation: 0, block: remote.symbols(5, 16) }) };
  await assert.rejects(reconcile(local, wrongStart), (e: unknown) => e instanceof ReconcileGarbageError && /asked for symbols 0\.\.15, got symbols 5\.\.20/.test(e.message));
  const rnd = prng(36);
  for (let run = 0; run < 200; run++) {
    const junk = new Uint8Array(Math.floor(rnd() * 600));
    for (let i = 0; i < junk.length; i++) junk[i] = Math.floor(rnd() * 256);
    if (run % 2 === 0 && junk.length > 1) junk[0] = 1; // past the version byte, into the parser
    await assert.rejects(reconcile(local, { exchange: async () => junk }), isTyped);
  }
});

test('every truncation of a valid message, a wrong version, an unknown type and trailing bytes are wire errors', () => {
  const valid = [
    encodeMessage({ type: 'want-symbols', start: 300, count: 40 }),
    encodeMessage({ type: 'symbols', start: 7, generation: 3, block: KeySummary.of(randomKeys(50, 37), 16).symbols(0, 3) }),
    encodeMessage({ type: 'want-keys', ids: new Uint32Array([1, 2, 3, 4]) }),
    encodeMessage({ type: 'keys', keys: ['SHA256E-s1--ab.txt', 'WORM-s2-m3--é'] }),
    encodeMessage({ type: 'limit', capacity: 32768 }),
  ];
  for (const m of valid) {
    assert.deepEqual(encodeMessage(decodeMessage(m)), m);
    for (let cut = 0; cut < m.length; cut++) assert.throws(() => decodeMessage(m.subarray(0, cut)), ReconcileWireError);
    assert.throws(() => decodeMessage(new Uint8Array([...m, 0])), /1 unexpected trailing bytes/);
    assert.throws(() => decodeMessage(new Uint8Array([2, ...m.subarray(1)])), /unknown version 2/);
  }
  assert.throws(() => decodeMessage(new Uint8Array([1, 9])), /unknown message type 9/);
  assert.throws(() => decodeMessage(new Uint8Array([1, 1, 0, 0xff, 0xff, 0xff, 0xff, 0x0f])), /exceeds/);
  assert.throws(() => decodeMessage(new Uint8Array([1, 4, 1, 2, 0xc3, 0x28])), /not UTF-8/);
  const server = KeySummary.of([], 16);
  assert.throws(() => answerReconcile(server, valid[4] as Uint8Array), (e: unknown) => e instanceof ReconcileWireError && /an answer, not a request/.test(e.message));
});
