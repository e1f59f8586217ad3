// Preferred content decisions for given locations, groups, trust and numcopies (the semantics checked against git-annex in test/interop/preferred-content.test.ts).
import '../helpers/env.js';
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import {
  checkPreferredContentExpression,
  emptyPreferredContentConfig,
  PreferredContent,
  STANDARD_EXPRESSIONS,
  STANDARD_GROUPS,
  standardGroupOf,
  type ContentSubject,
  type PreferredContentConfig,
} from '../../src/annex/preferred-content.js';
import type { TrustLevel } from '../../src/annex/logs/trust.js';

const R = 'rrrrrrrr-0000-0000-0000-000000000000'; // the repository asked
const X = 'xxxxxxxx-0000-0000-0000-000000000000';
const Y = 'yyyyyyyy-0000-0000-0000-000000000000';
const Z = 'zzzzzzzz-0000-0000-0000-000000000000';

function decider(over: Partial<{ preferred: Record<string, string>; required: Record<string, string>; groupWanted: Record<string, string>; groups: Record<string, string[]>; trust: Record<string, TrustLevel>; numcopies: number; preferredDirs: Record<string, string> }>): PreferredContent {
  const base = emptyPreferredContentConfig();
  const config: PreferredContentConfig = {
    ...base,
    preferred: new Map(Object.entries(over.preferred ?? {})),
    required: new Map(Object.entries(over.required ?? {})),
    groupWanted: new Map(Object.entries(over.groupWanted ?? {})),
    groups: new Map(Object.entries(over.groups ?? {}).map(([u, gs]) => [u, new Set(gs)])),
    trust: new Map(Object.entries(over.trust ?? {})),
    numcopies: over.numcopies ?? 1,
    preferredDirs: new Map(Object.entries(over.preferredDirs ?? {})),
  };
  return new PreferredContent(config);
}

const file = (path: string, locations: string[] = [], size = 100, backend = 'SHA256E'): ContentSubject => ({ path, size, backend, locations });
const wants = (p: PreferredContent, subject: ContentSubject, assumeNotPresent: string[] = []): Promise<boolean> => p.wants({ uuid: R, subject, assumeNotPresent });
const withExpr = (expression: string, over: Parameters<typeof decider>[0] = {}): PreferredContent => decider({ ...over, preferred: { [R]: expression, ...(over.preferred ?? {}) } });

test('no expression: the repository wants everything', async () => {
  assert.equal(await wants(decider({}), file('anything.bin')), true);
});

test('include=, exclude=, largerthan=, smallerthan= look at the path and the key size', async () => {
  assert.equal(await wants(withExpr('include=*.mp3'), file('music/a.mp3')), true);
  assert.equal(await wants(withExpr('include=*.mp3'), file('a.txt')), false);
  assert.equal(await wants(withExpr('exclude=archive/*'), file('archive/x')), false);
  assert.equal(await wants(withExpr('largerthan=1kb'), file('a', [], 1001)), true);
  assert.equal(await wants(withExpr('largerthan=1kb'), file('a', [], 1000)), false);
  // A key without a size: largerthan never matches, smallerthan always does (as git-annex compares Maybe).
  const unsized: ContentSubject = { path: 'a', size: undefined, locations: [] };
  assert.equal(await wants(withExpr('largerthan=0'), unsized), false);
  assert.equal(await wants(withExpr('smallerthan=1'), unsized), true);
});

test('copies= counts non-dead locations, by trust level (level+ = at least) or by group, minus the assumed-absent', async () => {
  const over = { trust: { [X]: 'untrusted' as TrustLevel, [Z]: 'dead' as TrustLevel }, groups: { [Y]: ['archive'] } };
  const here = file('f', [X, Y, Z]);
  assert.equal(await wants(withExpr('copies=2', over), here), true, 'X and Y count, dead Z does not');
  assert.equal(await wants(withExpr('copies=3', over), here), false);
  assert.equal(await wants(withExpr('copies=untrusted:1', over), here), true);
  assert.equal(await wants(withExpr('copies=semitrusted+:2', over), here), false);
  assert.equal(await wants(withExpr('copies=untrusted+:2', over), here), true);
  assert.equal(await wants(withExpr('copies=archive:1', over), here), true);
  assert.equal(await wants(withExpr('copies=archive:1', over), here, [Y]), false, 'assumed not present');
  assert.equal(await wants(withExpr('copies=trusted:1', over), here), false);
});

test('lackingcopies= compares numcopies with the copies in semitrusted or better repositories', async () => {
  const over = { numcopies: 3, trust: { [X]: 'untrusted' as TrustLevel } };
  assert.equal(await wants(withExpr('lackingcopies=2', over), file('f', [X, Y])), true, '3 - 1 (Y) >= 2');
  assert.equal(await wants(withExpr('approxlackingcopies=3', over), file('f', [X, Y])), false);
  assert.equal(await wants(withExpr('approxlackingcopies=1', { numcopies: 1 }), file('f', [])), true);
});

test('inallgroup= needs every member of the group to have the content; an empty group matches', async () => {
  const over = { groups: { [X]: ['client'], [Y]: ['client'] } };
  assert.equal(await wants(withExpr('inallgroup=client', over), file('f', [X, Y])), true);
  assert.equal(await wants(withExpr('inallgroup=client', over), file('f', [X])), false);
  assert.equal(await wants(withExpr('inallgroup=client', over), file('f', [X, Y]), [X]), false);
  assert.equal(await wants(withExpr('inallgroup=nobody', over), file('f', [])), true);
});

