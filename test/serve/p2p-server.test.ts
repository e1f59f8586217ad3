// `git arbor serve p2pstdio` answers exactly as git-annex-shell p2pstdio does: the same session fed to both, on twin repositories, gives byte-identical transcripts; content locks are git-annex's own.
import '../helpers/env.js';
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { needsGitAnnex } from '../helpers/git-annex.js';
import { annex, annexRun, objectPath, sha256, uuidOf } from '../helpers/annex-fixtures.js';
import { git, makeRepo } from '../helpers/repo.js';
import { run } from '../helpers/run.js';
import { ARBOR_ROOT } from '../helpers/env.js';
import { tempDir } from '../helpers/tmp.js';
import { ByteReader } from '../../src/util/byte-reader.js';

const options = { skip: needsGitAnnex.skip };
const ARBOR = join(ARBOR_ROOT, 'bin', 'git-arbor.js');
const CLIENT_UUID = '80c7968c-d70d-4f47-9759-5eb51215e29f';

const CONTENT = Buffer.from('content the server holds\n');
const NEW = Buffer.from('x'.repeat(5000));
const keyOf = (b: Buffer, ext = ''): string => `SHA256E-s${b.length}--${sha256(b)}${ext}`;
const HELD = keyOf(CONTENT, '.txt');
const NEW_KEY = keyOf(NEW, '.bin');
const BAD_KEY = `SHA256E-s5--${'0'.repeat(64)}`;

let parent: string;
/** A bare git-annex server holding HELD (sent by a git-annex client), the template each test copies into twins. */
let template: string;
let serverUuid: string;

before(async () => {
  if (options.skip) return;
  parent = tempDir('arbor-serve-p2p-');
  template = await makeRepo({ bare: true, parent, name: 'template.git' });
  await annex(template, 'init', '-q', 'server');
  const client = await makeRepo({ parent, name: 'client' });
  await annex(client, 'init', '-q', 'client');
  writeFileSync(join(client, 'held.txt'), CONTENT);
  await annex(client, 'add', '-q', 'held.txt');
  await git(client, 'commit', '-q', '-m', 'held');
  await git(client, 'remote', 'add', 'server', template);
  await annex(client, 'copy', '-q', '--to', 'server', 'held.txt');
  serverUuid = await uuidOf(template);
});

let twinCount = 0;
/** Two identical copies of the template (same uuid, same objects): one for git-annex-shell, one for serve. */
function twins(): { annexSide: string; arborSide: string } {
  const n = ++twinCount;
  const annexSide = join(parent, `annex-${n}.git`);
  const arborSide = join(parent, `arbor-${n}.git`);
  cpSync(template, annexSide, { recursive: true, verbatimSymlinks: true });
  cpSync(template, arborSide, { recursive: true, verbatimSymlinks: true });
  return { annexSide, arborSide };
}

const shellArgs = (dir: string): string[] => ['p2pstdio', dir, CLIENT_UUID, '--uuid', serverUuid];

/** Feeds the same input to git-annex-shell and to serve on twin repositories. */
async function bothTranscripts(input: Buffer | string, prepare?: (dir: string) => void): Promise<{ annexSide: string; arborSide: string; real: string; ours: string }> {
  const { annexSide, arborSide } = twins();
  prepare?.(annexSide);
  prepare?.(arborSide);
  const real = await run('git-annex-shell', shellArgs(annexSide), { input });
  const ours = await run(process.execPath, [ARBOR, 'serve', ...shellArgs(arborSide)], { input });
  assert.equal(ours.code, real.code, `exit codes: git-annex-shell ${real.code} (${real.stderr}), serve ${ours.code} (${ours.stderr})`);
  return { annexSide, arborSide, real: real.stdout, ours: ours.stdout };
}

test('serve: requests, errors and version negotiation give the transcript git-annex-shell gives', options, async () => {
  const session = [
    'VERSION 2',
    `CHECKPRESENT ${HELD}`,
    `CHECKPRESENT ${BAD_KEY}`,
    'FOO bar',
    'CHECKPRESENT notakey',
    `LOCKCONTENT ${HELD}`,
    'UNLOCKCONTENT',
    `LOCKCONTENT ${BAD_KEY}`,
    `GET 3 held.txt ${HELD}`,
    'SUCCESS',
    `GET 0 missing ${BAD_KEY}`,
    'FAILURE',
    `PUT held.txt ${HELD}`,
    `REMOVE ${BAD_KEY}`,
    'AUTH someone token',
    'SUCCESS',
    'VERSION 1',
    `PUT bad.bin ${BAD_KEY}`,
    'DATA 5',
    'helloVALID',
    'ERROR bye',
    `CHECKPRESENT ${HELD}`,
    '',
  ].join('\n');
  const { real, ours } = await bothTranscripts(session);
  assert.equal(ours, real);
  // The transcript says what a client relies on: the content, resumed at offset 3, then VALID.
  assert.match(ours, new RegExp(`DATA ${CONTENT.length - 3}\n${CONTENT.subarray(3).toString()}VALID\n`));
});

