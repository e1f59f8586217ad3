// The pkt-line framing of git's protocols (gitprotocol-common(5)): a 4-hex-digit length, then the payload.
import { once } from 'node:events';
import { PktLineError } from './errors.js';

/** The largest payload one pkt-line may carry (65520 bytes in all, minus the 4 length digits). */
export const MAX_PKT_PAYLOAD = 65516;

/** The flush packet `0000`, which ends a list or a stream of content. */
export const FLUSH_PKT: Buffer = Buffer.from('0000', 'ascii');

/** Frames one payload of at most MAX_PKT_PAYLOAD bytes as a pkt-line. */
export function encodePktLine(payload: Uint8Array | string): Buffer {
  const body = typeof payload === 'string' ? Buffer.from(payload, 'utf8') : payload;
  if (body.length > MAX_PKT_PAYLOAD) throw new PktLineError(`pkt-line payload of ${body.length} bytes exceeds ${MAX_PKT_PAYLOAD}`);
  const header = Buffer.from((body.length + 4).toString(16).padStart(4, '0'), 'ascii');
  return Buffer.concat([header, body]);
}

/** A text pkt-line: the line with its terminating LF, as git's packet_write_fmt sends it. */
export function encodePktText(line: string): Buffer {
  return encodePktLine(`${line}\n`);
}

/**
 * Decodes every packet of a complete buffer (for tests and small messages): payloads as Buffers,
 * flush packets as 'flush'. Throws PktLineError when the buffer ends inside a packet.
 */
export function decodePktLines(data: Uint8Array): Array<Buffer | 'flush'> {
  const buf = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  const out: Array<Buffer | 'flush'> = [];
  let pos = 0;
  while (pos < buf.length) {
    if (pos + 4 > buf.length) throw new PktLineError('pkt-line stream ends inside a length header');
    const len = parseLength(buf.subarray(pos, pos + 4));
    if (len === 0) {
      out.push('flush');
      pos += 4;
      continue;
    }
    if (pos + len > buf.length) throw new PktLineError('pkt-line stream ends inside a packet');
    out.push(buf.subarray(pos + 4, pos + len));
    pos += len;
  }
  return out;
}

/** The packet length of a 4-byte header: 0 for flush, else 5..65520. Delimiter packets are not used by the protocols we speak. */
function parseLength(header: Buffer): number {
  const text = header.toString('ascii');
  if (!/^[0-9a-f]{4}$/i.test(text)) throw new PktLineError(`bad pkt-line length ${JSON.stringify(text)}`);
  const len = parseInt(text, 16);
  if (len === 0) return 0;
  if (len < 4) throw new PktLineError(`unexpected special pkt-line ${text}`);
  if (len > MAX_PKT_PAYLOAD + 4) throw new PktLineError(`pkt-line length ${len} exceeds ${MAX_PKT_PAYLOAD + 4}`);
  return len;
}

/** Reads pkt-lines from a stream on demand; only as much of the stream is read as asked for. */
export class PktLineReader {
  readonly #source: AsyncIterator<string | Buffer>;
  /** Received bytes not yet returned, oldest first; #offset bytes of the first are already consumed. */
  readonly #chunks: Buffer[] = [];
  #offset = 0;
  #available = 0;
  #ended = false;

  constructor(input: NodeJS.ReadableStream) {
    this.#source = input[Symbol.asyncIterator]();
  }

