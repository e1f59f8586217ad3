// The gpg program as encryption=shared uses it: random bytes for a new cipher, and symmetric encryption of one file.
//
// The parameters are the ones git-annex passes (Utility/Gpg.hs): `--quiet --trust-model always`,
// `--symmetric --force-mdc --no-textmode` to encrypt, `--decrypt` to decrypt, the passphrase on a
// file descriptor (stdin here: the content goes by file name, so stdin is free), never in argv.
// `--no-symkey-cache` keeps gpg-agent from remembering the passphrase after the run. Each run is
// bounded (util/bounded-run.ts): gpg reports progress on its status fd, so a run that stops making
// progress is ended.

import type { Clock } from '../../util/clock.js';
import { runBounded, type BoundedResult } from '../../util/bounded-run.js';
import { ArborError } from '../../util/errors.js';
import type { Progress } from '../remote.js';

/** A gpg run failed; the message is gpg's own first error line (gpg never prints the passphrase). */
export class GpgError extends ArborError {
  /** gpg's `[GNUPG:] …` status lines (with `--status-fd 2`), for telling failures apart. */
  readonly statusLines: readonly string[];

  constructor(message: string, data: { readonly code: number }, statusLines: readonly string[] = []) {
    super('EGPG', message, { data });
    this.name = 'GpgError';
    this.statusLines = statusLines;
  }
}

/** How gpg is run. */
export interface GpgOptions {
  readonly clock: Clock;
  /** The program (default `gpg`). */
  readonly program?: string;
  /** End a run when gpg reports nothing for this long (ms). */
  readonly stallMs?: number;
  /** The user's options when encrypting content (remote.<name>.annex-gnupg-options), before arbor's own. */
  readonly encryptOptions?: readonly string[];
  /** The user's options when decrypting content (remote.<name>.annex-gnupg-decrypt-options). */
  readonly decryptOptions?: readonly string[];
}

/** A gnupg-options value split on whitespace, as git-annex splits it. */
export function gpgOptionWords(value: string | undefined): string[] {
  return (value ?? '').split(/\s+/).filter(Boolean);
}

const DEFAULT_STALL_MS = 120_000;
const COMMON_ARGS = ['--quiet', '--trust-model', 'always', '--batch', '--no-tty'];
/** Runs that get their passphrase from us: gpg itself reads it, gpg-agent never asks anyone. */
const LOOPBACK_ARGS = [...COMMON_ARGS, '--pinentry-mode', 'loopback'];

/** How a run may use the user's secret keys. */
export interface GpgRunOptions {
  readonly progress?: Progress;
  /**
   * The run uses a secret key: gpg-agent may ask for its passphrase with the user's pinentry (as
   * when git-annex runs gpg), so there is no loopback and no stall watch (a person may be typing).
   */
  readonly secretKey?: boolean;
}

/** The first line of gpg's stderr that is not a status line, for a one-line error. */
function gpgComplaint(result: BoundedResult): string {
  const lines = result.stderr.split('\n').map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('[GNUPG:]'));
  // Informational lines come first (`encrypted with … key, ID …` and the key's quoted user id).
  const first = lines.find((l) => l.startsWith('gpg: ') && !/^gpg: (AES|encrypted with|public key is)/.test(l)) ?? lines[0];
  if (result.limit) return `gpg ${result.limit === 'stalled' ? 'stopped making progress' : result.limit === 'timeout' ? 'took too long' : 'was stopped'}`;
  return first ?? `gpg exited with code ${result.code}`;
}

/** Reports gpg's `[GNUPG:] PROGRESS <what> ? <done> <total> <unit>` status lines as bytes. */
function progressReader(progress: Progress | undefined): (chunk: Buffer, stream: 'stdout' | 'stderr') => void {
  let rest = '';
  return (chunk, stream) => {
    if (stream !== 'stderr' || !progress) return;
    const text = rest + chunk.toString('utf8');
    const lines = text.split('\n');
    rest = lines.pop() ?? '';
    for (const line of lines) {
      const m = /^\[GNUPG:\] PROGRESS \S+ \S+ (\d+) (\d+) (KiB|MiB|B)?/.exec(line);
      if (!m) continue;
      const unit = m[3] === 'MiB' ? 1 << 20 : m[3] === 'KiB' ? 1024 : 1;
      progress(Number(m[1]) * unit, Number(m[2]) * unit);
    }
  };
}

/** One gpg run with arbor's fixed parameters; a failure is a GpgError carrying gpg's own complaint. */
export async function runGpg(o: GpgOptions, args: readonly string[], input: Buffer, run: GpgRunOptions = {}): Promise<BoundedResult> {
  const result = await runBounded(o.program ?? 'gpg', [...(run.secretKey ? COMMON_ARGS : LOOPBACK_ARGS), ...args], {
    clock: o.clock,
    input,
    stallMs: run.secretKey ? 0 : (o.stallMs ?? DEFAULT_STALL_MS),
    timeoutMs: 0,
    onOutput: progressReader(run.progress),
  });
  if (result.code !== 0 || result.limit) {
    const status = result.stderr.split('\n').filter((l) => l.startsWith('[GNUPG:] '));
    throw new GpgError(gpgComplaint(result), { code: result.code }, status);
  }
  return result;
}

/**
 * `bytes` random bytes from gpg, as the base64 text (one line and a newline) that git-annex's
 * cipher is made of.
 */
export async function gpgRandom(o: GpgOptions, bytes: number): Promise<Buffer> {
  const result = await runGpg(o, ['--gen-random', '--armor', '2', String(bytes)], Buffer.alloc(0));
  return result.stdout;
}

/** Encrypts the file `input` to the new file `output` with `passphrase`, as git-annex's shared encryption does. */
export async function gpgEncryptFile(o: GpgOptions, f: { input: string; output: string; passphrase: Buffer; progress?: Progress }): Promise<void> {
  const args = [...(o.encryptOptions ?? []), '--no-symkey-cache', '--passphrase-fd', '0', '--status-fd', '2', '--enable-progress-filter', '--symmetric', '--force-mdc', '--no-textmode', '--yes', '--output', f.output, f.input];
  await runGpg(o, args, f.passphrase, f.progress ? { progress: f.progress } : {});
}

/** Decrypts the file `input` to the new file `output` with `passphrase`; a corrupt or foreign input fails with GpgError. */
export async function gpgDecryptFile(o: GpgOptions, f: { input: string; output: string; passphrase: Buffer; progress?: Progress }): Promise<void> {
  const args = [...(o.decryptOptions ?? []), '--no-symkey-cache', '--passphrase-fd', '0', '--status-fd', '2', '--enable-progress-filter', '--yes', '--output', f.output, '--decrypt', f.input];
  await runGpg(o, args, f.passphrase, f.progress ? { progress: f.progress } : {});
}