test('serve: a PUT resumes from the partial file, verifies, stores atomically and records the location log git-annex reads', options, async () => {
  const partial = NEW.subarray(0, 1200);
  const session = Buffer.concat([
    Buffer.from(`VERSION 1\nPUT new.bin ${NEW_KEY}\nDATA ${NEW.length - partial.length}\n`),
    NEW.subarray(partial.length),
    Buffer.from(`VALID\nCHECKPRESENT ${NEW_KEY}\n`),
  ]);
  const { arborSide, real, ours } = await bothTranscripts(session, (dir) => {
    mkdirSync(join(dir, 'annex', 'tmp'), { recursive: true });
    writeFileSync(join(dir, 'annex', 'tmp', NEW_KEY), partial);
  });
  assert.equal(ours, real);
  assert.match(ours, /PUT-FROM 1200\nSUCCESS\nSUCCESS\n$/);
  assert.ok(existsSync(await objectPath({ dir: arborSide, key: NEW_KEY, bare: true })));
  assert.equal(existsSync(join(arborSide, 'annex', 'tmp', NEW_KEY)), false, 'the partial file became the object');
  // git-annex itself agrees: the content verifies and the log says this repository has it.
  assert.equal((await annexRun(arborSide, 'fsck', '-q', '--key', NEW_KEY)).code, 0);
  assert.match(await annex(arborSide, 'whereis', '--key', NEW_KEY), /server \[here\]|-- server/);
});

test('serve: version 0 (no VERSION): no VALID after data, and a PUT of the wrong bytes is refused without storing anything', options, async () => {
  const session = Buffer.concat([
    Buffer.from(`GET 0 held.txt ${HELD}\nSUCCESS\nPUT new.bin ${NEW_KEY}\nDATA ${NEW.length}\n`),
    Buffer.alloc(NEW.length, 'y'),
    Buffer.from(`CHECKPRESENT ${NEW_KEY}\n`),
  ]);
  const { arborSide, real, ours } = await bothTranscripts(session);
  assert.equal(ours, real);
  assert.match(ours, /PUT-FROM 0\nFAILURE\nFAILURE\n$/);
  assert.equal(existsSync(join(arborSide, 'annex', 'tmp', NEW_KEY)), false);
});

test('serve: REMOVE drops the content and records it gone, as git-annex-shell does', options, async () => {
  const { arborSide, real, ours } = await bothTranscripts(`VERSION 1\nREMOVE ${HELD}\nCHECKPRESENT ${HELD}\n`);
  assert.equal(ours, real);
  assert.match(ours, /SUCCESS\nFAILURE\n$/);
  assert.doesNotMatch(await annex(arborSide, 'whereis', '--key', HELD).catch((e: Error) => e.message), /\[here\]/);
});

/** An interactive conversation with a server process. */
class Conversation {
  readonly child: ChildProcessWithoutNullStreams;
  readonly #reader: ByteReader;
  constructor(cmd: string, args: string[]) {
    this.child = spawn(cmd, args, { stdio: 'pipe' });
    this.#reader = new ByteReader(this.child.stdout);
  }
  say(line: string): void {
    this.child.stdin.write(`${line}\n`);
  }
  line(): Promise<string> {
    return this.#reader.line();
  }
  async end(): Promise<void> {
    const closed = new Promise((r) => this.child.once('close', r));
    this.child.stdin.end();
    await closed;
  }
}

test("serve: LOCKCONTENT holds git-annex's own content lock: a racing git annex drop fails until UNLOCKCONTENT; REMOVE waits for no one and fails while git-annex-shell holds it", options, async (t) => {
  const { arborSide } = twins();
  const conversations: Conversation[] = [];
  t.after(() => {
    for (const c of conversations) c.child.kill();
  });
  const ours = new Conversation(process.execPath, [ARBOR, 'serve', ...shellArgs(arborSide)]);
  conversations.push(ours);
  assert.equal(await ours.line(), `AUTH-SUCCESS ${serverUuid}`);
  ours.say(`LOCKCONTENT ${HELD}`);
  assert.equal(await ours.line(), 'SUCCESS');
  const refused = await annexRun(arborSide, 'drop', '--force', '--key', HELD);
  assert.notEqual(refused.code, 0);
  assert.match(refused.stderr + refused.stdout, /content is locked/);
  ours.say('UNLOCKCONTENT');
  ours.say(`CHECKPRESENT ${HELD}`);
  assert.equal(await ours.line(), 'SUCCESS', 'the content is still there, and the conversation goes on');

  // The other way round: git-annex-shell locks, serve's REMOVE is refused, then allowed.
  const real = new Conversation('git-annex-shell', shellArgs(arborSide));
  conversations.push(real);
  assert.equal(await real.line(), `AUTH-SUCCESS ${serverUuid}`);
  real.say(`LOCKCONTENT ${HELD}`);
  assert.equal(await real.line(), 'SUCCESS');
  ours.say(`REMOVE ${HELD}`);
  assert.equal(await ours.line(), 'FAILURE');
  real.say('UNLOCKCONTENT');
  await real.end();
  ours.say(`REMOVE ${HELD}`);
  assert.equal(await ours.line(), 'SUCCESS');
  await ours.end();
  assert.equal((await annexRun(arborSide, 'checkpresentkey', HELD, 'here')).code === 0, false);
});

test('serve: the uuid check and an uninitialised repository fail as git-annex-shell does (one line, exit 1)', options, async () => {
  const { arborSide } = twins();
  const wrong = await run(process.execPath, [ARBOR, 'serve', 'p2pstdio', arborSide, CLIENT_UUID, '--uuid', 'not-this-one']);
  assert.equal(wrong.code, 1);
  assert.equal(wrong.stdout, '');
  assert.equal(wrong.stderr, `git-arbor serve: expected repository UUID not-this-one but found UUID ${serverUuid}\n`);
  const plain = await makeRepo({ bare: true, parent, name: 'plain.git' });
  const r = await run(process.execPath, [ARBOR, 'serve', 'p2pstdio', plain, CLIENT_UUID]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /^git-arbor serve: Not a git-annex or gcrypt repository\.\n$/);
  const cfg = await run(process.execPath, [ARBOR, 'serve', 'configlist', arborSide]);
  assert.equal(cfg.stdout, (await run('git-annex-shell', ['configlist', arborSide])).stdout);
});
