// Branch log formats against the real git-annex: same bytes for the same change, and each side reads the other's files.
import '../helpers/env.js';
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { join } from 'node:path';
import { needsGitAnnex } from '../helpers/git-annex.js';
import { ok, run } from '../helpers/run.js';
import { tempDir } from '../helpers/tmp.js';
import { parseVectorClock } from '../../src/annex/vector-clock.js';
import type { VectorClock } from '../../src/annex/vector-clock.js';
import { changePresence, currentlyPresent, formatPresenceLog, parsePresenceLog } from '../../src/annex/logs/presence.js';
import { parseUuidLog, setUuidLogValue } from '../../src/annex/logs/uuid-based.js';
import { parseSingleValueLog, setSingleValueLog } from '../../src/annex/logs/single-value.js';
import { setMapLogValue } from '../../src/annex/logs/map-log.js';
import { formatRemoteConfig } from '../../src/annex/logs/remote-config.js';
import { unionMergeContent } from '../../src/annex/logs/union-merge.js';
import { CONFIG_LOG, GROUP_LOG, GROUP_PREFERRED_CONTENT_LOG, NUMCOPIES_LOG, PREFERRED_CONTENT_LOG, REMOTE_LOG, TRUST_LOG, UUID_LOG } from '../../src/annex/logs/paths.js';

/** A UUID that only exists in logs arbor writes. */
const OTHER = '0a0a0a0a-0000-4000-8000-00000000000a';

const clock = (text: string): VectorClock => parseVectorClock(text) as VectorClock;

/** A fresh git-annex repository with one annexed file. */
async function makeRepo(description: string): Promise<{ dir: string; uuid: string; key: string; locationLog: string }> {
  const dir = join(tempDir('arbor-logs-'), 'repo');
  await ok('git', ['init', '-q', dir]);
  await ok('git', ['annex', 'init', '-q', description], { cwd: dir });
  await ok('sh', ['-c', 'printf "hello arbor\\n" > file.txt'], { cwd: dir });
  await ok('git', ['annex', 'add', '-q', 'file.txt'], { cwd: dir });
  await ok('git', ['commit', '-qm', 'add'], { cwd: dir });
  const uuid = (await ok('git', ['config', 'annex.uuid'], { cwd: dir })).trim();
  const key = (await ok('git', ['annex', 'lookupkey', 'file.txt'], { cwd: dir })).trim();
  const locationLog = (await ok('git', ['annex', 'examinekey', '--format=${hashdirlower}${key}.log', key], { cwd: dir })).trim();
  return { dir, uuid, key, locationLog };
}

/** A file of a branch, or '' when it does not exist there. */
async function readBranchFile(dir: string, path: string, ref = 'refs/heads/git-annex'): Promise<string> {
  const r = await run('git', ['cat-file', 'blob', `${ref}:${path}`], { cwd: dir });
  return r.code === 0 ? r.stdout : '';
}

/** Commits files onto `parent` with git plumbing (never through git-annex) and points `ref` at the commit. */
async function commitBranchFiles(dir: string, files: Record<string, string>, opts: { parent?: string; ref?: string } = {}): Promise<string> {
  const ref = opts.ref ?? 'refs/heads/git-annex';
  const parent = opts.parent ?? (await ok('git', ['rev-parse', 'refs/heads/git-annex'], { cwd: dir })).trim();
  const env = { GIT_INDEX_FILE: join(tempDir('arbor-index-'), 'index') };
  await ok('git', ['read-tree', parent], { cwd: dir, env });
  for (const [path, content] of Object.entries(files)) {
    const sha = (await ok('git', ['hash-object', '-w', '--stdin'], { cwd: dir, input: content })).trim();
    await ok('git', ['update-index', '--add', '--cacheinfo', `100644,${sha},${path}`], { cwd: dir, env });
  }
  const tree = (await ok('git', ['write-tree'], { cwd: dir, env })).trim();
  const commit = (await ok('git', ['commit-tree', tree, '-p', parent, '-m', 'arbor test'], { cwd: dir })).trim();
  await ok('git', ['update-ref', ref, commit], { cwd: dir });
  return commit;
}