test('present, inpreferreddir, securehash, inbackend=', async () => {
  assert.equal(await wants(withExpr('present'), file('f', [R])), true);
  assert.equal(await wants(withExpr('present'), file('f', [X])), false);
  assert.equal(await wants(withExpr('inpreferreddir'), file('a/public/b/f')), true);
  assert.equal(await wants(withExpr('inpreferreddir'), file('public')), false);
  assert.equal(await wants(withExpr('inpreferreddir', { preferredDirs: { [R]: 'out' } }), file('x/out/f')), true);
  assert.equal(await wants(withExpr('securehash'), file('f', [], 1, 'SHA256E')), true);
  assert.equal(await wants(withExpr('securehash'), file('f', [], 1, 'MD5E')), false);
  assert.equal(await wants(withExpr('inbackend=SHA256E'), file('f', [], 1, 'SHA256E')), true);
  assert.equal(await wants(withExpr('inbackend=SHA256'), file('f', [], 1, 'SHA256E')), false);
});

test('standard follows the repository\'s only standard group; none or several mean present', async () => {
  assert.equal(standardGroupOf(new Set(['client', 'mine'])), 'client');
  assert.equal(standardGroupOf(new Set(['client', 'archive'])), undefined);
  assert.equal(standardGroupOf(new Set(['mine'])), undefined);
  const group = (g: string[]): Parameters<typeof decider>[0] => ({ groups: { [R]: g, [X]: ['archive'] } });
  // client: wants everything except archive/ files that reached an archive.
  assert.equal(await wants(withExpr('standard', group(['client'])), file('archive/a', [X])), false);
  assert.equal(await wants(withExpr('standard', group(['client'])), file('archive/a', [Y])), true);
  assert.equal(await wants(withExpr('standard', group(['backup'])), file('archive/a', [X])), true);
  assert.equal(await wants(withExpr('standard', group(['archive'])), file('a', [X, Y])), false);
  assert.equal(await wants(withExpr('standard', group(['unwanted'])), file('a', [])), false);
  assert.equal(await wants(withExpr('standard', group(['source'])), file('a', [R])), false, 'source: only until one other copy');
  // Several standard groups, or none: present.
  assert.equal(await wants(withExpr('standard', group(['client', 'backup'])), file('a', [Y])), false);
  assert.equal(await wants(withExpr('standard', group(['client', 'backup'])), file('a', [R])), true);
  assert.equal(await wants(withExpr('standard', group([])), file('a', [])), false);
});

test('transfer wants content until every client has it', async () => {
  const over = { groups: { [R]: ['transfer'], [X]: ['client'], [Y]: ['client'] }, numcopies: 1 };
  assert.equal(await wants(withExpr('standard', over), file('a', [X])), true);
  assert.equal(await wants(withExpr('standard', over), file('a', [X, Y])), false);
});

test('groupwanted uses the one group expression of the repository\'s groups; several or none mean present', async () => {
  const over = { groups: { [R]: ['mine'] }, groupWanted: { mine: 'include=*.jpg', other: 'nothing' } };
  assert.equal(await wants(withExpr('groupwanted', over), file('a.jpg')), true);
  assert.equal(await wants(withExpr('groupwanted', over), file('a.png')), false);
  const both = { ...over, groups: { [R]: ['mine', 'other'] } };
  assert.equal(await wants(withExpr('groupwanted', both), file('a.jpg', [R])), true);
  assert.equal(await wants(withExpr('groupwanted', both), file('a.jpg', [])), false);
  // Inside a groupwanted expression `standard` expands, `groupwanted` means present.
  const nested = { groups: { [R]: ['mine', 'backup'] }, groupWanted: { mine: 'standard' } };
  assert.equal(await wants(withExpr('groupwanted', nested), file('x', [])), true);
});

test('required content is also preferred; an expression that does not parse means present', async () => {
  const p = decider({ preferred: { [R]: 'include=*.a' }, required: { [R]: 'include=*.b' } });
  assert.equal(await wants(p, file('x.a')), true);
  assert.equal(await wants(p, file('x.b')), true);
  assert.equal(await wants(p, file('x.c')), false);
  assert.equal(await wants(decider({ required: { [R]: 'include=*.b' } }), file('x.c')), false, 'required alone is the whole expression');
  for (const bad of ['bogus=1', 'copies=x', 'lackingcopies=', 'in=here']) {
    assert.equal(await wants(withExpr(bad), file('x.a', [])), false, bad);
    assert.equal(await wants(withExpr(bad), file('x.a', [R])), true, bad);
  }
});

test('checkPreferredContentExpression accepts what git-annex accepts', () => {
  for (const ok of ['standard', 'groupwanted', 'include=* and not copies=archive:1', 'copies=semitrusted+:2', 'present or largerthan=10mb', ...STANDARD_GROUPS.map((g) => STANDARD_EXPRESSIONS[g])]) {
    assert.equal(checkPreferredContentExpression(ok), undefined, ok);
  }
  for (const bad of ['in=here', 'bogus=1', 'copies=a:b:1', 'copies=x', 'lackingcopies=many', 'mimetype=text/*']) {
    assert.notEqual(checkPreferredContentExpression(bad), undefined, bad);
  }
});
