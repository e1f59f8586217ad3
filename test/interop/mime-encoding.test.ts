// detectMimeEncoding against libmagic itself (`file --mime-encoding`, the library git-annex links) over a generated corpus.
import '../helpers/env.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { tempDir } from '../helpers/tmp.js';
import { ok } from '../helpers/run.js';
import { detectMimeEncoding, mimeEncodingOfFile } from '../../src/annex/mime-encoding.js';

const hasFile = spawnSync('file', ['--version']).status === 0;
/** Skips without file(1) outside CI; in CI the test runs and fails loudly (.ci/run installs it). */
const needsFileCommand = { skip: hasFile || process.env.CI ? false : 'needs file(1) (apt-get install file)' };

/** A seeded generator, so the corpus is the same on every run. */
function prng(seed: number): (n: number) => number {
  let s = seed >>> 0;
  return (n) => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s % n;
  };
}

function corpus(): Array<[string, Buffer]> {
  const out: Array<[string, Buffer]> = [];
  const add = (name: string, content: Buffer | string): void => {
    out.push([name, typeof content === 'string' ? Buffer.from(content, 'latin1') : content]);
  };
  add('empty', '');
  for (const b of [0x00, 0x0a, 0x41, 0xe9, 0xff]) add(`one-${b}`, Buffer.from([b]));
  for (let b = 0; b < 256; b++) add(`a-then-${b}`, Buffer.from([0x61, b]));
  for (let b = 0; b < 256; b++) add(`${b}-then-a`, Buffer.from([b, 0x61]));
  for (const c of [...Array(32).keys(), 0x7f]) add(`ctrl-${c}`, Buffer.from([...Buffer.from('hello '), c, ...Buffer.from(' world\n')]));
  add('ascii', 'The quick brown fox jumps over the lazy dog.\n');
  add('crlf', 'line one\r\nline two\r\n');
  add('long-line', 'x'.repeat(200_000));
  add('utf8', Buffer.from('naïve café — 日本語 🎉\n'));
  add('utf8-bom', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('hello\n')]));
  add('utf8-bom-nonascii', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('héllo\n')]));
  add('bom-only', Buffer.from([0xef, 0xbb, 0xbf]));
  add('bom-plus-one', Buffer.from([0xef, 0xbb, 0xbf, 0x61]));
  add('bom-ctrl', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('a\x01b')]));
  add('utf8-ctrl', Buffer.from('héllo\x01\n'));
  add('utf8-truncated', Buffer.from([0x61, 0x62, 0xc3]));
  add('utf8-truncated-after-valid', Buffer.from([0xc3, 0xa9, 0x61, 0xe2, 0x82]));
  add('overlong', Buffer.from([0xc1, 0x81, 0x61, 0x62]));
  add('surrogate', Buffer.from([0xed, 0xa0, 0x80, 0x61]));
  add('above-max', Buffer.from([0xf4, 0x90, 0x80, 0x80, 0x61]));
  add('five-byte', Buffer.from([0xf8, 0x88, 0x80, 0x80, 0x80, 0x61]));
  add('e0-low', Buffer.from([0xe0, 0x80, 0x80, 0x61]));
  add('f0-low', Buffer.from([0xf0, 0x80, 0x80, 0x80, 0x61]));
  add('latin1', 'caf\xe9 cr\xe8me br\xfbl\xe9e\n');
  add('extended', 'smart \x93quotes\x94 here\n');
  add('nel', 'line\x85next\n');
  add('utf16le', Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('hello\n', 'utf16le')]));
  add('utf16be', Buffer.concat([Buffer.from([0xfe, 0xff]), Buffer.from('hello\n', 'utf16le').swap16()]));
  add('utf16le-ctrl', Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('he\x01lo', 'utf16le')]));
  add('utf16le-fffe', Buffer.from([0xff, 0xfe, 0x61, 0x00, 0xfe, 0xff]));
  add('utf16le-odd', Buffer.from([0xff, 0xfe, 0x61, 0x00, 0x62]));
  add('utf16-bom-only', Buffer.from([0xff, 0xfe]));
  add('utf32le', Buffer.from([0xff, 0xfe, 0, 0, 0x61, 0, 0, 0, 0x62, 0, 0, 0]));
  add('utf32be', Buffer.from([0, 0, 0xfe, 0xff, 0, 0, 0, 0x61]));
  add('utf32le-ctrl', Buffer.from([0xff, 0xfe, 0, 0, 0x01, 0, 0, 0]));
  for (const c of ['8', '9', '+', '/', 'A']) add(`utf7-${c.charCodeAt(0)}`, `+/v${c}text`);
  add('utf7-short', '+/v8');
  add('ebcdic', Buffer.from([0xc8, 0x85, 0x93, 0x93, 0x96, 0x40, 0xe6, 0x96, 0x99, 0x93, 0x84, 0x15]));
  add('ebcdic-intl', Buffer.from([0xc8, 0x85, 0x93, 0x93, 0x96, 0x41, 0x15, 0x42]));
  add('png', Buffer.from('89504e470d0a1a0a0000000d4948445200000001', 'hex'));
  add('pdf-ascii', '%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\n');
  add('pdf-binary', '%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n');
  add('gzip', Buffer.from('1f8b0800000000000003cb48cdc9c9e70200', 'hex'));
  add('zip', Buffer.concat([Buffer.from('PK\x03\x04', 'latin1'), Buffer.from('abc')]));
  add('elf', Buffer.from('7f454c46020101000000', 'hex'));
  add('gif', 'GIF89a');
  add('jpeg', Buffer.from('ffd8ffe000104a464946', 'hex'));
  add('json', '{"a": [1, 2, "x"]}\n');
  add('csv', 'a,b,c\n1,2,3\n');
  add('script', '#!/bin/sh\necho hi\n');
  add('html', '<!DOCTYPE html><html><body>hi</body></html>\n');
  add('tar-like', Buffer.concat([Buffer.from('file.txt'), Buffer.alloc(100), Buffer.from('0000644\0')]));
  for (const n of [65534, 65535, 65536, 65537]) add(`nul-after-${n}`, Buffer.concat([Buffer.alloc(n, 0x61), Buffer.from([0])]));
  for (const n of [65534, 65535]) add(`utf8-across-limit-${n}`, Buffer.concat([Buffer.alloc(n, 0x61), Buffer.from('é')]));
  const rand = prng(20230126);
  for (let i = 0; i < 40; i++) {
    const buf = Buffer.alloc(1 + rand(3000));
    for (let k = 0; k < buf.length; k++) buf[k] = rand(256);
    add(`random-${i}`, buf);
  }
  // Mostly text with a sprinkle of the bytes that move the decision: controls, high bytes, BOMs.
  const spice = [0x00, 0x01, 0x05, 0x07, 0x0b, 0x0e, 0x15, 0x1b, 0x25, 0x7f, 0x80, 0x85, 0x9f, 0xa0, 0xc3, 0xa9, 0xe2, 0x82, 0xac, 0xef, 0xbb, 0xbf, 0xfe, 0xff];
  for (let i = 0; i < 200; i++) {
    const len = 2 + rand(40);
    const buf = Buffer.alloc(len);
    for (let k = 0; k < len; k++) buf[k] = rand(4) === 0 ? (spice[rand(spice.length)] as number) : 0x20 + rand(95);
    add(`mixed-${i}`, buf);
  }
  for (let i = 0; i < 80; i++) {
    // UTF-8 text from all planes, sometimes damaged: a byte dropped, a control byte, a cut end.
    const points = [0x41, 0x7a, 0x20, 0x0a, 0xe9, 0x3b1, 0x4e2d, 0xfeff, 0xfffd, 0x1f600, 0x10ffff, 0x80, 0x7ff, 0x800];
    let s = '';
    for (let k = 1 + rand(20); k > 0; k--) s += String.fromCodePoint(points[rand(points.length)] as number);
    let buf = Buffer.from(s);
    const damage = rand(5);
    if (damage === 1 && buf.length > 2) buf = Buffer.concat([buf.subarray(0, 1), buf.subarray(2)]);
    if (damage === 2) buf = Buffer.concat([buf, Buffer.from([rand(0x20)])]);
    if (damage === 3 && buf.length > 2) buf = buf.subarray(0, buf.length - 1);
    add(`utf8-${i}`, buf);
  }
  for (let i = 0; i < 100; i++) {
    // Bytes libmagic reads as EBCDIC text, with the odd ASCII control thrown in.
    const ebcdicText = [0x40, 0x4b, 0x81, 0x85, 0x89, 0x91, 0x96, 0xa2, 0xc1, 0xd1, 0xe2, 0xf0, 0x15, 0x25, 0x05, 0x0b, 0x0d];
    const len = 2 + rand(30);
    const buf = Buffer.alloc(len);
    for (let k = 0; k < len; k++) buf[k] = ebcdicText[rand(ebcdicText.length)] as number;
    if (rand(3) === 0) buf[rand(len)] = rand(0x20);
    add(`ebcdic-${i}`, buf);
  }
  return out;
}

