// The line messages of git-annex's external special remote protocol (doc/design/external_special_remote_protocol.mdwn): pure parse/format.
//
// A line is a command word and a fixed number of parameters separated by single spaces; the last
// parameter takes the rest of the line (it may hold spaces, and may be empty).

/** Parameters each message from the program takes (the last one takes the rest of the line). */
const PARAMETER_COUNTS: Readonly<Record<string, number>> = {
  VERSION: 1,
  EXTENSIONS: 1,
  'UNSUPPORTED-REQUEST': 0,
  'PREPARE-SUCCESS': 0,
  'PREPARE-FAILURE': 1,
  'INITREMOTE-SUCCESS': 0,
  'INITREMOTE-FAILURE': 1,
  'TRANSFER-SUCCESS': 2,
  'TRANSFER-FAILURE': 3,
  'CHECKPRESENT-SUCCESS': 1,
  'CHECKPRESENT-FAILURE': 1,
  'CHECKPRESENT-UNKNOWN': 2,
  'REMOVE-SUCCESS': 1,
  'REMOVE-FAILURE': 2,
  COST: 1,
  AVAILABILITY: 1,
  PROGRESS: 1,
  DIRHASH: 1,
  'DIRHASH-LOWER': 1,
  SETCONFIG: 2,
  GETCONFIG: 1,
  SETCREDS: 3,
  GETCREDS: 1,
  GETUUID: 0,
  GETGITDIR: 0,
  GETGITREMOTENAME: 0,
  SETWANTED: 1,
  GETWANTED: 0,
  SETSTATE: 2,
  GETSTATE: 1,
  SETURLPRESENT: 2,
  SETURLMISSING: 2,
  SETURIPRESENT: 2,
  SETURIMISSING: 2,
  GETURLS: 2,
  DEBUG: 1,
  INFO: 1,
  ERROR: 1,
};

/** One message from the program: its command and exactly as many parameters as the command takes. */
export interface ExternalMessage {
  readonly command: string;
  readonly params: readonly string[];
}

/**
 * Parses one line from the program; undefined for a command the protocol does not have or a line
 * with too few parameters (garbage). A command with one parameter may omit it entirely when empty.
 */
export function parseExternalMessage(line: string): ExternalMessage | undefined {
  const space = line.indexOf(' ');
  const command = space === -1 ? line : line.slice(0, space);
  const count = PARAMETER_COUNTS[command];
  if (count === undefined) return undefined;
  if (count === 0) return { command, params: [] };
  const rest = space === -1 ? undefined : line.slice(space + 1);
  if (rest === undefined) return count === 1 ? { command, params: [''] } : undefined;
  const params: string[] = [];
  let remaining = rest;
  for (let i = 0; i < count - 1; i++) {
    const at = remaining.indexOf(' ');
    if (at === -1) return undefined;
    params.push(remaining.slice(0, at));
    remaining = remaining.slice(at + 1);
  }
  params.push(remaining);
  return { command, params };
}

/** Formats a message to the program: the command and its parameters joined by single spaces. */
export function formatExternalMessage(command: string, ...params: readonly string[]): string {
  for (const p of params.slice(0, -1)) if (p.includes(' ') || p.includes('\n')) throw new RangeError(`protocol parameter ${JSON.stringify(p)} may not hold a space`);
  const last = params[params.length - 1];
  if (last?.includes('\n')) throw new RangeError('protocol parameters may not hold a newline');
  return [command, ...params].join(' ');
}