/** Runs git-annex with its clock fixed to `at`. */
function annexAt(dir: string, at: string, args: readonly string[]): Promise<string> {
  return ok('git', ['annex', ...args], { cwd: dir, env: { GIT_ANNEX_VECTOR_CLOCK: at } });
}

test('git-annex and arbor write the same bytes for the same change at the same clock', needsGitAnnex, async () => {
  const repo = await makeRepo('first description');
  const { dir, uuid } = repo;
  // Each step: what git-annex runs, the file it changes, and arbor's writer for the same change.
  // Clocks before the existing ones exercise the +1 s skew rule on both sides.
  const steps: { at: string; args: string[]; file: string; arbor: (before: string, now: VectorClock) => string }[] = [
    { at: '1900000000', args: ['describe', 'here', 'desc with spaces & stuff'], file: UUID_LOG, arbor: (t, now) => setUuidLogValue(t, { uuid, value: 'desc with spaces & stuff', now }) },
    { at: '1000000000.5', args: ['describe', 'here', 'skewed'], file: UUID_LOG, arbor: (t, now) => setUuidLogValue(t, { uuid, value: 'skewed', now }) },
    { at: '1900000000.120000000', args: ['trust', '--force', 'here'], file: TRUST_LOG, arbor: (t, now) => setUuidLogValue(t, { uuid, value: '1', now }) },
    { at: '1900000005', args: ['group', 'here', 'client'], file: GROUP_LOG, arbor: (t, now) => setUuidLogValue(t, { uuid, value: 'client', now }) },
    { at: '1900000006', args: ['group', 'here', 'archive'], file: GROUP_LOG, arbor: (t, now) => setUuidLogValue(t, { uuid, value: 'archive client', now }) },
    { at: '1900000007', args: ['wanted', 'here', 'include=*.jpg and exclude=tmp/*'], file: PREFERRED_CONTENT_LOG, arbor: (t, now) => setUuidLogValue(t, { uuid, value: 'include=*.jpg and exclude=tmp/*', now }) },
    { at: '1900000008', args: ['groupwanted', 'client', 'include=*'], file: GROUP_PREFERRED_CONTENT_LOG, arbor: (t, now) => setMapLogValue(t, { field: 'client', value: 'include=*', now }) },
    { at: '1900000009', args: ['config', '--set', 'annex.autocommit', 'false'], file: CONFIG_LOG, arbor: (t, now) => setMapLogValue(t, { field: 'annex.autocommit', value: 'false', now }) },
    { at: '1900000010.000000001', args: ['numcopies', '3'], file: NUMCOPIES_LOG, arbor: (t, now) => setSingleValueLog(t, { value: '3', now }) },
    { at: '1800000000', args: ['numcopies', '2'], file: NUMCOPIES_LOG, arbor: (t, now) => setSingleValueLog(t, { value: '2', now }) },
  ];
  for (const step of steps) {
    const before = await readBranchFile(dir, step.file);
    await annexAt(dir, step.at, step.args);
    const after = await readBranchFile(dir, step.file);
    assert.equal(after, step.arbor(before, clock(step.at)), `${step.args.join(' ')} -> ${step.file}`);
  }

  // Location log: setpresentkey leaves its change in the journal; `git annex merge` commits it.
  const presence = async (at: string, who: string, status: '1' | '0'): Promise<void> => {
    const before = await readBranchFile(dir, repo.locationLog);
    await annexAt(dir, at, ['setpresentkey', repo.key, who, status]);
    await ok('git', ['annex', 'merge', '-q'], { cwd: dir });
    const after = await readBranchFile(dir, repo.locationLog);
    const ours = changePresence(parsePresenceLog(before), { info: who, status, now: clock(at) });
    assert.equal(after, ours === undefined ? before : formatPresenceLog(ours), `setpresentkey ${who} ${status} at ${at}`);
  };
  await presence('1900000000', OTHER, '1'); // new UUID sorting before ours
  await presence('1900000001', OTHER, '1'); // same status: git-annex writes nothing
  await presence('1000000000', uuid, '0'); // clock behind our line: +1 s
  await presence('1900000002.25', uuid, '1');
});

