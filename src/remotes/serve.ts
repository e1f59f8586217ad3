// `git arbor serve`: runs one git-annex-shell request (p2pstdio, configlist, notifychanges, git's pack services) for a client that came in over ssh.

import { spawn } from 'node:child_process';
import { realpath } from 'node:fs/promises';
import { homedir, userInfo } from 'node:os';
import type { Readable, Writable } from 'node:stream';
import { NotInitializedError, openAnnex, type Annex } from '../annex/annex.js';
import { openGit } from '../git/git.js';
import { parseRefListing, watchRefs, type RefWatch } from '../git/ref-watch.js';
import type { Clock } from '../util/clock.js';
import { ArborError, describeError } from '../util/errors.js';
import { formatP2PMessage } from './p2p-messages.js';
import { serveP2P } from './p2p-server.js';
import { expandRepoPath, parseCommandString, parseShellCommand, ShellCommandError, type ShellRequest } from './shell-command.js';

/** Options for runServe. */
export interface ServeOptions {
  /** The words after `serve` (without --restrict). */
  readonly words: readonly string[];
  /** --restrict: the only repository this account may reach; the command may come in SSH_ORIGINAL_COMMAND. */
  readonly restrict?: string;
  /** SSH_ORIGINAL_COMMAND, for a forced command. */
  readonly originalCommand?: string;
  readonly stdin: Readable;
  readonly stdout: Writable;
  readonly stderr: Writable;
  readonly clock: Clock;
  /** The login's home directory (paths like /~/repo). */
  readonly home?: string;
}

/** The client asked for something this server will not do; the message is the one line it is told. */
export class ServeRefusedError extends ArborError {
  constructor(message: string) {
    super('ESERVEREFUSED', message);
  }
}

/** Runs the request and returns the exit code; failures are one line on stderr, as git-annex-shell's are. */
export async function runServe(o: ServeOptions): Promise<number> {
  try {
    return await serveRequest(o, await resolveRequest(o));
  } catch (err) {
    o.stderr.write(`git-arbor serve: ${err instanceof ArborError ? err.message : describeError(err)}\n`);
    return 1;
  }
}

async function resolveRequest(o: ServeOptions): Promise<ShellRequest & { path: string }> {
  let request: ShellRequest;
  if (o.words.length === 0 && o.restrict !== undefined) {
    if (!o.originalCommand) throw new ServeRefusedError(`this account only serves ${o.restrict} to git and git-annex (no interactive login)`);
    request = parseCommandString(o.originalCommand);
  } else {
    request = parseShellCommand(o.words);
  }
  const home = o.home ?? homedir();
  const expanded = expandRepoPath(request.dir, home, (user) => (user === userInfo().username ? home : undefined));
  const path = await realpath(expanded).catch(() => {
    throw new ShellCommandError(`${request.dir} is not a repository here`);
  });
  if (o.restrict !== undefined) {
    const allowed = await realpath(o.restrict).catch(() => o.restrict);
    if (path !== allowed) throw new ServeRefusedError(`refused: this account only serves ${o.restrict}, not ${request.dir}`);
  }
  return { ...request, path };
}

async function serveRequest(o: ServeOptions, r: ShellRequest & { path: string }): Promise<number> {
  switch (r.kind) {
    case 'git':
      return runGitService(r.service, r.path);
    case 'configlist':
      return configList(o, r.path, r.autoinit);
    case 'p2pstdio': {
      const annex = await openServed(r.path, r.expectUuid, o.clock);
      let watch: RefWatch | undefined;
      try {
        await serveP2P({
          annex,
          input: o.stdin,
          output: o.stdout,
          stderr: o.stderr,
          waitRefChange: async () => {
            watch ??= await refWatch(annex, o.clock);
            return watch.next();
          },
        });
      } finally {
        watch?.close();
        await annex.close();
        // Unread input must not keep the process alive once the conversation is over.
        o.stdin.destroy();
      }
      return 0;
    }
    case 'notifychanges':
      return notifyChanges(o, r.path, r.expectUuid);
  }
}

/** The annex at `path`, checked against the uuid the client expects (git-annex-shell's messages, which clients look for). */
async function openServed(path: string, expectUuid: string | undefined, clock: Clock): Promise<Annex> {
  let annex: Annex;
  try {
    annex = await openAnnex(path, { clock });
  } catch (err) {
    if (err instanceof NotInitializedError) {
      if (expectUuid) throw new ServeRefusedError(`expected repository UUID ${expectUuid} but found uninitialized repository`);
      throw new ServeRefusedError('Not a git-annex or gcrypt repository.');
    }
    throw err;
  }
  if (expectUuid && annex.uuid !== expectUuid) {
    await annex.close();
    throw new ServeRefusedError(`expected repository UUID ${expectUuid} but found UUID ${annex.uuid}`);
  }
  return annex;
}

function runGitService(service: string, path: string): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn('git', [service, path], { stdio: 'inherit' });
    child.once('error', () => resolve(127));
    child.once('close', (code) => resolve(code ?? 1));
  });
}

/** `configlist`: the two lines git-annex-shell prints, which clients read for the uuid. */
async function configList(o: ServeOptions, path: string, autoinit: boolean): Promise<number> {
  const git = await openGit(path);
  try {
    let uuid = (await git.configGet('annex.uuid')) ?? '';
    if (!uuid && autoinit && (await git.run(['rev-parse', '--verify', '-q', 'refs/heads/git-annex']).then(() => true, () => false))) {
      const { initAnnex } = await import('../annex/init.js');
      uuid = (await initAnnex(path, { deps: { clock: o.clock } })).uuid;
    }
    const gcrypt = (await git.configGet('core.gcrypt-id')) ?? '';
    o.stdout.write(`annex.uuid=${uuid}\ncore.gcrypt-id=${gcrypt}\n`);
    return 0;
  } finally {
    await git.close();
  }
}

async function refWatch(annex: Annex, clock: Clock): Promise<RefWatch> {
  return watchRefs({
    gitDir: annex.git.repo.gitDir,
    clock,
    listRefs: async () => parseRefListing(await annex.git.run(['for-each-ref', '--format=%(objectname) %(refname)'])),
  });
}

/** `notifychanges`: READY, then one CHANGED line per burst of ref changes, until the client closes its side. */
async function notifyChanges(o: ServeOptions, path: string, expectUuid: string | undefined): Promise<number> {
  const annex = await openServed(path, expectUuid, o.clock);
  const watch = await refWatch(annex, o.clock);
  const closed = new Promise<void>((resolve) => {
    o.stdin.on('end', resolve);
    o.stdin.on('close', resolve);
    o.stdin.on('error', () => resolve());
    o.stdin.resume();
  });
  try {
    o.stdout.write(`${formatP2PMessage({ type: 'READY' })}\n`);
    let open = true;
    void closed.then(() => (open = false));
    while (open) {
      const refs = await Promise.race([watch.next(), closed.then(() => undefined)]);
      if (!refs) break;
      o.stdout.write(`${formatP2PMessage({ type: 'CHANGED', refs })}\n`);
    }
    return 0;
  } finally {
    watch.close();
    await annex.close();
  }
}
