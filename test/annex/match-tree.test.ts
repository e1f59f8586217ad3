// Tests for the tree shapes git-annex's `generate` produces (the evaluation results are in matcher.test.ts).
import '../helpers/env.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildMatchTree } from '../../src/annex/match-tree.js';
import type { MatchToken } from '../../src/annex/match-tree.js';
import type { MatchTerm, MatchTree } from '../../src/annex/matcher.js';

const a: MatchTerm = { kind: 'anything', source: 'a' };
const b: MatchTerm = { kind: 'nothing', source: 'b' };
const c: MatchTerm = { kind: 'unused', source: 'c' };
const T = (term: MatchTerm): MatchTree => ({ op: 'term', term });
const and = (left: MatchTree, right: MatchTree): MatchTree => ({ op: 'and', left, right });
const or = (left: MatchTree, right: MatchTree): MatchTree => ({ op: 'or', left, right });
const not = (operand: MatchTree): MatchTree => ({ op: 'not', operand });
const build = (...tokens: MatchToken[]): MatchTree => buildMatchTree(tokens);

test('left to right without precedence, implicit and between terms', () => {
  assert.deepEqual(build(a, 'or', b, 'and', c), and(or(T(a), T(b)), T(c)));
  assert.deepEqual(build(a, b, c), and(and(T(a), T(b)), T(c)));
  assert.deepEqual(build(a, 'not', b), and(T(a), not(T(b))));
  assert.deepEqual(build('not', '(', a, 'or', b, ')'), not(or(T(a), T(b))));
});

test('a group after a term is and-ed at the top level but continues the running result inside a group', () => {
  assert.deepEqual(build(a, '(', b, 'or', c, ')'), and(T(a), or(T(b), T(c))));
  assert.deepEqual(build('(', a, '(', b, 'or', c, ')', ')'), or(and(T(a), T(b)), T(c)));
});

test('the empty expression and lone operators', () => {
  assert.deepEqual(build(), { op: 'any' });
  assert.deepEqual(build('(', ')'), { op: 'any' });
  assert.deepEqual(build(b, 'or'), or(T(b), { op: 'any' }));
  assert.deepEqual(build('not'), not({ op: 'any' }));
  assert.deepEqual(build(')', a, '('), T(a));
});
