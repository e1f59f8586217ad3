// The logger: pino writing JSON lines to a file (and, in the foreground, readable lines to stderr).

import { pino, multistream, destination, type Logger, type StreamEntry } from 'pino';
import { Writable } from 'node:stream';
import { systemClock } from './clock.js';
import { formatLocalIso, formatLocalTime } from './local-time.js';

/** What workers log through. */
export type Log = Pick<Logger, 'info' | 'warn' | 'error' | 'debug' | 'child'> & { flush?: () => void };

/** A logger that drops everything (tests that do not look at logs). */
export const silentLog: Log = pino({ level: 'silent' });

/** One readable line per record for a terminal: "HH:MM:SS level [worker] message". */
function prettyStderr(stream: NodeJS.WritableStream): Writable {
  return new Writable({
    write(chunk: Buffer, _enc, cb) {
      try {
        const rec = JSON.parse(chunk.toString('utf8')) as { time?: number | string; level?: number; msg?: string; worker?: string };
        const level = { 10: 'trace', 20: 'debug', 30: 'info', 40: 'warn', 50: 'error', 60: 'fatal' }[rec.level ?? 30] ?? 'info';
        const ms = typeof rec.time === 'string' ? Date.parse(rec.time) : (rec.time ?? 0);
        const time = formatLocalTime(ms).slice(11);
        stream.write(`${time} ${level} ${rec.worker ? `[${rec.worker}] ` : ''}${rec.msg ?? ''}\n`);
      } catch {
        stream.write(chunk);
      }
      cb();
    },
  });
}

/** A logger appending to `file`, and also to stderr (readable) when `stderr` is given. */
export function createLog(options: { file?: string; stderr?: NodeJS.WritableStream; level?: string }): Log {
  const streams: StreamEntry[] = [];
  if (options.file) streams.push({ stream: destination({ dest: options.file, append: true, mkdir: true, sync: true }) });
  if (options.stderr) streams.push({ stream: prettyStderr(options.stderr) });
  if (streams.length === 0) return silentLog;
  // Local time with its offset (not epoch milliseconds): the log file is read by people.
  return pino({ level: options.level ?? 'info', base: null, timestamp: () => `,"time":"${formatLocalIso(systemClock.now())}"` }, multistream(streams));
}
