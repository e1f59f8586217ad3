// Tests for git-annex–compatible glob matching (expected answers recorded from git-annex 10.20230126).
import '../helpers/env.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compileAnnexGlob, globMatches, globToPosixRegex } from '../../src/annex/match-glob.js';
import { GLOB_CASES } from '../fixtures/matcher-cases.js';

test('every recorded glob case matches as it does in git-annex', () => {
  for (const [glob, path, expected] of GLOB_CASES) {
    const got = globMatches(compileAnnexGlob(glob), path) ?? 'error';
    assert.equal(got, expected, `${JSON.stringify(glob)} on ${JSON.stringify(path)}`);
  }
});

test('the regex text is the one git-annex builds and shows in its errors', () => {
  assert.equal(globToPosixRegex('*.txt'), '.*\\.txt');
  assert.equal(globToPosixRegex('a/b?'), 'a[/]+b.');
  assert.equal(globToPosixRegex('[!x]y\\z'), '[^x]y[\\]+z');
  assert.equal(globToPosixRegex('[a\\b]-é'), '[a\\\\b]\\-é');
  const bad = compileAnnexGlob('[z-a]');
  assert.equal(bad.ok, false);
  assert.equal(bad.regex, '^[z-a]$');
});

test('a star crosses directories and code points count as one character', () => {
  const g = compileAnnexGlob('photos/*/IMG_????.JPG');
  assert.equal(globMatches(g, 'photos/2023/summer/IMG_0001.JPG'), true);
  assert.equal(globMatches(g, 'photos/2023/IMG_001.JPG'), false);
  assert.equal(globMatches(compileAnnexGlob('?'), '🎉'), true);
});
