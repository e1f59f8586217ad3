// The status page's HTTP server: 127.0.0.1 only, every request checked for the secret and the Host header, actions only by POST.
//
// Every URL starts with the secret: http://127.0.0.1:<port>/<token>/ (git-annex's webapp puts its
// secret in the URL the same way). Putting it in the path, not a query, means the page's own
// relative URLs (style.css, app.js, api/status, events) carry it without the page doing anything,
// and the EventSource, which cannot set headers, is checked like everything else. A request
// without the right secret, or with a Host that is not 127.0.0.1:<port> or localhost:<port> (a
// DNS-rebinding page names its own host), gets the same bare 403 whatever it asked for. No
// response carries CORS headers, so another origin's script cannot read any answer, and a POST
// with a foreign Origin is refused too. GET never acts.
//
// Served with hono (routing, the body limit, the server-sent events helper) on @hono/node-server's
// request listener, inside our own node:http server (listen options, timeouts and shutdown stay
// ours). The security checks are one middleware that runs before any route, so they are read in
// one place (docs/design/web.md says why these libraries).

import { createServer, type Server } from 'node:http';
import { readFile } from 'node:fs/promises';
import { timingSafeEqual } from 'node:crypto';
import { join } from 'node:path';
import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { streamSSE, type SSEStreamingApi } from 'hono/streaming';
import type { Context, MiddlewareHandler } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { getRequestListener, RequestError } from '@hono/node-server';
import { systemClock, type Clock } from '../../util/clock.js';

/** What the server serves; the worker (workers/web.ts) builds it from the assistant's context. */
export interface WebApi {
  /** The status report as JSON-able data (status-report.ts). */
  report(): Promise<unknown>;
  /** Calls `fn` whenever the report may have changed; returns the unsubscribe. */
  subscribe(fn: () => void): () => void;
  /** The network map as an SVG document (drawn once per change of what it shows). */
  map(): Promise<string>;
  /** Prometheus text exposition. */
  metrics(): Promise<string>;
  /** One file's history (top-relative path), newest first: its commits and which copies received or dropped its versions. */
  history(path: string): Promise<unknown>;
  /** Runs an action (`sync`, `pause`, `resume`, `cancel`) with the request's JSON body; returns the answer. */
  action(name: string, body: unknown): Promise<unknown>;
}

/** A running server. */
export interface WebServer {
  readonly port: number;
  /** The page's address, secret included. */
  readonly url: string;
  /** Stops listening and ends the open event streams. */
  close(): Promise<void>;
}

/** The actions, each only by POST. */
export const WEB_ACTIONS: readonly string[] = ['sync', 'pause', 'resume', 'cancel'];

/** The page's files (shipped as they are: plain ES modules and CSS, no build step), by their path under the secret. */
const ASSETS: ReadonlyMap<string, { readonly file: string; readonly type: string }> = new Map([
  ['', { file: 'index.html', type: 'text/html; charset=utf-8' }],
  ['app.js', { file: 'app.js', type: 'text/javascript; charset=utf-8' }],
  ['style.css', { file: 'style.css', type: 'text/css; charset=utf-8' }],
]);

/** Sent with every answer: no caching, no referrer (the URL holds the secret), no framing, only our own scripts. */
const COMMON_HEADERS: Readonly<Record<string, string>> = {
  'Cache-Control': 'no-store',
  'Referrer-Policy': 'no-referrer',
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
  'Content-Security-Policy': "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
};

const TEXT = 'text/plain; charset=utf-8';
const JSON_TYPE = 'application/json; charset=utf-8';
const EVENT_STREAM = 'text/event-stream; charset=utf-8';

/** How often an idle event stream gets a comment line, so proxies and browsers keep it (no work in between). */
const KEEPALIVE_MS = 30_000;
/** The largest action body read. */
const MAX_BODY = 16 * 1024;

type Body = string | Uint8Array<ArrayBuffer>;

const byteLength = (body: Body): number => (typeof body === 'string' ? Buffer.byteLength(body) : body.byteLength);

