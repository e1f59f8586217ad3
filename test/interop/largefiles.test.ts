// arbor's annex.largefiles decisions against git-annex's own: matchexpression for expressions, `git annex add` for configurations.
import '../helpers/env.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { lstat, mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { tempDir } from '../helpers/tmp.js';
import { ok, run } from '../helpers/run.js';
import { needsGitAnnex } from '../helpers/git-annex.js';
import { parseMatchExpression } from '../../src/annex/matcher.js';
import { compileAnnexGlob, globMatches } from '../../src/annex/match-glob.js';
import { parseDataSize } from '../../src/annex/data-units.js';
import { detectMimeEncoding } from '../../src/annex/mime-encoding.js';
import { DEFAULT_LARGEFILES, loadLargeFilesRules } from '../../src/annex/largefiles.js';
import { GLOB_CASES, SIZE_CASES, STRUCTURE_CASES } from '../fixtures/matcher-cases.js';

/** A git-annex repository for matchexpression (it needs one to run in). */
async function annexRepo(): Promise<string> {
  const dir = tempDir('arbor-lf-');
  await ok('git', ['init', '-q', dir]);
  await ok('git', ['annex', 'init', '-q', 'lf'], { cwd: dir });
  return dir;
}

/** git-annex's answer: true/false, 'bad' (rejected expression, exit 42) or 'error' (other failure). */
async function annexMatches(cwd: string, expr: string, file: { path: string; size: number; mimeEncoding?: string }): Promise<boolean | 'bad' | 'error'> {
  // git-annex itself rather than through `git annex`: one process fewer for each of some 500 questions.
  const r = await run(
    'git-annex',
    ['matchexpression', '--largefiles', expr, '--file', file.path, '--size', String(file.size), '--mimeencoding', file.mimeEncoding ?? 'binary', '--mimetype', 'application/octet-stream'],
    { cwd },
  );
  if (r.code === 0) return true;
  if (r.code === 1 && r.stderr === '') return false;
  return r.code === 42 ? 'bad' : 'error';
}

/** Runs `fn` over `items` with a few in flight (git-annex starts fast; keep CI short). */
async function eachLimited<T>(items: readonly T[], fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) await fn(items[next++] as T);
  };
  await Promise.all([worker(), worker(), worker()]);
}

async function arborMatches(expr: string, file: { path: string; size: number; mimeEncoding?: string }): Promise<boolean | 'bad' | 'error'> {
  let matcher;
  try {
    matcher = parseMatchExpression(expr);
  } catch {
    return 'bad';
  }
  try {
    return await matcher.match({ path: file.path, size: file.size, mimeEncoding: () => Promise.resolve(file.mimeEncoding ?? 'binary') });
  } catch {
    return 'error';
  }
}

test('expression structure, keywords and errors agree with git-annex matchexpression', needsGitAnnex, async () => {
  const repo = await annexRepo();
  const wrong: string[] = [];
  await eachLimited(STRUCTURE_CASES, async ([expr, expected]) => {
    const file = { path: 'foo', size: 1 };
    const theirs = await annexMatches(repo, expr, file);
    const ours = await arborMatches(expr, file);
    const fixture = expected === undefined ? 'bad' : expected;
    if (theirs !== ours || theirs !== fixture) wrong.push(`${JSON.stringify(expr)}: git-annex ${String(theirs)}, arbor ${String(ours)}, fixture ${String(fixture)}`);
  });
  assert.deepEqual(wrong, []);
});

test('random expressions over anything/nothing/and/or/not/parentheses agree with git-annex', needsGitAnnex, async () => {
  const repo = await annexRepo();
  const words = ['anything', 'nothing', 'and', 'or', 'not', '(', ')'];
  // A fixed linear congruential sequence: the same expressions on every run.
  let seed = 12345;
  const rand = (n: number): number => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed % n;
  };
  const exprs: string[] = [];
  for (let i = 0; i < 80; i++) {
    const len = 1 + rand(7);
    const parts: string[] = [];
    for (let k = 0; k < len; k++) parts.push(words[rand(words.length)] as string);
    exprs.push(parts.join(rand(3) === 0 ? '' : ' ').replace(/(anything|nothing)(?=anything|nothing|and|or|not)/g, '$1 '));
  }
  const wrong: string[] = [];
  await eachLimited(exprs, async (expr) => {
    const file = { path: 'x', size: 1 };
    const [theirs, ours] = [await annexMatches(repo, expr, file), await arborMatches(expr, file)];
    if (theirs !== ours) wrong.push(`${JSON.stringify(expr)}: git-annex ${String(theirs)}, arbor ${String(ours)}`);
  });
  assert.deepEqual(wrong, []);
});

