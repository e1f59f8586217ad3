// The status page's HTTP server on its own, with a scripted API: the security answers, the headers, the routes and the event stream.
import '../../helpers/env.js';
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { request, type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startWebServer, type WebApi, type WebServer } from '../../../src/assistant/web/server.js';
import { tempDir } from '../../helpers/tmp.js';
import { ManualClock } from '../../transfers/manual-clock.js';

const TOKEN = 'S3cret-token_0123456789abcdefghijklmnopqrstu';

/** A promise with its resolve outside. */
function deferred<T>(): { promise: Promise<T>; resolve: (v: T) => void; reject: (e: unknown) => void } {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** A scripted API: what it was asked, and a report that a test may hold back. */
class FakeApi implements WebApi {
  reports = 0;
  version = 0;
  subscribers = new Set<() => void>();
  unsubscribed = deferred<void>();
  actions: Array<{ name: string; body: unknown }> = [];
  histories: string[] = [];
  /** When set, report() waits for the next deferred in this queue. */
  held: Array<ReturnType<typeof deferred<void>>> | undefined;
  failReport = false;

  async report(): Promise<unknown> {
    this.reports++;
    const version = ++this.version;
    if (this.held) {
      const gate = deferred<void>();
      this.held.push(gate);
      await gate.promise;
    }
    if (this.failReport) throw new Error('the report failed');
    return { version, text: 'line\nwith "quotes"' };
  }
  subscribe(fn: () => void): () => void {
    this.subscribers.add(fn);
    return () => {
      this.subscribers.delete(fn);
      this.unsubscribed.resolve();
    };
  }
  changed(): void {
    for (const fn of this.subscribers) fn();
  }
  async map(): Promise<string> {
    return '<svg xmlns="http://www.w3.org/2000/svg"/>';
  }
  async metrics(): Promise<string> {
    return 'arbor_up 1\n';
  }
  async history(path: string): Promise<unknown> {
    this.histories.push(path);
    return { path, entries: [] };
  }
  /** How many times the action `name` ran. */
  ran(name: string): number {
    return this.actions.filter((a) => a.name === name).length;
  }
  async action(name: string, body: unknown): Promise<unknown> {
    this.actions.push({ name, body });
    if (name === 'cancel') throw new Error('cancel: the body names no key');
    return { ok: true, name };
  }
}

const assets = tempDir('arbor-web-assets-');
writeFileSync(join(assets, 'index.html'), '<!doctype html><title>arbor</title>\n');
writeFileSync(join(assets, 'app.js'), 'export const version = 1;\n');
writeFileSync(join(assets, 'style.css'), 'body { margin: 0 }\n');

const api = new FakeApi();
const errors: unknown[] = [];
const server: WebServer = await startWebServer({ port: 0, token: TOKEN, api, assetsDir: assets, onError: (err) => errors.push(err) });
const host = `127.0.0.1:${server.port}`;
after(() => server.close());

interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

/** One request with node:http (so Host and Origin can be anything); answers status, headers and body. */
function ask(path: string, options: { method?: string; headers?: Record<string, string>; body?: string; noHost?: boolean; port?: number } = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', agent: false, port: options.port ?? server.port, path, method: options.method ?? 'GET', setHost: false, headers: { ...(options.noHost ? {} : { Host: host }), ...options.headers } },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

const page = (path: string): string => `/${TOKEN}/${path}`;

/** The headers every answer carries, and no CORS header. */
function assertCommonHeaders(a: Answer, what: string): void {
  assert.equal(a.headers['cache-control'], 'no-store', what);
  assert.equal(a.headers['referrer-policy'], 'no-referrer', what);
  assert.equal(a.headers['x-content-type-options'], 'nosniff', what);
  assert.equal(a.headers['x-frame-options'], 'DENY', what);
  assert.equal(
    a.headers['content-security-policy'],
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
    what,
  );
  assert.deepEqual(Object.keys(a.headers).filter((h) => h.startsWith('access-control-')), [], `${what}: no CORS header`);
}

test('listens on 127.0.0.1 at a free port; the URL holds the secret', () => {
  assert.ok(server.port > 0);
  assert.equal(server.url, `http://127.0.0.1:${server.port}/${TOKEN}/`);
});

test('without the secret, with a foreign Host, or a foreign Origin: the same bare 403', async () => {
  const refused = [
    ask('/'),
    ask('/api/status'),
    ask('/events'),
    ask(`/${'x'.repeat(TOKEN.length)}/api/status`),
    ask(`/${TOKEN.slice(0, -1)}/api/status`),
    ask(`/${TOKEN}x/api/status`),
    ask(page('api/status'), { headers: { Host: `evil.example:${server.port}` } }),
    ask(page('events'), { headers: { Host: 'evil.example' } }),
    ask(page('api/status'), { headers: { Host: `127.0.0.1:${server.port + 1}` } }),
    ask(page('api/sync'), { method: 'POST', headers: { Origin: 'http://evil.example' } }),
    ask(page('api/status'), { headers: { Origin: `https://${host}` } }),
    ask(page('api/status'), { headers: { Origin: 'null' } }),
  ];
  for (const a of await Promise.all(refused)) {
    assert.equal(a.status, 403);
    assert.equal(a.body, 'forbidden\n');
    assert.equal(a.headers['content-type'], 'text/plain; charset=utf-8');
    assertCommonHeaders(a, '403');
  }
  assert.deepEqual(api.actions, [], 'nothing acted');
  // Without a Host header node's HTTP parser refuses an HTTP/1.1 request itself (400) before any route.
  assert.equal((await ask(page('api/status'), { noHost: true })).status, 400);
  // localhost:<port> is the page's host too, and the page's own Origin may act.
  assert.equal((await ask(page('api/status'), { headers: { Host: `localhost:${server.port}` } })).status, 200);
  assert.equal((await ask(page('api/status'), { headers: { Origin: `http://localhost:${server.port}` } })).status, 200);
  assert.equal((await ask(page('api/sync'), { method: 'POST', headers: { Origin: `http://${host}` } })).status, 200);
});

test('the bare secret redirects to the page; the files are served with their types and read once', async () => {
  const bare = await ask(`/${TOKEN}`);
  assert.equal(bare.status, 308);
  assert.equal(bare.headers.location, `/${TOKEN}/`);
  assertCommonHeaders(bare, '308');
  const index = await ask(page(''));
  assert.equal(index.status, 200);
  assert.equal(index.headers['content-type'], 'text/html; charset=utf-8');
  assert.equal(index.body, '<!doctype html><title>arbor</title>\n');
  assertCommonHeaders(index, 'index');
  const css = await ask(page('style.css'));
  assert.equal(css.headers['content-type'], 'text/css; charset=utf-8');
  assert.equal(css.headers['content-length'], String(Buffer.byteLength('body { margin: 0 }\n')));
  const js = await ask(page('app.js'));
  assert.equal(js.headers['content-type'], 'text/javascript; charset=utf-8');
  assert.equal(js.body, 'export const version = 1;\n');
  // They ship with the package: a change on disk is not read again while the server runs.
  writeFileSync(join(assets, 'app.js'), 'export const version = 2;\n');
  assert.equal((await ask(page('app.js'))).body, 'export const version = 1;\n');
  const head = await ask(page('app.js'), { method: 'HEAD' });
  assert.equal(head.status, 200);
  assert.equal(head.body, '');
  assert.equal(head.headers['content-length'], String(Buffer.byteLength('export const version = 1;\n')));
});

test('the API: status, map, metrics, history; 404 and 405 otherwise', async () => {
  const status = await ask(page('api/status'));
  assert.equal(status.status, 200);
  assert.equal(status.headers['content-type'], 'application/json; charset=utf-8');
  assert.ok(status.body.endsWith('}\n'));
  assert.equal((JSON.parse(status.body) as { text: string }).text, 'line\nwith "quotes"');
  assertCommonHeaders(status, 'api/status');
  const map = await ask(page('api/map.svg'));
  assert.equal(map.headers['content-type'], 'image/svg+xml; charset=utf-8');
  assert.equal(map.body, '<svg xmlns="http://www.w3.org/2000/svg"/>');
  const metrics = await ask(page('metrics'));
  assert.equal(metrics.headers['content-type'], 'text/plain; version=0.0.4; charset=utf-8');
  assert.equal(metrics.body, 'arbor_up 1\n');
  const noPath = await ask(page('api/history'));
  assert.equal(noPath.status, 400);
  assert.match(noPath.body, /"error":"api\/history needs \?path=<file>"/);
  const history = await ask(page('api/history?path=%2Fphotos%2Fa%20b.jpg'));
  assert.equal(history.status, 200);
  assert.deepEqual(JSON.parse(history.body), { path: 'photos/a b.jpg', entries: [] });
  assert.equal(api.histories.at(-1), 'photos/a b.jpg', 'the leading slash dropped');
  const missing = await ask(page('nothing-here'));
  assert.equal(missing.status, 404);
  assert.equal(missing.body, 'not found\n');
  assertCommonHeaders(missing, '404');
  for (const method of ['POST', 'PUT', 'DELETE', 'OPTIONS']) {
    const wrong = await ask(page('api/status'), { method });
    assert.equal(wrong.status, 405, method);
    assert.equal(wrong.headers.allow, 'GET');
    assert.equal(wrong.body, 'method not allowed\n');
    assertCommonHeaders(wrong, '405');
  }
  assert.equal((await ask(page('nothing-here'), { method: 'POST' })).status, 405, 'a POST anywhere but an action');
});

test('actions only by POST, with a JSON body of at most 16 KiB; 409 when the action cannot be done', async () => {
  api.actions.length = 0;
  for (const path of ['api/sync', 'api/pause', 'api/transfers/resume', 'api/transfers/cancel']) {
    const byGet = await ask(page(path));
    assert.equal(byGet.status, 405, path);
    assert.equal(byGet.headers.allow, 'POST');
    assert.equal(byGet.body, 'actions need POST\n');
    assertCommonHeaders(byGet, 'action 405');
  }
  assert.equal((await ask(page('api/sync'), { method: 'HEAD' })).status, 405);
  assert.deepEqual(api.actions, [], 'no GET acted');
  const sync = await ask(page('api/sync'), { method: 'POST' });
  assert.equal(sync.status, 200);
  assert.equal(sync.headers['content-type'], 'application/json; charset=utf-8');
  assert.deepEqual(JSON.parse(sync.body), { ok: true, name: 'sync' });
  const pause = await ask(page('api/transfers/pause'), { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: ' {"why": "test"} ' });
  assert.deepEqual(JSON.parse(pause.body), { ok: true, name: 'pause' });
  assert.deepEqual(api.actions, [
    { name: 'sync', body: {} },
    { name: 'pause', body: { why: 'test' } },
  ]);
  const failed = await ask(page('api/transfers/cancel'), { method: 'POST', body: '{}' });
  assert.equal(failed.status, 409);
  assert.deepEqual(JSON.parse(failed.body), { error: 'cancel: the body names no key' });
  const badJson = await ask(page('api/resume'), { method: 'POST', body: '{nope' });
  assert.equal(badJson.status, 400);
  assert.equal(typeof (JSON.parse(badJson.body) as { error: unknown }).error, 'string');
  const big = await ask(page('api/resume'), { method: 'POST', body: JSON.stringify({ pad: 'x'.repeat(16 * 1024) }) });
  assert.equal(big.status, 400);
  assert.deepEqual(JSON.parse(big.body), { error: 'request body too large' });
  const bigChunked = await ask(page('api/resume'), { method: 'POST', headers: { 'Transfer-Encoding': 'chunked' }, body: JSON.stringify({ pad: 'x'.repeat(16 * 1024) }) });
  assert.equal(bigChunked.status, 400);
  assert.equal(api.ran('resume'), 0, 'neither the bad nor the large body acted');
  const exactly = await ask(page('api/resume'), { method: 'POST', body: JSON.stringify({ pad: 'x'.repeat(16 * 1024 - 10) }) });
  assert.equal(exactly.status, 200, '16 KiB is allowed');
  const chunked = await ask(page('api/resume'), { method: 'POST', headers: { 'Transfer-Encoding': 'chunked' }, body: '{"by":"chunks"}' });
  assert.equal(chunked.status, 200, 'a small chunked body is read');
  assert.deepEqual(api.actions.at(-1), { name: 'resume', body: { by: 'chunks' } });
});

test('an internal error answers 500 with the message as JSON, and is reported', async () => {
  errors.length = 0;
  api.failReport = true;
  try {
    const failed = await ask(page('api/status'));
    assert.equal(failed.status, 500);
    assert.deepEqual(JSON.parse(failed.body), { error: 'the report failed' });
    assertCommonHeaders(failed, '500');
    assert.equal(errors.length, 1);
  } finally {
    api.failReport = false;
  }
});

/** An open event stream: its response and everything it has sent so far. */
interface OpenStream {
  res: IncomingMessage;
  text(): string;
  /** Resolves once the stream's text matches. */
  until(re: RegExp): Promise<void>;
  ended: Promise<void>;
  close(): void;
}

function openStream(s: WebServer = server): Promise<OpenStream> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: s.port, path: `/${TOKEN}/events`, headers: { Host: `127.0.0.1:${s.port}` } }, (res) => {
      let text = '';
      const waiters: Array<{ re: RegExp; done: () => void }> = [];
      const ended = new Promise<void>((done) => res.on('close', done));
      res.setEncoding('utf8');
      res.on('data', (c: string) => {
        text += c;
        for (const w of [...waiters]) {
          if (w.re.test(text)) {
            waiters.splice(waiters.indexOf(w), 1);
            w.done();
          }
        }
      });
      resolve({
        res,
        text: () => text,
        until: (re) => (re.test(text) ? Promise.resolve() : new Promise<void>((done) => waiters.push({ re, done }))),
        ended,
        close: () => req.destroy(),
      });
    });
    req.on('error', (err) => (err.message === 'socket hang up' ? undefined : reject(err)));
    req.end();
  });
}

