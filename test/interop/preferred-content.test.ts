// Preferred content decided by arbor and by git-annex (`find --want-get-by` / `--want-drop-by`) agree, file by file, for standard groups and expressions.
import '../helpers/env.js';
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { openAnnex } from '../../src/annex/annex.js';
import { addToGroup } from '../../src/annex/logs/group.js';
import { logKeyPresence } from '../../src/annex/logs/location.js';
import { setNumCopies } from '../../src/annex/logs/numcopies.js';
import { REQUIRED_CONTENT_LOG } from '../../src/annex/logs/paths.js';
import { setTrust } from '../../src/annex/logs/trust.js';
import { setUuidLogValue } from '../../src/annex/logs/uuid-based.js';
import { describeRepository } from '../../src/annex/logs/uuid.js';
import { loadPreferredContent, setGroupPreferredContent, setPreferredContent, STANDARD_GROUPS } from '../../src/annex/preferred-content.js';
import { listAnnexedFiles } from '../../src/content/annexed-files.js';
import { needsGitAnnex } from '../helpers/git-annex.js';
import { annex, makeGitAnnexRepo } from '../helpers/annex-fixtures.js';

/** One repository under test: its groups and expressions. */
interface Case {
  readonly groups: readonly string[];
  readonly wanted: string;
  readonly required?: string;
}

const CASES: readonly Case[] = [
  ...STANDARD_GROUPS.map((g) => ({ groups: [g], wanted: 'standard' })),
  { groups: ['client', 'archive'], wanted: 'standard' },
  { groups: ['client', 'mine'], wanted: 'standard and exclude=*.mp3' },
  { groups: [], wanted: 'standard' },
  { groups: [], wanted: 'include=*.txt' },
  { groups: [], wanted: 'exclude=archive/*' },
  { groups: [], wanted: 'largerthan=1kb' },
  { groups: [], wanted: 'smallerthan=20' },
  { groups: [], wanted: 'copies=2' },
  { groups: [], wanted: 'copies=3' },
  { groups: [], wanted: 'copies=archive:1' },
  { groups: [], wanted: 'copies=untrusted:1' },
  { groups: [], wanted: 'copies=semitrusted+:3' },
  { groups: [], wanted: 'copies=client:2' },
  { groups: [], wanted: 'inallgroup=client' },
  { groups: [], wanted: 'lackingcopies=1' },
  { groups: [], wanted: 'approxlackingcopies=2' },
  { groups: [], wanted: 'present' },
  { groups: [], wanted: 'not present and include=*' },
  { groups: ['mine'], wanted: 'groupwanted' },
  { groups: ['mine', 'other'], wanted: 'groupwanted' },
  { groups: [], wanted: 'securehash and inbackend=SHA256E' },
  { groups: [], wanted: 'inbackend=SHA1' },
  { groups: [], wanted: 'inpreferreddir' },
  { groups: [], wanted: '(include=a.txt or include=*.mp3) and not copies=client:1' },
  { groups: [], wanted: 'include=a.txt', required: 'include=*.mp3' },
  { groups: [], wanted: 'bogus=1' }, // does not parse: present
];

/** Fake repository UUIDs: holders with fixed roles, then one per case. */
const uuid = (n: number): string => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
const CL1 = uuid(1);
const CL2 = uuid(2);
const ARCH = uuid(3);
const UNTR = uuid(4);
const DEAD = uuid(5);
const subjectOf = (i: number): string => uuid(100 + i);

/** Who holds what besides the repository itself (which holds everything) and every case's repository (which holds a.txt). */
const HOLDERS: Record<string, readonly string[]> = {
  'a.txt': [CL1],
  'archive/b.txt': [ARCH],
  'sub/archive/c.txt': [],
  'public/p.txt': [UNTR],
  'big.bin': [CL1, CL2],
  'music/song.mp3': [DEAD],
};