test('include= globs match paths exactly as git-annex matches them', needsGitAnnex, async () => {
  const repo = await annexRepo();
  const wrong: string[] = [];
  await eachLimited(GLOB_CASES, async ([glob, path, expected]) => {
    const theirs = await annexMatches(repo, `include=${glob}`, { path, size: 1 });
    const ours = globMatches(compileAnnexGlob(glob), path) ?? 'error';
    if (theirs !== ours || theirs !== expected) wrong.push(`${JSON.stringify(glob)} on ${JSON.stringify(path)}: git-annex ${String(theirs)}, arbor ${String(ours)}, fixture ${String(expected)}`);
  });
  assert.deepEqual(wrong, []);
});

test('largerthan=/smallerthan= sizes and units are read as git-annex reads them', needsGitAnnex, async () => {
  const repo = await annexRepo();
  const wrong: string[] = [];
  await eachLimited(SIZE_CASES, async ([text, bytes]) => {
    const ours = parseDataSize(text);
    if (ours !== bytes) wrong.push(`${JSON.stringify(text)}: arbor ${String(ours)}, fixture ${String(bytes)}`);
    // Probe git-annex with sizes around the threshold (--size is itself read as a Double).
    const probes: Array<[number, boolean | 'bad']> =
      bytes === undefined ? [[1, 'bad']]
      : bytes === Infinity ? [[0, false], [1e15, false]]
      : bytes === -Infinity || bytes < 0 ? [[0, true]]
      : bytes < 2 ** 52 ? [[bytes, false], [bytes + 1, true]]
      : [[bytes / 2, false], [bytes * 2, true]];
    for (const [size, expected] of probes) {
      const theirs = await annexMatches(repo, `largerthan=${text}`, { path: 'f', size });
      if (theirs !== expected) wrong.push(`largerthan=${text} size ${size}: git-annex ${String(theirs)}, expected ${String(expected)}`);
    }
  });
  assert.deepEqual(wrong, []);
});

/** A corpus of names, sizes and contents (text, binary, empty, tiny) for decision checks. */
function corpus(): Array<{ path: string; content: Buffer }> {
  const text = (n: number): Buffer => Buffer.from('lorem ipsum dolor sit amet\n'.repeat(Math.ceil(n / 27)).slice(0, n));
  return [
    { path: 'empty.txt', content: Buffer.alloc(0) },
    { path: 'one.txt', content: Buffer.from('x') },
    { path: 'nul1.bin', content: Buffer.from([0]) },
    { path: 'two.bin', content: Buffer.from([0, 1]) },
    { path: 'README.md', content: text(500) },
    { path: 'notes/latin1.txt', content: Buffer.from('caf\xe9 cr\xe8me\n', 'latin1') },
    { path: 'notes/utf8.txt', content: Buffer.from('café crème ☕\n') },
    { path: 'notes/utf16.txt', content: Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('hello\n', 'utf16le')]) },
    { path: 'src/main.c', content: text(4000) },
    { path: 'src/deep/dir/big.c', content: text(150_000) },
    { path: 'data/exactly-100kb.csv', content: text(100_000) },
    { path: 'data/just-over.csv', content: text(100_001) },
    { path: 'img/photo.jpg', content: Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), randomBytes(3000)]) },
    { path: 'img/tiny.png', content: Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex') },
    { path: 'doc/paper.pdf', content: Buffer.from('%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n', 'latin1') },
    { path: 'doc/ascii.pdf', content: Buffer.from('%PDF-1.4\n1 0 obj\n<< >>\nendobj\n') },
    { path: 'archive.tar.gz', content: Buffer.concat([Buffer.from([0x1f, 0x8b, 8, 0]), randomBytes(200)]) },
    { path: 'ctrl.txt', content: Buffer.from('text with a form feed \f and a bell \x07\n') },
    { path: 'esc-seq.log', content: Buffer.from('\x1b[31mred\x1b[0m\n') },
    { path: 'late-nul.txt', content: Buffer.concat([text(70_000), Buffer.from([0])]) },
    { path: 'Makefile', content: text(300) },
    { path: 'big.bin', content: randomBytes(200_000) },
  ];
}

const EXPRESSIONS = [
  DEFAULT_LARGEFILES,
  'largerthan=100kb',
  'largerthan=100kb and not (include=*.c or include=*.h)',
  '(largerthan=100kb)and(not((include=*.c)or(include=*.h)))',
  'mimeencoding=binary',
  'not mimeencoding=us-ascii',
  'include=*.pdf or include=img/* or smallerthan=2',
  'exclude=notes/* largerthan=0',
  'mimeencoding=utf-* or mimeencoding=iso-8859-?',
  // anything and nothing answer alike for every file: the structure and random tests compare them.
];

test('every expression × file decision agrees with git-annex matchexpression', needsGitAnnex, async () => {
  const repo = await annexRepo();
  const files = corpus().map((f) => ({ path: f.path, size: f.content.length, mimeEncoding: detectMimeEncoding(f.content) }));
  const pairs = EXPRESSIONS.flatMap((expr) => files.map((file) => ({ expr, file })));
  const wrong: string[] = [];
  await eachLimited(pairs, async ({ expr, file }) => {
    const [theirs, ours] = [await annexMatches(repo, expr, file), await arborMatches(expr, file)];
    if (theirs !== ours) wrong.push(`${expr} on ${file.path}: git-annex ${String(theirs)}, arbor ${String(ours)}`);
  });
  assert.deepEqual(wrong, []);
});

