// Tests for libmagic-compatible MIME encoding detection (answers recorded from `file --mime-encoding` 5.44;
// test/interop/mime-encoding.test.ts compares a larger corpus with file(1) itself).
import '../helpers/env.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { tempDir } from '../helpers/tmp.js';
import { MIME_ENCODING_BYTES, detectMimeEncoding, mimeEncodingOfFile } from '../../src/annex/mime-encoding.js';

const enc = (bytes: readonly number[] | string): string =>
  detectMimeEncoding(typeof bytes === 'string' ? Buffer.from(bytes, 'latin1') : Uint8Array.from(bytes));

test('empty and one-byte files are binary whatever the byte', () => {
  assert.equal(enc(''), 'binary');
  assert.equal(enc('a'), 'binary');
  assert.equal(enc('\n'), 'binary');
  assert.equal(enc('ab'), 'us-ascii');
});

test('control characters: only BEL BS HT LF VT FF CR ESC are text', () => {
  const text = new Set([7, 8, 9, 10, 11, 12, 13, 27]);
  for (const c of [...Array(32).keys(), 0x7f]) {
    assert.equal(enc(`hello ${String.fromCharCode(c)} world\n`), text.has(c) ? 'us-ascii' : 'binary', `byte ${c}`);
  }
});

test('text encodings: ASCII, CRLF, UTF-7, UTF-8 with and without BOM, UTF-16/32, Latin-1, extended, EBCDIC', () => {
  assert.equal(enc('line one\r\nline two\r\n'), 'us-ascii');
  assert.equal(enc('+/v8abc'), 'utf-7');
  assert.equal(enc('+/v8'), 'us-ascii'); // needs more than four bytes
  assert.equal(enc([...Buffer.from('café\n')]), 'utf-8');
  assert.equal(enc([0xef, 0xbb, 0xbf, ...Buffer.from('plain\n')]), 'utf-8');
  assert.equal(enc([0xef, 0xbb, 0xbf]), 'utf-8');
  assert.equal(enc([0x61, 0x62, 0xc3]), 'iso-8859-1'); // a cut sequence alone is not UTF-8
  assert.equal(enc([0xc1, 0x81, 0x61, 0x62]), 'unknown-8bit'); // overlong
  assert.equal(enc([0xed, 0xa0, 0x80, 0x61]), 'unknown-8bit'); // surrogate
  assert.equal(enc([0xff, 0xfe, ...Buffer.from('hi', 'utf16le')]), 'utf-16le');
  assert.equal(enc([0xfe, 0xff, 0, 0x68, 0, 0x69]), 'utf-16be');
  assert.equal(enc([0xff, 0xfe, 0x01, 0x00]), 'binary'); // a control unit
  assert.equal(enc([0xff, 0xfe, 0, 0, 0x61, 0, 0, 0]), 'utf-32le');
  assert.equal(enc([0, 0, 0xfe, 0xff, 0, 0, 0, 0x61]), 'utf-32be');
  assert.equal(enc('caf\xe9\n'), 'iso-8859-1');
  assert.equal(enc('\x80\x81abc'), 'unknown-8bit');
  assert.equal(enc([0xc8, 0x85, 0x93, 0x93, 0x96, 0x40, 0x15]), 'ebcdic');
});

test('format headers do not change the encoding: only the bytes do', () => {
  assert.equal(enc('%PDF-1.4\n1 0 obj\n'), 'us-ascii');
  assert.equal(enc('%PDF-1.4\n%\xe2\xe3\xcf\xd3\n'), 'iso-8859-1');
  assert.equal(enc('GIF89a'), 'us-ascii');
  assert.equal(enc([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), 'binary');
  assert.equal(enc([0x1f, 0x8b, 0x08, 0x00, 0x61]), 'binary');
  assert.equal(enc('PK\x03\x04abc'), 'binary');
  assert.equal(enc('hello\x00world\n'), 'binary');
});

test('only the first 64 KiB count', () => {
  const withNulAt = (n: number): Uint8Array => Uint8Array.from([...Buffer.alloc(n, 0x61), 0]);
  assert.equal(MIME_ENCODING_BYTES, 65536);
  assert.equal(detectMimeEncoding(withNulAt(65535)), 'binary');
  assert.equal(detectMimeEncoding(withNulAt(65536)), 'us-ascii');
  assert.equal(detectMimeEncoding(Uint8Array.from([...Buffer.alloc(65534, 0x61), 0xc3, 0xa9])), 'utf-8');
  assert.equal(detectMimeEncoding(Uint8Array.from([...Buffer.alloc(65535, 0x61), 0xc3, 0xa9])), 'iso-8859-1');
});

test('mimeEncodingOfFile reads the head of the file', async () => {
  const dir = tempDir();
  const write = async (name: string, content: Buffer): Promise<string> => {
    await writeFile(join(dir, name), content);
    return join(dir, name);
  };
  assert.equal(await mimeEncodingOfFile(await write('empty', Buffer.alloc(0))), 'binary');
  assert.equal(await mimeEncodingOfFile(await write('late-nul', Buffer.concat([Buffer.alloc(1_000_000, 0x61), Buffer.from([0])]))), 'us-ascii');
  assert.equal(await mimeEncodingOfFile(await write('early-nul', Buffer.concat([Buffer.alloc(100, 0x61), Buffer.from([0])]))), 'binary');
  assert.equal(await mimeEncodingOfFile(dir), 'binary'); // not a regular file
  await assert.rejects(mimeEncodingOfFile(join(dir, 'missing')), { code: 'ENOENT' });
});
