// The messages of git-annex's P2P protocol (line serialization): pure parse and format, shared by the client and `git arbor serve`.

import { parseKey } from '../annex/key.js';

/**
 * One protocol message (doc/design/p2p_protocol.mdwn). Keys stay text: a message names a key,
 * its meaning is the receiver's business. DATA announces `length` raw bytes that follow the line.
 */
export type P2PMessage =
  | { readonly type: 'AUTH'; readonly uuid: string; readonly token: string }
  | { readonly type: 'AUTH-SUCCESS'; readonly uuid: string }
  | { readonly type: 'AUTH-FAILURE' }
  | { readonly type: 'VERSION'; readonly version: number }
  | { readonly type: 'CHECKPRESENT'; readonly key: string }
  | { readonly type: 'LOCKCONTENT'; readonly key: string }
  | { readonly type: 'UNLOCKCONTENT' }
  | { readonly type: 'REMOVE'; readonly key: string }
  | { readonly type: 'GET'; readonly offset: number; readonly file: string; readonly key: string }
  | { readonly type: 'PUT'; readonly file: string; readonly key: string }
  | { readonly type: 'PUT-FROM'; readonly offset: number }
  | { readonly type: 'ALREADY-HAVE' }
  | { readonly type: 'SUCCESS' }
  | { readonly type: 'FAILURE' }
  | { readonly type: 'DATA'; readonly length: number }
  | { readonly type: 'VALID' }
  | { readonly type: 'INVALID' }
  | { readonly type: 'CONNECT'; readonly service: string }
  | { readonly type: 'CONNECTDONE'; readonly code: number }
  | { readonly type: 'NOTIFYCHANGE' }
  | { readonly type: 'CHANGED'; readonly refs: readonly string[] }
  | { readonly type: 'ERROR'; readonly message: string }
  /** notifychanges' greeting (git-annex-shell notifychanges, not part of p2pstdio). */
  | { readonly type: 'READY' };

/** The message types a client sends to ask something of a server (the rest answer, or carry data). */
export const REQUEST_TYPES: ReadonlySet<P2PMessage['type']> = new Set(['VERSION', 'CHECKPRESENT', 'LOCKCONTENT', 'REMOVE', 'GET', 'PUT', 'CONNECT', 'NOTIFYCHANGE', 'ERROR']);

/** Escapes an associated file name for a protocol line (no spaces allowed; git-annex reads '%' as whitespace). */
export function protocolFileName(path: string | undefined): string {
  return (path ?? '').replace(/%/g, '%%').replace(/\s/g, '%');
}

const NUMBER = /^\d+$/;

/** A key git-annex would accept on the wire (it answers "unknown command" to anything else). */
function keyWord(word: string | undefined): string | undefined {
  return word !== undefined && parseKey(word) !== undefined ? word : undefined;
}

/**
 * Parses one line (without its newline). Undefined for a line git-annex would not parse: a
 * server answers that with `ERROR unknown command`. Extra words are refused as git-annex refuses
 * them, except for ERROR and CHANGED, which take the rest of the line.
 */
export function parseP2PMessage(line: string): P2PMessage | undefined {
  const words = line.split(' ');
  const [verb, a, b, c] = words;
  const n = words.length;
  switch (verb) {
    case 'ERROR':
      return { type: 'ERROR', message: line.slice(6) };
    case 'CHANGED':
      return { type: 'CHANGED', refs: words.slice(1).filter(Boolean) };
    case 'AUTH':
      return n === 3 && a && b ? { type: 'AUTH', uuid: a, token: b } : undefined;
    case 'AUTH-SUCCESS':
      return n === 2 && a !== undefined ? { type: 'AUTH-SUCCESS', uuid: a } : undefined;
    case 'VERSION':
      return n === 2 && a && NUMBER.test(a) ? { type: 'VERSION', version: Number(a) } : undefined;
    case 'CHECKPRESENT':
    case 'LOCKCONTENT':
    case 'REMOVE': {
      const key = n === 2 ? keyWord(a) : undefined;
      return key ? { type: verb, key } : undefined;
    }
    case 'GET': {
      const key = n === 4 ? keyWord(c) : undefined;
      return key && a && NUMBER.test(a) && b !== undefined ? { type: 'GET', offset: Number(a), file: b, key } : undefined;
    }
    case 'PUT': {
      const key = n === 3 ? keyWord(b) : undefined;
      return key && a !== undefined ? { type: 'PUT', file: a, key } : undefined;
    }
    case 'PUT-FROM':
    case 'DATA': {
      if (n !== 2 || !a || !NUMBER.test(a)) return undefined;
      return verb === 'DATA' ? { type: 'DATA', length: Number(a) } : { type: 'PUT-FROM', offset: Number(a) };
    }
    case 'CONNECT':
      return n === 2 && a ? { type: 'CONNECT', service: a } : undefined;
    case 'CONNECTDONE':
      return n === 2 && a && NUMBER.test(a) ? { type: 'CONNECTDONE', code: Number(a) } : undefined;
    case 'UNLOCKCONTENT':
    case 'ALREADY-HAVE':
    case 'SUCCESS':
    case 'FAILURE':
    case 'VALID':
    case 'INVALID':
    case 'NOTIFYCHANGE':
    case 'AUTH-FAILURE':
    case 'READY':
      // git-annex sends UNLOCKCONTENT bare, though the design doc shows a key after it.
      return n === 1 || verb === 'UNLOCKCONTENT' ? { type: verb } : undefined;
    default:
      return undefined;
  }
}

/** The line for a message, without its newline. */
export function formatP2PMessage(m: P2PMessage): string {
  switch (m.type) {
    case 'AUTH':
      return `AUTH ${m.uuid} ${m.token}`;
    case 'AUTH-SUCCESS':
      return `AUTH-SUCCESS ${m.uuid}`;
    case 'VERSION':
      return `VERSION ${m.version}`;
    case 'CHECKPRESENT':
    case 'LOCKCONTENT':
    case 'REMOVE':
      return `${m.type} ${m.key}`;
    case 'GET':
      return `GET ${m.offset} ${m.file} ${m.key}`;
    case 'PUT':
      return `PUT ${m.file} ${m.key}`;
    case 'PUT-FROM':
      return `PUT-FROM ${m.offset}`;
    case 'DATA':
      return `DATA ${m.length}`;
    case 'CONNECT':
      return `CONNECT ${m.service}`;
    case 'CONNECTDONE':
      return `CONNECTDONE ${m.code}`;
    case 'CHANGED':
      return ['CHANGED', ...m.refs].join(' ');
    case 'ERROR':
      return `ERROR ${m.message}`;
    default:
      return m.type;
  }
}
