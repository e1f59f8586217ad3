// A loopback host that accepts connections and never answers (a hung NAS, a captive portal), and can be made to pass them on to a real server.
import { readdirSync, readFileSync } from 'node:fs';
import { connect, createServer, type Socket } from 'node:net';

/** A listener on 127.0.0.1. */
export interface HungHost {
  readonly port: number;
  /** Connections open right now. */
  open(): number;
  /** From now on, new connections are passed on to 127.0.0.1:`port` (the host "comes back"); undefined: hang again. */
  forwardTo(port: number | undefined): void;
  close(): Promise<void>;
}

/** Starts a host that accepts every connection and never writes a byte (until forwardTo). */
export async function startHungHost(): Promise<HungHost> {
  const sockets = new Set<Socket>();
  let target: number | undefined;
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    if (target === undefined) {
      socket.resume(); // accepted, read (so the client's close is seen), never answered
      return;
    }
    const upstream = connect(target, '127.0.0.1');
    upstream.on('error', () => socket.destroy());
    socket.pipe(upstream).pipe(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : 0;
  server.unref();
  return {
    port,
    open: () => sockets.size,
    forwardTo: (p) => void (target = p),
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/** Processes whose command line names `port` as an ssh port (`-p <port>`): leftovers of a hung connection. */
export function sshProcessesFor(port: number): string[] {
  const found: string[] = [];
  for (const e of readdirSync('/proc')) {
    if (!/^\d+$/.test(e)) continue;
    let argv: string[];
    try {
      argv = readFileSync(`/proc/${e}/cmdline`, 'utf8').split('\0');
      const state = readFileSync(`/proc/${e}/stat`, 'utf8');
      if (state.slice(state.lastIndexOf(')') + 2)[0] === 'Z') continue; // exited, waiting to be reaped
    } catch {
      continue;
    }
    const p = argv.indexOf('-p');
    if (p >= 0 && argv[p + 1] === String(port)) found.push(`${e}: ${argv.join(' ')}`);
  }
  return found;
}