const statusEvents = (text: string): number[] => [...text.matchAll(/^event: status\ndata: (.*)\n\n/gm)].map((m) => (JSON.parse(m[1] ?? '') as { version: number }).version);

test('the event stream: retry first, then one status event per change, one report at a time, latest wins', async () => {
  api.held = [];
  api.unsubscribed = deferred<void>();
  const reportsBefore = api.reports;
  const s = await openStream();
  assert.equal(s.res.statusCode, 200);
  assert.equal(s.res.headers['content-type'], 'text/event-stream; charset=utf-8');
  assert.equal(s.res.headers['cache-control'], 'no-store');
  assert.equal(s.res.headers['x-frame-options'], 'DENY');
  assert.deepEqual(Object.keys(s.res.headers).filter((h) => h.startsWith('access-control-')), []);
  await s.until(/^retry: 2000\n\n/);
  assert.equal(api.subscribers.size, 1);
  // The first report is being made; three changes meanwhile make one more report, not three.
  const first = api.held[0];
  assert.ok(first, 'the first report started at once');
  api.changed();
  api.changed();
  api.changed();
  assert.equal(api.reports - reportsBefore, 1, 'no second report while the first is made');
  first.resolve();
  await s.until(/event: status\n/);
  // The loop asks for the one report that covers the three changes.
  await new Promise<void>((done) => {
    const check = (): void => (api.held?.length === 2 ? done() : void setImmediate(check));
    check();
  });
  api.held[1]?.resolve();
  await s.until(/event: status\n[^]*event: status\n/);
  assert.equal(api.reports - reportsBefore, 2);
  const versions = statusEvents(s.text());
  assert.equal(versions.length, 2);
  assert.ok(s.text().startsWith('retry: 2000\n\nevent: status\ndata: {'), JSON.stringify(s.text()));
  // A later change, alone, is one more event.
  api.changed();
  await new Promise<void>((done) => {
    const check = (): void => (api.held?.length === 3 ? done() : void setImmediate(check));
    check();
  });
  api.held[2]?.resolve();
  await s.until(/(event: status\n[^]*){3}/);
  assert.equal(statusEvents(s.text()).length, 3);
  // Closing the page unsubscribes.
  s.close();
  await api.unsubscribed.promise;
  assert.equal(api.subscribers.size, 0);
  api.held = undefined;
});