test('for every case, arbor wants to get and to drop exactly the files git-annex does', needsGitAnnex, async () => {
  const files = Object.keys(HOLDERS).map((path) => ({ path, content: path === 'big.bin' ? randomBytes(5000) : Buffer.from(`content of ${path}\n`), unlocked: false }));
  const repo = await makeGitAnnexRepo({ description: 'R', files });
  const a = await openAnnex(repo.dir);
  let annexed;
  try {
    const now = a.now();
    const b = a.branch;
    annexed = await listAnnexedFiles(a);
    for (const [u, d] of [[CL1, 'client 1'], [CL2, 'client 2'], [ARCH, 'archive'], [UNTR, 'untrusted backup'], [DEAD, 'dead']] as const) await describeRepository(b, { uuid: u, description: d, now });
    for (const u of [CL1, CL2]) await addToGroup(b, { uuid: u, group: 'client', now });
    await addToGroup(b, { uuid: ARCH, group: 'archive', now });
    await addToGroup(b, { uuid: UNTR, group: 'backup', now });
    await setTrust(b, { uuid: UNTR, level: 'untrusted', now });
    await setTrust(b, { uuid: DEAD, level: 'dead', now });
    await setNumCopies(b, { value: 2, now });
    await setGroupPreferredContent(b, { group: 'mine', expression: 'include=*.mp3 or largerthan=1kb', now });
    await setGroupPreferredContent(b, { group: 'other', expression: 'include=*.txt', now });
    for (const [i, c] of CASES.entries()) {
      const u = subjectOf(i);
      await describeRepository(b, { uuid: u, description: `case ${i}`, now });
      for (const g of c.groups) await addToGroup(b, { uuid: u, group: g, now });
      await setPreferredContent(b, { uuid: u, expression: c.wanted, now });
      if (c.required !== undefined) {
        const required = c.required;
        await b.change(REQUIRED_CONTENT_LOG, (cur) => setUuidLogValue(cur ?? '', { uuid: u, value: required, now }));
      }
    }
    for (const f of annexed) {
      const holders = [...(HOLDERS[f.path] ?? []), ...(f.path === 'a.txt' ? CASES.map((_, i) => subjectOf(i)) : [])];
      for (const h of holders) await logKeyPresence(b, { key: f.key, uuid: h, status: '1', now });
    }
    await b.commit();
  } finally {
    await a.close();
  }

  const again = await openAnnex(repo.dir);
  try {
    const pc = await loadPreferredContent(again.branch);
    const { keyLocations } = await import('../../src/annex/logs/location.js');
    const subjects = await Promise.all(
      annexed.map(async (f) => ({ path: f.path, size: f.key.size, backend: f.key.backend, locations: await keyLocations(again.branch, f.key) })),
    );
    const mismatches: string[] = [];
    for (let i = 0; i < CASES.length; i += 4) {
      await Promise.all(
        CASES.slice(i, i + 4).map(async (c, j) => {
          const u = subjectOf(i + j);
          const lines = (s: string): string[] => s.split('\n').filter((l) => l !== '').sort();
          const [gaGet, gaDrop] = await Promise.all([annex(repo.dir, 'find', `--want-get-by=${u}`), annex(repo.dir, 'find', `--want-drop-by=${u}`)]);
          const get: string[] = [];
          const drop: string[] = [];
          for (const s of subjects) {
            if (await pc.wants({ uuid: u, subject: s })) get.push(s.path);
            if (!(await pc.wants({ uuid: u, subject: s, assumeNotPresent: [u] }))) drop.push(s.path);
          }
          const label = `case ${i + j} [${c.groups.join(' ')}] wanted=${JSON.stringify(c.wanted)}${c.required ? ` required=${JSON.stringify(c.required)}` : ''}`;
          if (JSON.stringify(get.sort()) !== JSON.stringify(lines(gaGet))) mismatches.push(`${label}: want-get arbor ${JSON.stringify(get)} git-annex ${JSON.stringify(lines(gaGet))}`);
          if (JSON.stringify(drop.sort()) !== JSON.stringify(lines(gaDrop))) mismatches.push(`${label}: want-drop arbor ${JSON.stringify(drop)} git-annex ${JSON.stringify(lines(gaDrop))}`);
        }),
      );
    }
    assert.deepEqual(mismatches, []);
    // git-annex reads arbor's writes as its own: the same expressions and groups come back.
    assert.equal((await annex(repo.dir, 'wanted', subjectOf(0))).trim(), 'standard');
    assert.equal((await annex(repo.dir, 'group', subjectOf(CASES.findIndex((c) => c.groups.length === 2)))).trim(), 'archive client');
  } finally {
    await again.close();
  }
});
