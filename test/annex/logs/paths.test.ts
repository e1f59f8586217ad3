// The branch file catalogue: which format each git-annex branch path uses.
import '../../helpers/env.js';
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { ARBOR_ROOT } from '../../helpers/env.js';
import { logVariety } from '../../../src/annex/logs/paths.js';
import type { LogVariety } from '../../../src/annex/logs/paths.js';

const KEY = 'SHA256E-s6--b6a98d9ce9a2d9149288fa3df42d377c3e42737afdcdaf714e33c0a100b51060.txt';

test('top-level logs by name', () => {
  const expected: Record<string, LogVariety> = {
    'uuid.log': 'uuid-based',
    'remote.log': 'uuid-based',
    'trust.log': 'uuid-based',
    'group.log': 'uuid-based',
    'preferred-content.log': 'uuid-based',
    'required-content.log': 'uuid-based',
    'schedule.log': 'uuid-based',
    'activity.log': 'uuid-based',
    'difference.log': 'uuid-based',
    'multicast.log': 'uuid-based',
    'numcopies.log': 'single-value',
    'mincopies.log': 'single-value',
    'config.log': 'map',
    'group-preferred-content.log': 'map',
    'export.log': 'map',
    'transitions.log': 'other',
    'unknown.log': 'other',
  };
  for (const [path, variety] of Object.entries(expected)) assert.equal(logVariety(path), variety, path);
});

test('per-key logs by suffix; location logs only at hash depth', () => {
  assert.equal(logVariety(`6f5/fd6/${KEY}.log`), 'location');
  assert.equal(logVariety(`6f5/fd6/${KEY}.log.web`), 'url');
  assert.equal(logVariety(`6f5/fd6/${KEY}.log.cnk`), 'map');
  assert.equal(logVariety(`6f5/fd6/${KEY}.log.rmt`), 'map');
  assert.equal(logVariety(`6f5/fd6/${KEY}.log.cid`), 'map');
  assert.equal(logVariety(`6f5/fd6/${KEY}.log.met`), 'other');
  assert.equal(logVariety(`6f5/fd6/${KEY}.log.rmet`), 'other');
  // Wrong depth: the old remote/web url logs and stray .log files are not location logs.
  assert.equal(logVariety(`remote/web/6f5/fd6/${KEY}.log`), 'other');
  assert.equal(logVariety(`${KEY}.log`), 'other');
  assert.equal(logVariety(`6f5/${KEY}.log`), 'other');
  assert.equal(logVariety(`6f5/${KEY}.log`, { hashLevels: 1 }), 'location');
  // Not a key name.
  assert.equal(logVariety('6f5/fd6/notes.log'), 'other');
  assert.equal(logVariety('6f5/fd6/WORM-s3-m1700000000--a&sb.log'), 'location');
  assert.equal(logVariety('6f5/fd6/URL--http&c%%example.com%x.log'), 'location');
});

test('every file git-annex wrote in the fixtures gets a known variety', () => {
  const dir = join(ARBOR_ROOT, 'test', 'fixtures', 'branch', 'basic');
  const paths = readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((d) => d.isFile())
    .map((d) => relative(dir, join(d.parentPath, d.name)));
  assert.ok(paths.length > 10);
  for (const p of paths) assert.notEqual(logVariety(p), 'other', p);
});
