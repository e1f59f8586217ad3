// `testremote`: a self-check of one remote with a generated key, as git-annex's testremote does it (Command/TestRemote.hs).
//
// The key is made from random bytes, so it is no file's content and nothing refers to it: the
// location log is not touched, and the key is removed from the remote at the end whatever failed.
// Checks run in order and stop at the first failure (later ones depend on it): a missing key is
// absent; the key is stored (with chunking: an upload stopped after its first chunk, then resumed
// from the second); it is present; it comes back byte for byte (verified against the key); it is
// removed; it is absent again.

import { randomBytes } from 'node:crypto';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { keyFromDigest, verifyKeyContent } from '../annex/backend.js';
import type { Key } from '../annex/key.js';
import type { Remote } from '../remotes/remote.js';
import { parseChunkSetting } from '../remotes/special/special-config.js';
import { ArborError, describeError } from '../util/errors.js';
import type { ContentSession } from './session.js';

/** The outcome of one check. */
export interface RemoteCheck {
  readonly name: string;
  readonly ok: boolean;
  /** Why it failed, or a detail of a pass (the resumed chunk). */
  readonly detail?: string;
}

/** Size of the test object on an unchunked remote. */
const UNCHUNKED_TEST_BYTES = 256 * 1024;

/** Thrown from the progress callback to stop an upload after its first chunk (the interruption under test). */
class Interrupted extends ArborError {
  constructor() {
    super('EINTERRUPTED', 'upload stopped by testremote');
  }
}

/** The chunk size of a special remote (`chunk=`), or undefined. */
function chunkSizeOf(remote: Remote): number | undefined {
  try {
    return parseChunkSetting(remote.config.special?.settings.get('chunk'));
  } catch {
    return undefined;
  }
}

/** A fresh random object in `dir` and its SHA256E key. */
async function makeTestObject(dir: string, size: number): Promise<{ key: Key; path: string }> {
  const bytes = randomBytes(size);
  const digestHex = createHash('sha256').update(bytes).digest('hex');
  const key = keyFromDigest({ backend: 'SHA256E', digestHex, size, fileName: 'testremote.bin' });
  const path = join(dir, `testremote-${digestHex.slice(0, 16)}`);
  await writeFile(path, bytes, { mode: 0o600 });
  return { key, path };
}

/**
 * Runs the checks against `remote`, telling `onCheck` each result as it is known. Returns true when
 * every check passed.
 */
export async function testRemote(session: ContentSession, remote: Remote, onCheck: (check: RemoteCheck) => void): Promise<boolean> {
  const tmpDir = join(session.annex.annexDir, 'tmp');
  await mkdir(tmpDir, { recursive: true });
  const chunkSize = chunkSizeOf(remote);
  // Two and a half chunks: a resumed upload has whole chunks before and after the break, and a short last one.
  const size = chunkSize === undefined ? UNCHUNKED_TEST_BYTES : Math.floor(chunkSize * 2.5);
  const object = await makeTestObject(tmpDir, size);
  const missing = await makeTestObject(tmpDir, 1024);
  const back = join(tmpDir, `testremote-back-${randomBytes(6).toString('hex')}`);
  let allOk = true;
  const check = async (name: string, fn: () => Promise<string | undefined>): Promise<boolean> => {
    try {
      const detail = await fn();
      onCheck({ name, ok: true, ...(detail !== undefined ? { detail } : {}) });
      return true;
    } catch (err) {
      allOk = false;
      onCheck({ name, ok: false, detail: describeError(err) });
      return false;
    }
  };
  const expect = (cond: boolean, why: string): void => {
    if (!cond) throw new ArborError('ETESTREMOTE', why);
  };
  try {
    const steps: [string, () => Promise<string | undefined>][] = [
      ['connect', async () => (await remote.connect(), undefined)],
      ['checkPresent of a missing key says absent', async () => (expect(!(await remote.checkPresent(missing.key)), 'the remote claims to have a key never stored'), undefined)],
    ];
    if (chunkSize !== undefined) {
      steps.push(['store, stopped after the first chunk', async () => {
        let stopped = false;
        await remote.store(object.key, object.path, (done) => {
          if (done > chunkSize) {
            stopped = true;
            throw new Interrupted();
          }
        }).catch((err: unknown) => {
          if (!(err instanceof Interrupted)) throw err;
        });
        expect(stopped, 'the upload finished before it could be stopped');
        return undefined;
      }]);
      steps.push(['store resumes after the stored chunk', async () => {
        let first: number | undefined;
        await remote.store(object.key, object.path, (done) => void (first ??= done));
        expect(first !== undefined && first >= chunkSize, `the upload started again at byte ${first ?? 0}, not after chunk 1 (${chunkSize} bytes)`);
        return undefined;
      }]);
    } else {
      steps.push(['store', async () => (await remote.store(object.key, object.path), undefined)]);
    }
    steps.push(
      ['checkPresent says present', async () => (expect(await remote.checkPresent(object.key), 'the key is not there after storing it'), undefined)],
      ['retrieve, verified against the key', async () => {
        await remote.retrieve(object.key, back);
        expect(await verifyKeyContent(object.key, back), 'the content that came back does not match the key');
        return undefined;
      }],
      ['remove', async () => (await remote.remove(object.key), undefined)],
      ['checkPresent says absent after remove', async () => (expect(!(await remote.checkPresent(object.key)), 'the key is still there after removing it'), undefined)],
    );
    for (const [name, fn] of steps) if (!(await check(name, fn))) break;
  } finally {
    // Leave nothing behind on the remote when a check failed half-way.
    if (!allOk) await remote.remove(object.key).catch(() => undefined);
    await Promise.all([object.path, missing.path, back].map((p) => rm(p, { force: true })));
  }
  return allOk;
}
