// The long-running filter protocol against a scripted git: handshake, replies, errors, streaming.
import '../helpers/env.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough, Readable, Writable } from 'node:stream';
import { FilterProtocolError } from '../../src/git/errors.js';
import { serveFilterProcess } from '../../src/git/filter-process.js';
import type { FilterRequest, FilterResponse } from '../../src/git/filter-process.js';
import { encodePktLine, encodePktText, FLUSH_PKT, MAX_PKT_PAYLOAD, PktLineReader } from '../../src/git/pkt-line.js';

/** What git sends to start: welcome and capabilities (it offers delay too). */
const HELLO = [
  encodePktText('git-filter-client'), encodePktText('version=2'), FLUSH_PKT,
  encodePktText('capability=clean'), encodePktText('capability=smudge'), encodePktText('capability=delay'), FLUSH_PKT,
];

/** One request as git frames it. */
function request(command: string, pathname: string, content: Buffer, extra: string[] = []): Buffer[] {
  const packets: Buffer[] = [encodePktText(`command=${command}`), encodePktText(`pathname=${pathname}`), ...extra.map((l) => encodePktText(l)), FLUSH_PKT];
  for (let i = 0; i < content.length; i += MAX_PKT_PAYLOAD) packets.push(encodePktLine(content.subarray(i, i + MAX_PKT_PAYLOAD)));
  packets.push(FLUSH_PKT);
  return packets;
}

/** Runs the server over a scripted input; returns the reader over everything it wrote. */
async function converse(input: Buffer[], handle: (req: FilterRequest) => Promise<FilterResponse>, errors: string[] = []): Promise<PktLineReader> {
  const out = new PassThrough();
  const chunks: Buffer[] = [];
  out.on('data', (b: Buffer) => chunks.push(b));
  await serveFilterProcess({ input: Readable.from(input), output: out, handle, onError: (e, r) => errors.push(`${r.pathname}: ${String(e)}`) });
  out.end();
  return new PktLineReader(Readable.from([Buffer.concat(chunks)]));
}

/** Reads one reply: [status list, content, final list] (content undefined when none was sent). */
async function readReply(r: PktLineReader): Promise<{ status: string[]; content: Buffer | undefined; final: string[] | undefined }> {
  const status = (await r.readTextList()) ?? [];
  if (!status.includes('status=success')) return { status, content: undefined, final: undefined };
  const parts: Buffer[] = [];
  for (let p = await r.readPacket(); p !== 'flush'; p = await r.readPacket()) {
    assert.ok(p !== undefined, 'reply ends inside content');
    parts.push(p);
  }
  return { status, content: Buffer.concat(parts), final: await r.readTextList() };
}

test('handshake answers version 2 and only the clean and smudge capabilities', async () => {
  const r = await converse(HELLO, () => assert.fail('no request was sent'));
  assert.deepEqual(await r.readTextList(), ['git-filter-server', 'version=2']);
  assert.deepEqual(await r.readTextList(), ['capability=clean', 'capability=smudge']);
  assert.equal(await r.readPacket(), undefined);
});

test('clean and smudge requests get their replies, with the request metadata passed on', async () => {
  const seen: Array<[string, string, string | undefined, string]> = [];
  const big = Buffer.alloc(3 * MAX_PKT_PAYLOAD + 10, 'b');
  const r = await converse(
    [...HELLO, ...request('clean', 'dir/a b.txt', Buffer.from('hello')), ...request('smudge', 'big.bin', big, ['ref=refs/heads/main', 'blob=abc']), ...request('clean', 'empty', Buffer.alloc(0))],
    async (req) => {
      const parts: Buffer[] = [];
      for await (const c of req.content) parts.push(c);
      const content = Buffer.concat(parts);
      seen.push([req.command, req.pathname, req.metadata.get('ref'), String(content.length)]);
      if (req.command === 'clean') return Buffer.from(`cleaned ${content.toString()}`);
      return (async function* () {
        yield content.subarray(0, 7);
        yield content.subarray(7);
      })();
    },
  );
  assert.deepEqual(seen, [['clean', 'dir/a b.txt', undefined, '5'], ['smudge', 'big.bin', 'refs/heads/main', String(big.length)], ['clean', 'empty', undefined, '0']]);
  await r.readTextList();
  await r.readTextList();
  assert.deepEqual(await readReply(r), { status: ['status=success'], content: Buffer.from('cleaned hello'), final: [] });
  assert.deepEqual(await readReply(r), { status: ['status=success'], content: big, final: [] });
  assert.deepEqual(await readReply(r), { status: ['status=success'], content: Buffer.from('cleaned '), final: [] });
  assert.equal(await r.readPacket(), undefined);
});

