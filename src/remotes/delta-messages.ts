// The request lines of arbor's delta extension to the P2P protocol: pure parse and format. git-annex never sends them.

import { parseKey } from '../annex/key.js';

/** The version of the delta exchange (chunk sizes, Gear table, frame layout). */
export const DELTA_VERSION = 1;

/** At most this many basis candidates are offered in one ARBOR-DPUT. */
export const MAX_CANDIDATES = 8;

/**
 * An arbor-only request. `ARBOR-DELTA v` negotiates (answered with the same line, or by
 * git-annex-shell with `ERROR unknown command`); `ARBOR-DGET key` asks for a delta of content the
 * server holds; `ARBOR-DPUT key cand...` offers one against a basis the server holds.
 */
export type DeltaRequest =
  | { readonly type: 'ARBOR-DELTA'; readonly version: number }
  | { readonly type: 'ARBOR-DGET'; readonly key: string }
  | { readonly type: 'ARBOR-DPUT'; readonly key: string; readonly candidates: readonly string[] };

/** Parses a request line; undefined for anything else (answered as git-annex-shell answers an unknown line). */
export function parseDeltaRequest(line: string): DeltaRequest | undefined {
  const [verb, ...rest] = line.split(' ');
  const keys = rest.every((w) => parseKey(w) !== undefined);
  switch (verb) {
    case 'ARBOR-DELTA':
      return rest.length === 1 && /^\d+$/.test(rest[0] ?? '') ? { type: verb, version: Number(rest[0]) } : undefined;
    case 'ARBOR-DGET':
      return rest.length === 1 && keys ? { type: verb, key: rest[0] as string } : undefined;
    case 'ARBOR-DPUT':
      return rest.length >= 2 && rest.length <= MAX_CANDIDATES + 1 && keys ? { type: verb, key: rest[0] as string, candidates: rest.slice(1) } : undefined;
    default:
      return undefined;
  }
}

/** The line for a request, without its newline. */
export function formatDeltaRequest(r: DeltaRequest): string {
  switch (r.type) {
    case 'ARBOR-DELTA':
      return `ARBOR-DELTA ${r.version}`;
    case 'ARBOR-DGET':
      return `ARBOR-DGET ${r.key}`;
    case 'ARBOR-DPUT':
      return ['ARBOR-DPUT', r.key, ...r.candidates.slice(0, MAX_CANDIDATES)].join(' ');
  }
}