test('a HEAD of the event stream gets the headers alone and starts no stream', async () => {
  const reportsBefore = api.reports;
  const head = await ask(page('events'), { method: 'HEAD' });
  assert.equal(head.status, 200);
  assert.equal(head.headers['content-type'], 'text/event-stream; charset=utf-8');
  assertCommonHeaders(head, 'HEAD events');
  assert.equal(api.subscribers.size, 0);
  assert.equal(api.reports, reportsBefore);
});

test('a report that fails in the stream is reported and the stream stays open', async () => {
  errors.length = 0;
  api.unsubscribed = deferred<void>();
  api.failReport = true;
  const s = await openStream();
  await s.until(/^retry: 2000\n\n/);
  await new Promise<void>((done) => {
    const check = (): void => (errors.length > 0 ? done() : void setImmediate(check));
    check();
  });
  api.failReport = false;
  api.changed();
  await s.until(/event: status\n/);
  s.close();
  await api.unsubscribed.promise;
});

test('close() ends the open event streams and stops listening; a taken port is EADDRINUSE', async () => {
  const own = new FakeApi();
  const other = await startWebServer({ port: 0, token: TOKEN, api: own, assetsDir: assets });
  await assert.rejects(startWebServer({ port: other.port, token: TOKEN, api: own, assetsDir: assets }), (err: NodeJS.ErrnoException) => err.code === 'EADDRINUSE');
  const s = await openStream(other);
  await s.until(/event: status\n/);
  await other.close();
  await s.ended;
  await own.unsubscribed.promise;
  await assert.rejects(ask(page('api/status'), { port: other.port }), (err: NodeJS.ErrnoException) => err.code === 'ECONNREFUSED');
});

test('an idle event stream gets a keep-alive comment every 30 s on the injected clock, and its timer ends with the stream', async () => {
  const clock = new ManualClock();
  const quiet = new FakeApi();
  const s2 = await startWebServer({ port: 0, token: TOKEN, api: quiet, assetsDir: assets, clock });
  try {
    const s = await openStream(s2);
    await s.until(/event: status\n/);
    assert.equal(clock.sleeping, 1, 'one keep-alive timer for the open stream');
    assert.doesNotMatch(s.text(), /keepalive/);
    await clock.tick(29_999);
    assert.doesNotMatch(s.text(), /keepalive/, 'nothing before 30 s');
    await clock.tick(1);
    await s.until(/^: keepalive\n\n/m);
    await clock.tick(30_000);
    await s.until(/(: keepalive\n\n[^]*){2}/);
    assert.equal(statusEvents(s.text()).length, 1, 'keep-alives are comments, not reports');
    s.close();
    await quiet.unsubscribed.promise;
    await new Promise<void>((done) => {
      const check = (): void => (clock.sleeping === 0 ? done() : void setImmediate(check));
      check();
    });
  } finally {
    await s2.close();
  }
});
