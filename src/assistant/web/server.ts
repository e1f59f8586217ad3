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

import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { readFile } from 'node:fs/promises';
import { timingSafeEqual } from 'node:crypto';
import { join } from 'node:path';

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

/** The page's files (shipped as they are: plain ES modules and CSS, no build step). */
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

/** How often an idle event stream gets a comment line, so proxies and browsers keep it (no work in between). */
const KEEPALIVE_MS = 30_000;
/** The largest action body read. */
const MAX_BODY = 16 * 1024;

function send(res: ServerResponse, code: number, type: string, body: string | Buffer, extra: Record<string, string> = {}): void {
  res.writeHead(code, { ...COMMON_HEADERS, 'Content-Type': type, 'Content-Length': String(Buffer.byteLength(body)), ...extra });
  res.end(body);
}

function forbidden(res: ServerResponse): void {
  send(res, 403, 'text/plain; charset=utf-8', 'forbidden\n');
}

function json(res: ServerResponse, code: number, value: unknown): void {
  send(res, code, 'application/json; charset=utf-8', JSON.stringify(value) + '\n');
}

function sameSecret(given: string, token: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

async function readBody(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY) throw new Error('request body too large');
    chunks.push(chunk);
  }
  const text = Buffer.concat(chunks).toString('utf8').trim();
  return text ? (JSON.parse(text) as unknown) : {};
}

/**
 * Starts the server on 127.0.0.1:`port` (0: any free port). `assetsDir` holds index.html, app.js
 * and style.css. Rejects with the listen error (EADDRINUSE) when the port is taken.
 */
export async function startWebServer(options: { port: number; token: string; api: WebApi; assetsDir: string; onError?: (err: unknown) => void }): Promise<WebServer> {
  const { token, api } = options;
  const streams = new Set<ServerResponse>();
  let port = options.port;
  const hosts = (): string[] => [`127.0.0.1:${port}`, `localhost:${port}`];

  /** The page's files, read once: they ship with the package and do not change while the assistant runs. */
  const assets = new Map<string, Promise<Buffer>>();
  const assetBody = (file: string): Promise<Buffer> => {
    let body = assets.get(file);
    if (!body) {
      body = readFile(join(options.assetsDir, file));
      assets.set(file, body);
      body.catch(() => assets.delete(file));
    }
    return body;
  };

  const stream = (res: ServerResponse): void => {
    res.writeHead(200, { ...COMMON_HEADERS, 'Content-Type': 'text/event-stream; charset=utf-8', Connection: 'keep-alive' });
    res.write('retry: 2000\n\n');
    streams.add(res);
    // One report at a time per stream; a change during one is sent once it is done (latest wins).
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
          if (!res.writableEnded) res.write(`event: status\ndata: ${data}\n\n`);
        } while (again && !res.writableEnded);
      } catch (err) {
        options.onError?.(err);
      } finally {
        sending = false;
      }
    };
    const unsubscribe = api.subscribe(() => void push());
    const keepalive = setInterval(() => void (res.writableEnded || res.write(': keepalive\n\n')), KEEPALIVE_MS);
    keepalive.unref();
    const end = (): void => {
      unsubscribe();
      clearInterval(keepalive);
      streams.delete(res);
    };
    // The response's close, not the request's: a GET's request closes as soon as it is read.
    res.on('close', end);
    void push();
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    if (!hosts().includes(req.headers.host ?? '')) return forbidden(res);
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const [, given = '', ...rest] = url.pathname.split('/');
    if (!sameSecret(given, token)) return forbidden(res);
    const origin = req.headers.origin;
    if (origin !== undefined && !hosts().some((h) => origin === `http://${h}`)) return forbidden(res);
    if (rest.length === 0) {
      res.writeHead(308, { ...COMMON_HEADERS, Location: `/${token}/` });
      return void res.end();
    }
    const path = rest.join('/');
    const method = req.method ?? 'GET';
    if (path.startsWith('api/') && WEB_ACTIONS.includes(path.slice(4).replace(/^transfers\//, ''))) {
      if (method !== 'POST') return send(res, 405, 'text/plain; charset=utf-8', 'actions need POST\n', { Allow: 'POST' });
      let body: unknown;
      try {
        body = await readBody(req);
      } catch (err) {
        return json(res, 400, { error: err instanceof Error ? err.message : String(err) });
      }
      try {
        return json(res, 200, await api.action(path.slice(4).replace(/^transfers\//, ''), body));
      } catch (err) {
        return json(res, 409, { error: err instanceof Error ? err.message : String(err) });
      }
    }
    if (method !== 'GET' && method !== 'HEAD') return send(res, 405, 'text/plain; charset=utf-8', 'method not allowed\n', { Allow: 'GET' });
    const asset = ASSETS.get(path);
    if (asset) return send(res, 200, asset.type, await assetBody(asset.file));
    if (path === 'api/status') return json(res, 200, await api.report());
    if (path === 'events') return stream(res);
    if (path === 'api/map.svg') return send(res, 200, 'image/svg+xml; charset=utf-8', await api.map());
    if (path === 'metrics') return send(res, 200, 'text/plain; version=0.0.4; charset=utf-8', await api.metrics());
    if (path === 'api/history') {
      const file = url.searchParams.get('path')?.replace(/^\/+/, '');
      if (!file) return json(res, 400, { error: 'api/history needs ?path=<file>' });
      return json(res, 200, await api.history(file));
    }
    return send(res, 404, 'text/plain; charset=utf-8', 'not found\n');
  };

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      options.onError?.(err);
      if (!res.headersSent) json(res, 500, { error: err instanceof Error ? err.message : String(err) });
      else res.end();
    });
  });
  // Request timeouts would cut the event stream; an idle keep-alive socket still closes (Node's default).
  server.requestTimeout = 0;
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
      for (const res of streams) res.end();
      streams.clear();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
    },
  };
}