test('a handler error answers status=error for that file only, and unread content is skipped', async () => {
  const errors: string[] = [];
  const r = await converse(
    [...HELLO, ...request('clean', 'bad.txt', Buffer.alloc(200_000, 'x')), ...request('clean', 'good.txt', Buffer.from('ok'))],
    async (req) => {
      if (req.pathname === 'bad.txt') throw new Error('no thanks');
      let n = 0;
      for await (const c of req.content) n += c.length;
      return Buffer.from(String(n));
    },
    errors,
  );
  await r.readTextList();
  await r.readTextList();
  assert.deepEqual(await readReply(r), { status: ['status=error'], content: undefined, final: undefined });
  assert.deepEqual(await readReply(r), { status: ['status=success'], content: Buffer.from('2'), final: [] });
  assert.deepEqual(errors, ['bad.txt: Error: no thanks']);
});

test('a reply stream that fails before its first chunk is a plain error; after it, error follows the partial content', async () => {
  const r = await converse([...HELLO, ...request('smudge', 'early', Buffer.from('x')), ...request('smudge', 'late', Buffer.from('y'))], async (req) => {
    for await (const _ of req.content) void _;
    return (async function* () {
      if (req.pathname === 'late') yield Buffer.from('partial');
      throw new Error('disk gone');
    })();
  });
  await r.readTextList();
  await r.readTextList();
  assert.deepEqual(await readReply(r), { status: ['status=error'], content: undefined, final: undefined });
  assert.deepEqual(await readReply(r), { status: ['status=success'], content: Buffer.from('partial'), final: ['status=error'] });
});

test('a handler that reads content after returning gets an error instead of wrong output', async () => {
  const errors: string[] = [];
  const r = await converse(
    [...HELLO, ...request('clean', 'lazy', Buffer.alloc(100_000, 'z'))],
    async (req) => (async function* () {
      for await (const c of req.content) yield c;
    })(),
    errors,
  );
  await r.readTextList();
  await r.readTextList();
  assert.deepEqual((await readReply(r)).status, ['status=error']);
  assert.match(errors[0] ?? '', /read after the filter handler returned/);
});

test('an unknown command is answered with an error and a wrong welcome is refused', async () => {
  const r = await converse([...HELLO, ...request('list_available_blobs', '', Buffer.alloc(0))], () => assert.fail('not called'));
  await r.readTextList();
  await r.readTextList();
  assert.deepEqual((await readReply(r)).status, ['status=error']);
  await assert.rejects(
    serveFilterProcess({ input: Readable.from([encodePktText('git-filter-client'), encodePktText('version=3'), FLUSH_PKT]), output: new PassThrough(), handle: () => assert.fail() }),
    FilterProtocolError,
  );
});

test('content streams in: the handler sees the first chunk long before git has sent everything', async () => {
  const total = 64 * MAX_PKT_PAYLOAD;
  let produced = 0;
  const input = Readable.from((function* () {
    yield Buffer.concat([...HELLO, encodePktText('command=clean'), encodePktText('pathname=big'), FLUSH_PKT]);
    for (let sent = 0; sent < total; sent += MAX_PKT_PAYLOAD) {
      produced += MAX_PKT_PAYLOAD;
      yield encodePktLine(Buffer.alloc(MAX_PKT_PAYLOAD));
    }
    yield FLUSH_PKT;
  })(), { objectMode: false, highWaterMark: 1 });
  let producedAtFirstChunk = -1;
  await serveFilterProcess({
    input,
    output: new PassThrough().resume(),
    handle: async (req) => {
      for await (const _ of req.content) if (producedAtFirstChunk < 0) producedAtFirstChunk = produced;
      return Buffer.alloc(0);
    },
  });
  assert.ok(producedAtFirstChunk > 0 && producedAtFirstChunk <= 8 * MAX_PKT_PAYLOAD, `git had sent ${producedAtFirstChunk} bytes`);
});

test('replies stream out: each chunk is written before the next is produced, as far as the output accepts', async () => {
  let written = 0;
  const output = new Writable({
    highWaterMark: 1,
    write(chunk: Buffer, _enc, cb) {
      written += chunk.length;
      cb();
    },
  });
  const lags: number[] = [];
  let yielded = 0;
  await serveFilterProcess({
    input: Readable.from([Buffer.concat([...HELLO, ...request('smudge', 'big', Buffer.from('pointer'))])]),
    output,
    handle: async (req) => {
      for await (const _ of req.content) void _;
      return (async function* () {
        for (let i = 0; i < 64; i++) {
          lags.push(yielded - written);
          yielded += MAX_PKT_PAYLOAD;
          yield Buffer.alloc(MAX_PKT_PAYLOAD);
        }
      })();
    },
  });
  // Never more than a couple of chunks between what was produced and what reached the output.
  assert.ok(Math.max(...lags) <= 2 * (MAX_PKT_PAYLOAD + 4), `lag ${Math.max(...lags)}`);
  assert.ok(written > 64 * MAX_PKT_PAYLOAD);
});