/** Writes the corpus into a fresh annex repo, runs `git annex add`, and reports which became annex symlinks. */
async function annexAddGroundTruth(opts: { gitattributes?: string; config?: string; global?: string }): Promise<{ repo: string; annexed: Map<string, boolean> }> {
  const repo = await annexRepo();
  if (opts.gitattributes !== undefined) {
    await writeFile(join(repo, '.gitattributes'), opts.gitattributes);
    await ok('git', ['add', '.gitattributes'], { cwd: repo });
    await ok('git', ['commit', '-q', '-m', 'attributes'], { cwd: repo });
  }
  if (opts.config !== undefined) await ok('git', ['config', 'annex.largefiles', opts.config], { cwd: repo });
  if (opts.global !== undefined) await ok('git', ['annex', 'config', '--set', 'annex.largefiles', opts.global], { cwd: repo });
  const files = corpus();
  for (const f of files) {
    await mkdir(dirname(join(repo, f.path)), { recursive: true });
    await writeFile(join(repo, f.path), f.content);
  }
  // Decide with arbor before git-annex touches the files.
  const rules = await loadLargeFilesRules({ workTree: repo, ...(opts.global === undefined ? {} : { globalLargeFiles: opts.global }) });
  const ours = new Map<string, boolean>();
  try {
    for (const f of files) ours.set(f.path, await rules.isLarge({ path: f.path, size: f.content.length, absolutePath: join(repo, f.path) }));
  } finally {
    await rules.close();
  }
  await ok('git', ['annex', 'add', '--quiet', ...files.map((f) => f.path)], { cwd: repo });
  const wrong: string[] = [];
  for (const f of files) {
    const theirs = (await lstat(join(repo, f.path))).isSymbolicLink();
    if (theirs !== ours.get(f.path)) wrong.push(`${f.path}: git-annex ${theirs ? 'annex' : 'git'}, arbor ${ours.get(f.path) === true ? 'annex' : 'git'}`);
  }
  assert.deepEqual(wrong, [], `decisions differ from git annex add (${JSON.stringify(opts)})`);
  return { repo, annexed: ours };
}

test('DEFAULT_LARGEFILES in .gitattributes: arbor decides like git annex add, text in git and binary/large in the annex', needsGitAnnex, async () => {
  const { annexed } = await annexAddGroundTruth({ gitattributes: `* annex.largefiles=${DEFAULT_LARGEFILES}\n` });
  // The intent of the default, spelled out on the clear cases.
  assert.equal(annexed.get('README.md'), false);
  assert.equal(annexed.get('notes/latin1.txt'), false);
  assert.equal(annexed.get('notes/utf16.txt'), false);
  assert.equal(annexed.get('empty.txt'), false);
  assert.equal(annexed.get('one.txt'), false);
  assert.equal(annexed.get('nul1.bin'), false);
  assert.equal(annexed.get('two.bin'), true);
  assert.equal(annexed.get('img/photo.jpg'), true);
  assert.equal(annexed.get('src/deep/dir/big.c'), true);
  assert.equal(annexed.get('data/exactly-100kb.csv'), false);
  assert.equal(annexed.get('data/just-over.csv'), true);
});

test('per-path gitattributes (nothing for *.txt, a size rule for the rest) decide like git annex add', needsGitAnnex, async () => {
  await annexAddGroundTruth({
    gitattributes:
      '* annex.largefiles=largerthan=1kb\n*.txt annex.largefiles=nothing\nimg/* annex.largefiles=anything\n*.md !annex.largefiles\n' +
      'notes/* annex.largefiles=(mimeencoding=iso-8859-1)or(mimeencoding=utf-16le)\n',
  });
});

test('git config annex.largefiles overrides gitattributes, as in git annex add', needsGitAnnex, async () => {
  await annexAddGroundTruth({ gitattributes: '* annex.largefiles=nothing\n', config: 'mimeencoding=binary or include=data/*' });
});

test('an empty git config annex.largefiles still overrides gitattributes and annexes everything', needsGitAnnex, async () => {
  const { annexed } = await annexAddGroundTruth({ gitattributes: '* annex.largefiles=nothing\n', config: '' });
  assert.ok([...annexed.values()].every((v) => v));
});

test('git annex config annex.largefiles applies where no attribute is specified, as in git annex add', needsGitAnnex, async () => {
  const { annexed } = await annexAddGroundTruth({ gitattributes: '*.txt annex.largefiles=anything\n', global: 'include=img/* or largerthan=100kb' });
  assert.equal(annexed.get('one.txt'), true);
  assert.equal(annexed.get('img/tiny.png'), true);
  assert.equal(annexed.get('README.md'), false);
});