test('git-annex reads the logs arbor writes', needsGitAnnex, async () => {
  const repo = await makeRepo('reader');
  const { dir, uuid } = repo;
  const now = clock('1900000000.5');
  const read = (path: string): Promise<string> => readBranchFile(dir, path);
  let uuidLog = setUuidLogValue(await read(UUID_LOG), { uuid: OTHER, value: 'arbor wrote this & that', now });
  uuidLog = setUuidLogValue(uuidLog, { uuid: 'ab000000-0000-4000-8000-0000000000ab', value: 'arbor rsync', now });
  let trustLog = setUuidLogValue(await read(TRUST_LOG), { uuid: OTHER, value: '0', now });
  trustLog = setUuidLogValue(trustLog, { uuid, value: '1', now });
  const location = changePresence(parsePresenceLog(await read(repo.locationLog)), { info: OTHER, status: '1', now });
  assert.ok(location !== undefined);
  const rsyncurl = '/tmp/arbor dir&co\tx';
  const remoteConfig = formatRemoteConfig(new Map([['type', 'rsync'], ['name', 'arborrs'], ['encryption', 'none'], ['rsyncurl', rsyncurl]]));
  await commitBranchFiles(dir, {
    [UUID_LOG]: uuidLog,
    [TRUST_LOG]: trustLog,
    [NUMCOPIES_LOG]: setSingleValueLog(await read(NUMCOPIES_LOG), { value: '4', now }),
    [GROUP_LOG]: setUuidLogValue(await read(GROUP_LOG), { uuid, value: 'client archive', now }),
    [PREFERRED_CONTENT_LOG]: setUuidLogValue(await read(PREFERRED_CONTENT_LOG), { uuid, value: 'standard', now }),
    [CONFIG_LOG]: setMapLogValue(await read(CONFIG_LOG), { field: 'annex.autocommit', value: 'false', now }),
    [REMOTE_LOG]: setUuidLogValue(await read(REMOTE_LOG), { uuid: 'ab000000-0000-4000-8000-0000000000ab', value: remoteConfig, now }),
    [repo.locationLog]: formatPresenceLog(location),
  });

  type Repo = { uuid: string; description: string };
  const info = JSON.parse(await ok('git', ['annex', 'info', '--fast', '--json'], { cwd: dir })) as Record<string, Repo[]>;
  assert.ok(info['untrusted repositories']?.some((r) => r.uuid === OTHER && r.description === 'arbor wrote this & that'));
  assert.ok(info['trusted repositories']?.some((r) => r.uuid === uuid));
  assert.equal((await ok('git', ['annex', 'numcopies'], { cwd: dir })).trim(), '4');
  assert.equal((await ok('git', ['annex', 'group', 'here'], { cwd: dir })).trim(), 'archive client');
  assert.equal((await ok('git', ['annex', 'wanted', 'here'], { cwd: dir })).trim(), 'standard');
  assert.equal((await ok('git', ['annex', 'config', '--get', 'annex.autocommit'], { cwd: dir })).trim(), 'false');

  const whereis = JSON.parse(await ok('git', ['annex', 'whereis', '--json', '--key', repo.key], { cwd: dir })) as Record<string, Repo[]>;
  const listed = [...(whereis.whereis ?? []), ...(whereis.untrusted ?? [])].map((r) => r.uuid).sort();
  assert.deepEqual(listed, currentlyPresent(location));
  assert.deepEqual(listed, [OTHER, uuid].sort());

  await ok('git', ['annex', 'enableremote', 'arborrs'], { cwd: dir });
  const remote = JSON.parse(await ok('git', ['annex', 'info', '--fast', '--json', 'arborrs'], { cwd: dir })) as Record<string, string>;
  assert.equal(remote.type, 'rsync');
  assert.equal(remote.url, rsyncurl);
  assert.match(remote.description ?? '', /^arbor rsync/);
});

