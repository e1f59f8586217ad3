// Tests for the match-expression parser and evaluator (answers recorded from git-annex 10.20230126).
import '../helpers/env.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ArborError } from '../../src/util/errors.js';
import {
  MatchExpressionError,
  evaluateMatchTree,
  isEmptyTree,
  parseMatchExpression,
  parseMatchTree,
  tokenizeMatchExpression,
} from '../../src/annex/matcher.js';
import type { FileInfo, MatchTree } from '../../src/annex/matcher.js';
import { STRUCTURE_CASES } from '../fixtures/matcher-cases.js';

const file = (path: string, size = 1, mimeEncoding?: string): FileInfo =>
  mimeEncoding === undefined ? { path, size } : { path, size, mimeEncoding: () => Promise.resolve(mimeEncoding) };

test('the attribute form without spaces tokenizes like the spaced form', () => {
  const spaced = tokenizeMatchExpression('( largerthan=100kb ) or ( ( mimeencoding=binary ) and ( largerthan=1 ) )');
  assert.deepEqual(tokenizeMatchExpression('(largerthan=100kb)or((mimeencoding=binary)and(largerthan=1))'), spaced);
  assert.deepEqual(tokenizeMatchExpression(' a\tb\n\u00a0c '), ['a', 'b', 'c']);
  assert.deepEqual(tokenizeMatchExpression('include=fo(o)'), ['include=fo', '(', 'o', ')']);
});

test('structure, keywords and dangling operators mean what they mean to git-annex', async () => {
  for (const [expr, expected] of STRUCTURE_CASES) {
    if (expected === undefined) {
      assert.throws(() => parseMatchExpression(expr), MatchExpressionError, expr);
    } else {
      assert.equal(await parseMatchExpression(expr).match(file('foo')), expected, expr);
    }
  }
});

test('no precedence: and/or group left to right; not binds one term or group', async () => {
  const m = (e: string): Promise<boolean> => parseMatchExpression(e).match(file('foo'));
  assert.equal(await m('anything or nothing and nothing'), false); // (anything or nothing) and nothing
  assert.equal(await m('anything or (nothing and nothing)'), true);
  assert.equal(await m('not nothing and nothing'), false);
  assert.equal(await m('not (nothing and nothing)'), true);
});

test('include/exclude match the whole path; largerthan/smallerthan are strict', async () => {
  const m = parseMatchExpression('largerthan=100kb and not (include=*.c or include=*.h)');
  assert.equal(await m.match(file('big.bin', 100_001)), true);
  assert.equal(await m.match(file('big.bin', 100_000)), false);
  assert.equal(await m.match(file('src/big.c', 200_000)), false);
  const top = parseMatchExpression('include=foo');
  assert.equal(await top.match(file('foo')), true);
  assert.equal(await top.match(file('sub/foo')), false);
  assert.equal(await parseMatchExpression('exclude=*.txt').match(file('a/b.txt')), false);
  assert.equal(await parseMatchExpression('smallerthan=10').match(file('x', 9)), true);
  assert.equal(await parseMatchExpression('smallerthan=10').match(file('x', 10)), false);
});

test('mime terms ask for the content only when evaluation reaches them', async () => {
  const m = parseMatchExpression('largerthan=100kb or mimeencoding=binary');
  assert.equal(m.needsMime, true);
  assert.equal(parseMatchExpression('largerthan=1kb').needsMime, false);
  let asked = 0;
  const info = (size: number, enc: string): FileInfo => ({
    path: 'f',
    size,
    mimeEncoding: () => {
      asked++;
      return Promise.resolve(enc);
    },
  });
  assert.equal(await m.match(info(200_000, 'us-ascii')), true);
  assert.equal(asked, 0);
  assert.equal(await m.match(info(10, 'binary')), true);
  assert.equal(await m.match(info(10, 'us-ascii')), false);
  assert.equal(asked, 2);
  assert.equal(await parseMatchExpression('mimeencoding=utf-*').match(file('f', 5, 'utf-16le')), true);
  assert.equal(await parseMatchExpression('mimetype=text/*').match({ path: 'f', size: 1, mimeType: () => Promise.resolve('text/x-c') }), true);
});

