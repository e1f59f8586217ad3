// The P2P protocol's messages: every one formats to a line that parses back to it; lines git-annex would not parse are refused.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatP2PMessage, parseP2PMessage, type P2PMessage } from '../../src/remotes/p2p-messages.js';

const KEY = `SHA256E-s5--${'a'.repeat(64)}.txt`;

test('p2p-messages: format then parse gives the same message back, for every kind', () => {
  const all: P2PMessage[] = [
    { type: 'AUTH', uuid: 'u', token: 't' }, { type: 'AUTH-SUCCESS', uuid: 'u' }, { type: 'AUTH-FAILURE' }, { type: 'VERSION', version: 1 },
    { type: 'CHECKPRESENT', key: KEY }, { type: 'LOCKCONTENT', key: KEY }, { type: 'UNLOCKCONTENT' }, { type: 'REMOVE', key: KEY },
    { type: 'GET', offset: 7, file: 'a%b', key: KEY }, { type: 'PUT', file: '', key: KEY }, { type: 'PUT-FROM', offset: 3 }, { type: 'ALREADY-HAVE' },
    { type: 'SUCCESS' }, { type: 'FAILURE' }, { type: 'DATA', length: 10 }, { type: 'VALID' }, { type: 'INVALID' },
    { type: 'CONNECT', service: 'git-upload-pack' }, { type: 'CONNECTDONE', code: 0 }, { type: 'NOTIFYCHANGE' },
    { type: 'CHANGED', refs: ['a1', 'b2'] }, { type: 'ERROR', message: 'this repository is read-only; write access denied' }, { type: 'READY' },
  ];
  for (const m of all) assert.deepEqual(parseP2PMessage(formatP2PMessage(m)), m, formatP2PMessage(m));
});

test('p2p-messages: lines git-annex-shell answers with "unknown command" do not parse', () => {
  for (const line of ['FOO bar', 'CHECKPRESENT', 'CHECKPRESENT notakey', `CHECKPRESENT ${KEY} extra`, 'GET x f k', `GET 1 ${KEY}`, 'DATA -1', 'VERSION', 'SUCCESS now', '']) {
    assert.equal(parseP2PMessage(line), undefined, JSON.stringify(line));
  }
});
