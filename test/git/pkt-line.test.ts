// pkt-line framing: encoding, decoding, the streaming reader and writer.
import '../helpers/env.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough, Readable } from 'node:stream';
import { PktLineError } from '../../src/git/errors.js';
import { decodePktLines, encodePktLine, encodePktText, FLUSH_PKT, MAX_PKT_PAYLOAD, PktLineReader, PktLineWriter } from '../../src/git/pkt-line.js';

test('encodes the length as four lower-case hex digits including the header', () => {
  assert.equal(encodePktLine('a\n').toString(), '0006a\n');
  assert.equal(encodePktText('version=2').toString(), '000eversion=2\n');
  assert.equal(FLUSH_PKT.toString(), '0000');
  assert.equal(encodePktLine(Buffer.alloc(MAX_PKT_PAYLOAD)).subarray(0, 4).toString(), 'fff0');
  assert.throws(() => encodePktLine(Buffer.alloc(MAX_PKT_PAYLOAD + 1)), PktLineError);
});

test('decode inverts encode for text, binary and maximal payloads', () => {
  const payloads = [Buffer.from('git-filter-client\n'), Buffer.from([0, 1, 255, 10, 13]), Buffer.alloc(MAX_PKT_PAYLOAD, 7)];
  const stream = Buffer.concat([...payloads.map((p) => encodePktLine(p)), FLUSH_PKT]);
  assert.deepEqual(decodePktLines(stream), [...payloads, 'flush']);
});

test('decode rejects truncated streams and bad lengths', () => {
  assert.throws(() => decodePktLines(Buffer.from('000aabc')), PktLineError);
  assert.throws(() => decodePktLines(Buffer.from('00')), PktLineError);
  assert.throws(() => decodePktLines(Buffer.from('zzzz')), PktLineError);
  assert.throws(() => decodePktLines(Buffer.from('0001')), PktLineError);
});

test('the reader reassembles packets split across arbitrary chunk boundaries', async () => {
  const payloads = [Buffer.from('command=clean\n'), Buffer.alloc(MAX_PKT_PAYLOAD, 3), Buffer.from('x')];
  const bytes = Buffer.concat([encodePktLine(payloads[0] as Buffer), FLUSH_PKT, encodePktLine(payloads[1] as Buffer), encodePktLine(payloads[2] as Buffer)]);
  // Deliver the stream in 1-, 3- and 7-byte pieces, and in one piece.
  for (const size of [1, 3, 7, bytes.length]) {
    const chunks: Buffer[] = [];
    for (let i = 0; i < bytes.length; i += size) chunks.push(bytes.subarray(i, i + size));
    const reader = new PktLineReader(Readable.from(chunks));
    assert.deepEqual(await reader.readPacket(), payloads[0]);
    assert.equal(await reader.readPacket(), 'flush');
    assert.deepEqual(await reader.readPacket(), payloads[1]);
    assert.deepEqual(await reader.readPacket(), payloads[2]);
    assert.equal(await reader.readPacket(), undefined);
  }
});

test('the reader reads text lists up to a flush and reports truncation', async () => {
  const reader = new PktLineReader(Readable.from([Buffer.concat([encodePktText('a=1'), encodePktLine('b=2'), FLUSH_PKT])]));
  assert.deepEqual(await reader.readTextList(), ['a=1', 'b=2']);
  assert.equal(await reader.readTextList(), undefined);
  const cut = new PktLineReader(Readable.from([Buffer.from('000aab')]));
  await assert.rejects(cut.readPacket(), PktLineError);
});

test('the writer splits data into full-size packets and round-trips through the reader', async () => {
  const pipe = new PassThrough();
  const writer = new PktLineWriter(pipe);
  const reader = new PktLineReader(pipe);
  const data = Buffer.alloc(3 * MAX_PKT_PAYLOAD + 5);
  for (let i = 0; i < data.length; i++) data[i] = i % 251;
  const written = (async () => {
    await writer.text('status=success');
    await writer.flush();
    await writer.data(data);
    await writer.data(Buffer.alloc(0));
    await writer.flush();
    pipe.end();
  })();
  assert.equal(await reader.readText(), 'status=success');
  assert.equal(await reader.readPacket(), 'flush');
  const sizes: number[] = [];
  const got: Buffer[] = [];
  for (let p = await reader.readPacket(); p !== 'flush' && p !== undefined; p = await reader.readPacket()) {
    sizes.push(p.length);
    got.push(p);
  }
  await written;
  assert.deepEqual(sizes, [MAX_PKT_PAYLOAD, MAX_PKT_PAYLOAD, MAX_PKT_PAYLOAD, 5]);
  assert.deepEqual(Buffer.concat(got), data);
});