test('a mime term is false when the content is unknown or unreadable, but tool failures surface', async () => {
  const m = parseMatchExpression('mimeencoding=binary');
  assert.equal(await m.match(file('f')), false);
  assert.equal(await parseMatchExpression('not mimeencoding=binary').match(file('f')), true);
  const unreadable: FileInfo = { path: 'f', size: 1, mimeEncoding: () => Promise.reject(Object.assign(new Error('gone'), { code: 'ENOENT' })) };
  assert.equal(await m.match(unreadable), false);
  const broken: FileInfo = { path: 'f', size: 1, mimeEncoding: () => Promise.reject(new ArborError('ESPAWN', 'cannot run file')) };
  await assert.rejects(m.match(broken), { code: 'ESPAWN' });
});

test('parse errors are one line, coded EBADEXPR, and name every bad token', () => {
  const err = (e: string): MatchExpressionError => {
    try {
      parseMatchExpression(e);
    } catch (caught) {
      assert.ok(caught instanceof MatchExpressionError);
      return caught;
    }
    assert.fail(`${e} parsed`);
  };
  const e = err('largerthan=1xyz AND copies=2');
  assert.equal(e.code, 'EBADEXPR');
  assert.ok(!e.message.includes('\n'));
  assert.match(e.message, /bad size in "largerthan=1xyz"/);
  assert.match(e.message, /near "AND"/);
  assert.match(e.message, /near "copies=2" \(only allowed in preferred content expressions\)/);
});

test('a glob whose regex cannot compile fails when used, as in git-annex, not when parsed', async () => {
  const m = parseMatchExpression('largerthan=10 and include=[z-a]');
  assert.equal(await m.match(file('a', 5)), false); // short-circuited: never compiled into a match
  await assert.rejects(m.match(file('a', 50)), (e: unknown) => e instanceof MatchExpressionError && /failed to compile regex: \^\[z-a\]\$/.test(e.message));
});

test('unused is accepted and never matches a work-tree file', async () => {
  assert.equal(await parseMatchExpression('unused').match(file('f')), false);
});

test('preferred-content terms parse into state terms and need an evaluator with repository state', async () => {
  const tree = parseMatchTree('standard or (copies=backup:2 and not inallgroup=archive)', { vocabulary: 'preferred-content' });
  const expected: MatchTree = {
    op: 'or',
    left: { op: 'term', term: { kind: 'state', source: 'standard', name: 'standard', value: undefined } },
    right: {
      op: 'and',
      left: { op: 'term', term: { kind: 'state', source: 'copies=backup:2', name: 'copies', value: 'backup:2' } },
      right: { op: 'not', operand: { op: 'term', term: { kind: 'state', source: 'inallgroup=archive', name: 'inallgroup', value: 'archive' } } },
    },
  };
  assert.deepEqual(tree, expected);
  await assert.rejects(evaluateMatchTree(tree, { file: file('f') }), MatchExpressionError);
  const seen: string[] = [];
  const result = await evaluateMatchTree(tree, {
    file: file('f'),
    state: (term) => {
      seen.push(term.source);
      return Promise.resolve(term.name !== 'standard');
    },
  });
  assert.equal(result, false); // copies true, inallgroup true → not → false
  assert.deepEqual(seen, ['standard', 'copies=backup:2', 'inallgroup=archive']);
  assert.throws(() => parseMatchTree('mimeencoding=binary', { vocabulary: 'preferred-content' }), /only allowed in annex.largefiles/);
  assert.throws(() => parseMatchTree('standard=x', { vocabulary: 'preferred-content' }), /near "standard=x"/);
});

test('the empty expression is the empty tree, which matches everything', async () => {
  assert.ok(isEmptyTree(parseMatchTree('  ', { vocabulary: 'largefiles' })));
  assert.ok(!isEmptyTree(parseMatchTree('anything', { vocabulary: 'largefiles' })));
  assert.equal(await parseMatchExpression('').match(file('x', 0)), true);
});