test('newest-wins and tie rules match git-annex when reading', needsGitAnnex, async () => {
  const repo = await makeRepo('ties');
  const { dir } = repo;
  const cases = [
    // Location log, equal clocks: the earlier line wins.
    { location: `1900000000s 1 ${OTHER}\n1900000000s 0 ${OTHER}\n`, present: true },
    { location: `1900000000s 0 ${OTHER}\n1900000000s 1 ${OTHER}\n`, present: false },
    // Newest wins whatever the order; \r\n and a missing s are fine.
    { location: `1900000002 0 ${OTHER}\r\n1900000001.9s 1 ${OTHER}\r\n`, present: false },
    { location: `1900000003.5s 1 ${OTHER}\r\ngarbage\n1900000003.25 0 ${OTHER}\n`, present: true },
  ];
  for (const [i, c] of cases.entries()) {
    // uuid.log, equal clocks: the later line wins; undated lines are oldest.
    const uuidLog = `${OTHER} undated\n${OTHER} first ${i} timestamp=1900000000s\n${OTHER} second ${i} timestamp=1900000000s\n${OTHER} undated too\n`;
    await commitBranchFiles(dir, { [repo.locationLog]: c.location, [UUID_LOG]: uuidLog });
    assert.equal(currentlyPresent(parsePresenceLog(c.location)).includes(OTHER), c.present, `arbor, case ${i}`);
    // whereis exits 1 when it finds no copy, so only its JSON is checked.
    const out = await run('git', ['annex', 'whereis', '--json', '--key', repo.key], { cwd: dir });
    const whereis = JSON.parse(out.stdout) as Record<string, { uuid: string; description: string }[]>;
    const other = [...(whereis.whereis ?? []), ...(whereis.untrusted ?? [])].find((r) => r.uuid === OTHER);
    assert.equal(other !== undefined, c.present, `git-annex, case ${i}`);
    assert.equal(parseUuidLog(uuidLog).get(OTHER)?.value, `second ${i}`);
    if (other !== undefined) assert.equal(other.description, `second ${i}`);
  }
});

test('arbor writes whole-second and trimmed clocks exactly as git-annex does', needsGitAnnex, async () => {
  const { dir } = await makeRepo('clocks');
  const cases = [
    ['1900000000', '1900000000s'],
    ['1900000001.100000000', '1900000001.1s'],
    ['1900000002.000000001', '1900000002.000000001s'],
    ['1900000003.999999999', '1900000003.999999999s'],
  ] as const;
  for (const [i, [at, written]] of cases.entries()) {
    const value = String(i + 2); // a new value each time: git-annex skips rewriting an unchanged one
    await annexAt(dir, at, ['numcopies', value]);
    const text = await readBranchFile(dir, NUMCOPIES_LOG);
    assert.equal(text, `${written} ${value}\n`);
    assert.deepEqual(parseSingleValueLog(text), { value, date: clock(at) });
    assert.equal(setSingleValueLog('', { value, now: clock(at) }), text);
  }
});

test('union merge gives the bytes git-annex gives when merging diverged branches', needsGitAnnex, async () => {
  const { dir } = await makeRepo('merge');
  const base = (await ok('git', ['rev-parse', 'refs/heads/git-annex'], { cwd: dir })).trim();
  const ours: Record<string, string> = {
    'a.log': 'z\nb\na\n', // ours has every line: kept as is
    'b.log': 'q\n', // theirs has every line: theirs kept as is
    'c.log': 'y\nx\n', // neither: sorted union
    'd.log': 'k\nk\nj', // same set both sides: ours kept
    'e.log': `1900000000s 1 ${OTHER}\n1900000001s 0 B\n`,
    'f.log': 'É\né\nZ\na\n',
  };
  const theirs: Record<string, string> = {
    'a.log': 'b\n',
    'b.log': 'r\nq\nq\n',
    'c.log': 'w\n',
    'd.log': 'j\nk\n',
    'e.log': `1900000002s 0 ${OTHER}\n1900000001s 0 B\n`,
    'f.log': 'a\nb\n',
  };
  await commitBranchFiles(dir, ours, { parent: base });
  await commitBranchFiles(dir, theirs, { parent: base, ref: 'refs/remotes/other/git-annex' });
  await ok('git', ['annex', 'merge', '-q'], { cwd: dir });
  for (const path of Object.keys(ours)) {
    const merged = await readBranchFile(dir, path);
    const expected = unionMergeContent(Buffer.from(ours[path] as string), Buffer.from(theirs[path] as string)).toString('utf8');
    assert.equal(merged, expected, path);
  }
});