test('detectMimeEncoding equals file --mime-encoding (and file --mime, as git-annex asks) on every corpus file', needsFileCommand, async () => {
  const dir = tempDir('arbor-mime-');
  const files = corpus();
  for (const [name, content] of files) await writeFile(join(dir, name), content);
  const names = files.map(([name]) => name);
  const enc = (await ok('file', ['-b', '--mime-encoding', '--', ...names], { cwd: dir })).split('\n');
  const mime = (await ok('file', ['-b', '--mime', '--', ...names], { cwd: dir })).split('\n');
  const wrong: string[] = [];
  for (const [i, [name, content]] of files.entries()) {
    const ours = detectMimeEncoding(content);
    const charset = /charset=(\S+)/.exec(mime[i] ?? '')?.[1];
    if (ours !== enc[i] || ours !== charset) wrong.push(`${name} (${content.subarray(0, 12).toString('hex')}…): file says ${enc[i]} / ${mime[i]}, arbor ${ours}`);
  }
  assert.deepEqual(wrong, []);
  // The file-reading wrapper sees what the pure function sees.
  for (const name of ['empty', 'utf8', 'nul-after-65536', 'nul-after-65535', 'random-3']) {
    assert.equal(await mimeEncodingOfFile(join(dir, name)), enc[names.indexOf(name)], name);
  }
});