/** An answer inside a route; the security middleware adds COMMON_HEADERS to it. */
function answer(c: Context, status: ContentfulStatusCode, type: string, body: Body, extra: Record<string, string> = {}): Response {
  return c.body(body, status, { 'Content-Type': type, 'Content-Length': String(byteLength(body)), ...extra });
}

function json(c: Context, status: ContentfulStatusCode, value: unknown): Response {
  return answer(c, status, JSON_TYPE, JSON.stringify(value) + '\n');
}

/** An answer made outside any route (a refusal, an error hono did not catch), with COMMON_HEADERS of its own. */
function bare(status: number, type: string, body: string): Response {
  return new Response(body, { status, headers: { ...COMMON_HEADERS, 'Content-Type': type, 'Content-Length': String(byteLength(body)) } });
}

/** The one answer to every refused request, whatever it asked for. */
const forbidden = (): Response => bare(403, TEXT, 'forbidden\n');

const message = (err: unknown): string => (err instanceof Error ? err.message : String(err));

function sameSecret(given: string, token: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * Starts the server on 127.0.0.1:`port` (0: any free port). `assetsDir` holds index.html, app.js
 * and style.css. Rejects with the listen error (EADDRINUSE) when the port is taken.
 */
export async function startWebServer(options: { port: number; token: string; api: WebApi; assetsDir: string; onError?: (err: unknown) => void; clock?: Clock }): Promise<WebServer> {
  const { token, api } = options;
  const clock = options.clock ?? systemClock;
  /** Ends each open event stream; an entry leaves when its stream ends. */
  const streams = new Set<() => void>();
  /** The port listened on: options.port until listen() gives the real one (port 0). */
  let port = options.port;
  const hosts = (): string[] => [`127.0.0.1:${port}`, `localhost:${port}`];

  /** The page's files, read once: they ship with the package and do not change while the assistant runs. */
  const assets = new Map<string, Promise<Uint8Array<ArrayBuffer>>>();
  const assetBody = (file: string): Promise<Uint8Array<ArrayBuffer>> => {
    let body = assets.get(file);
    if (!body) {
      body = readFile(join(options.assetsDir, file)).then((b) => new Uint8Array(b));
      assets.set(file, body);
      body.catch(() => assets.delete(file));
    }
    return body;
  };

  /** An internal error: reported, and answered as JSON. */
  const failed = (err: unknown): Response => {
    options.onError?.(err);
    return bare(500, JSON_TYPE, JSON.stringify({ error: message(err) }) + '\n');
  };

  /**
   * The security checks, before any route: the Host, then the secret (constant-time), then the
   * Origin when there is one. Every answer that gets past them leaves with COMMON_HEADERS.
   */
  const secured: MiddlewareHandler = async (c, next) => {
    if (!hosts().includes(c.req.header('host') ?? '')) return forbidden();
    const [, given = ''] = c.req.path.split('/');
    if (!sameSecret(given, token)) return forbidden();
    const origin = c.req.header('origin');
    if (origin !== undefined && !hosts().some((h) => origin === `http://${h}`)) return forbidden();
    await next();
    const headers = c.res.headers;
    for (const [name, value] of Object.entries(COMMON_HEADERS)) headers.set(name, value);
  };

  /** Sends `retry`, then the report at once and after every change: one report at a time, a change during one is sent once it is done (latest wins). */
  const follow = async (stream: SSEStreamingApi): Promise<void> => {
    let stop!: () => void;
    const ended = new Promise<void>((resolve) => (stop = resolve));
    streams.add(stop);
    stream.onAbort(stop);
    const open = (): boolean => !stream.closed && !stream.aborted;
    // The library's write never throws (a closed stream swallows it); writes are sent in order.
    void stream.write('retry: 2000\n\n');
    let sending = false;
    let again = false;
    const push = async (): Promise<void> => {
      if (sending) {
        again = true;
        return;
      }
      sending = true;
      try {
        do {
          again = false;
          const data = JSON.stringify(await api.report());
          if (open()) await stream.writeSSE({ event: 'status', data });
        } while (again && open());
      } catch (err) {
        options.onError?.(err);
      } finally {
        sending = false;
      }
    };
    const unsubscribe = api.subscribe(() => void push());
    // The keep-alive sleeps on the clock (tests move it), and its sleep ends with the stream.
    const beat = new AbortController();
    const keepAlive = async (): Promise<void> => {
      for (;;) {
        await clock.sleep(KEEPALIVE_MS, beat.signal);
        if (open()) void stream.write(': keepalive\n\n');
      }
    };
    keepAlive().catch(() => undefined);
    void push();
    try {
      await ended;
    } finally {
      unsubscribe();
      beat.abort();
      streams.delete(stop);
    }
  };

  // The raw path, not decoded: the secret is compared as sent, and a route matches only its plain spelling.
  const app = new Hono({ getPath: (request) => new URL(request.url).pathname });
  app.onError((err) => failed(err));
  app.use(secured);
  app.all('/:secret', (c) => c.redirect(`/${token}/`, 308));
  const limit = bodyLimit({ maxSize: MAX_BODY, onError: (c) => json(c, 400, { error: 'request body too large' }) });
  for (const name of WEB_ACTIONS) {
    for (const path of [`/:secret/api/${name}`, `/:secret/api/transfers/${name}`]) {
      app.post(path, limit, async (c) => {
        let body: unknown;
        try {
          const text = (await c.req.text()).trim();
          body = text ? (JSON.parse(text) as unknown) : {};
        } catch (err) {
          return json(c, 400, { error: message(err) });
        }
        try {
          return json(c, 200, await api.action(name, body));
        } catch (err) {
          return json(c, 409, { error: message(err) });
        }
      });
      app.all(path, (c) => answer(c, 405, TEXT, 'actions need POST\n', { Allow: 'POST' }));
    }
  }
  // GET routes answer HEAD too (hono runs the GET route and drops the body).
  for (const [path, asset] of ASSETS) app.get(`/:secret/${path}`, async (c) => answer(c, 200, asset.type, await assetBody(asset.file)));
  app.get('/:secret/api/status', async (c) => json(c, 200, await api.report()));
  app.get('/:secret/events', (c) => {
    // A HEAD gets the headers alone: no stream is started for an answer that has no body.
    if (c.req.method === 'HEAD') return answer(c, 200, EVENT_STREAM, '');
    const res = streamSSE(c, follow);
    res.headers.set('Content-Type', EVENT_STREAM);
    return res;
  });
  app.get('/:secret/api/map.svg', async (c) => answer(c, 200, 'image/svg+xml; charset=utf-8', await api.map()));
  app.get('/:secret/metrics', async (c) => answer(c, 200, 'text/plain; version=0.0.4; charset=utf-8', await api.metrics()));
  app.get('/:secret/api/history', async (c) => {
    const file = c.req.query('path')?.replace(/^\/+/, '');
    if (!file) return json(c, 400, { error: 'api/history needs ?path=<file>' });
    return json(c, 200, await api.history(file));
  });
  // Last: any other path, or a method its route does not take.
  app.all('*', (c) =>
    c.req.method === 'GET' || c.req.method === 'HEAD' ? answer(c, 404, TEXT, 'not found\n') : answer(c, 405, TEXT, 'method not allowed\n', { Allow: 'GET' }),
  );

  const listener = getRequestListener(
    // hono's onError takes only Error objects: anything else thrown is answered here.
    (request, env) => Promise.resolve(app.fetch(request, env)).catch(failed),
    // A request the adapter cannot make a URL of (no Host over HTTP/1.0, a bad Host) is refused like any other.
    { errorHandler: (err) => (err instanceof RequestError ? forbidden() : failed(err)) },
  );
  const server: Server = createServer({ requestTimeout: 0 }, (req, res) => void listener(req, res));
  // requestTimeout 0: a request timeout would cut the event stream; an idle keep-alive socket still closes (Node's default).
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ port: options.port, host: '127.0.0.1', exclusive: true }, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  port = typeof address === 'object' && address ? address.port : options.port;
  return {
    port,
    url: `http://127.0.0.1:${port}/${token}/`,
    close: async () => {
      for (const stop of streams) stop();
      streams.clear();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
    },
  };
}