  /**
   * The next packet's payload, 'flush' for a flush packet, or undefined at the end of the stream.
   * Throws PktLineError for a malformed stream or one that ends inside a packet.
   */
  async readPacket(): Promise<Buffer | 'flush' | undefined> {
    if (!(await this.#fill(4))) {
      if (this.#available === 0) return undefined;
      throw new PktLineError('pkt-line stream ends inside a length header');
    }
    const len = parseLength(this.#take(4));
    if (len === 0) return 'flush';
    if (!(await this.#fill(len - 4))) throw new PktLineError('pkt-line stream ends inside a packet');
    return this.#take(len - 4);
  }

  /** The next packet as text without its trailing LF; 'flush' and undefined as readPacket. */
  async readText(): Promise<string | 'flush' | undefined> {
    const p = await this.readPacket();
    if (p === undefined || p === 'flush') return p;
    const s = p.toString('utf8');
    return s.endsWith('\n') ? s.slice(0, -1) : s;
  }

  /** Text packets up to the next flush; undefined when the stream ends before the first packet. */
  async readTextList(): Promise<string[] | undefined> {
    const lines: string[] = [];
    for (;;) {
      const t = await this.readText();
      if (t === 'flush') return lines;
      if (t === undefined) {
        if (lines.length === 0) return undefined;
        throw new PktLineError('pkt-line stream ends before a flush packet');
      }
      lines.push(t);
    }
  }

  /** Waits until n bytes are buffered; false if the stream ended first. */
  async #fill(n: number): Promise<boolean> {
    while (this.#available < n) {
      if (this.#ended) return false;
      const r = await this.#source.next();
      if (r.done === true) {
        this.#ended = true;
        return false;
      }
      const chunk = typeof r.value === 'string' ? Buffer.from(r.value, 'utf8') : r.value;
      this.#chunks.push(chunk);
      this.#available += chunk.length;
    }
    return true;
  }

  /** Removes n buffered bytes; zero-copy when they lie within one chunk. */
  #take(n: number): Buffer {
    this.#available -= n;
    const first = this.#chunks[0];
    if (first !== undefined && first.length - this.#offset >= n) {
      const out = first.subarray(this.#offset, this.#offset + n);
      this.#offset += n;
      if (this.#offset === first.length) {
        this.#chunks.shift();
        this.#offset = 0;
      }
      return out;
    }
    const out = Buffer.allocUnsafe(n);
    let filled = 0;
    while (filled < n) {
      const c = this.#chunks[0] as Buffer;
      const k = Math.min(n - filled, c.length - this.#offset);
      c.copy(out, filled, this.#offset, this.#offset + k);
      filled += k;
      this.#offset += k;
      if (this.#offset === c.length) {
        this.#chunks.shift();
        this.#offset = 0;
      }
    }
    return out;
  }
}

/** Writes pkt-lines to a stream, waiting for 'drain' when it is full so memory stays bounded. */
export class PktLineWriter {
  readonly #output: NodeJS.WritableStream;
  /** The first error the stream reported (EPIPE when git went away); every later write throws it. */
  #error: Error | undefined;

  constructor(output: NodeJS.WritableStream) {
    this.#output = output;
    output.on('error', (e: Error) => {
      this.#error ??= e;
    });
  }

  /** Writes one packet with this payload (at most MAX_PKT_PAYLOAD bytes). */
  packet(payload: Uint8Array | string): Promise<void> {
    return this.#write(encodePktLine(payload));
  }

  /** Writes one text packet (the line plus LF). */
  text(line: string): Promise<void> {
    return this.#write(encodePktText(line));
  }

  /** Writes a flush packet. */
  flush(): Promise<void> {
    return this.#write(FLUSH_PKT);
  }

  /** Writes bytes of any length as as many full-size packets as needed (none for empty data). */
  async data(bytes: Uint8Array): Promise<void> {
    for (let pos = 0; pos < bytes.length; pos += MAX_PKT_PAYLOAD) {
      await this.#write(encodePktLine(bytes.subarray(pos, pos + MAX_PKT_PAYLOAD)));
    }
  }

  async #write(buf: Buffer): Promise<void> {
    if (this.#error !== undefined) throw this.#error;
    if (this.#output.write(buf)) return;
    // events.once rejects when the stream emits 'error' while we wait, and removes its listeners.
    await once(this.#output, 'drain');
  }
}
