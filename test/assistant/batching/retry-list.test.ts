// The could-not-add list: per-file back-off, and a file leaves it once a commit covered it without failing it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RetryList, retryDelay } from '../../../src/assistant/batching/retry-list.js';

test('each failure doubles the wait (2 s, 4 s, 8 s … at most 10 minutes), per file', () => {
  const list = new RetryList();
  assert.equal(list.fail('a', 'invalid path', 0).nextTry, 2000);
  assert.equal(list.fail('a', 'invalid path', 2000).nextTry, 2000 + 4000);
  assert.equal(list.fail('b', 'unable to stat', 2000).nextTry, 4000);
  assert.deepEqual(list.due(4000), ['b']);
  assert.deepEqual(list.due(6000).sort(), ['a', 'b']);
  assert.equal(list.nextAt(), 4000);
  assert.equal(retryDelay(30), 600_000);
  assert.deepEqual(list.list().map((e) => [e.path, e.attempts, e.since]), [['a', 2, 0], ['b', 1, 2000]]);
});

test('a commit that covered a file (itself or a parent directory) without failing it takes it off the list; one that failed it again keeps it', () => {
  const list = new RetryList();
  list.fail('d/x', 'r', 0);
  list.fail('d/y', 'r', 0);
  list.fail('z', 'r', 0);
  list.settled(['other'], new Set());
  assert.equal(list.size, 3, 'a commit of other paths changes nothing');
  list.settled(['d'], new Set(['d/y']));
  assert.deepEqual(list.list().map((e) => e.path).sort(), ['d/y', 'z']);
  list.settled(undefined, new Set());
  assert.equal(list.size, 0, 'a whole-tree commit covers everything');
});
