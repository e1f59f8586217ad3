// The status page in a real headless Chromium (Debian's, driven by puppeteer-core), against one real assistant with two remotes.
import '../helpers/env.js';
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { createHash, randomBytes } from 'node:crypto';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';
import { git, makeRepo, writeFiles } from '../helpers/repo.js';
import { arbor } from '../helpers/arbor.js';
import { runArbor } from '../helpers/run.js';
import { configureFastAssistant, eventually, startAssistant, stopAssistant } from '../helpers/assistant.js';
import { ARBOR_ROOT } from '../helpers/env.js';
import { tempDir } from '../helpers/tmp.js';

/** The page's globals as the functions run inside Chromium see them (the test project has no DOM types). */
declare const document: {
  querySelector(selector: string): { textContent: string | null } | null;
  querySelectorAll(selector: string): ArrayLike<unknown>;
  body: { dataset: Record<string, string | undefined> };
};
declare const window: Record<string, unknown>;

const CHROMIUM = '/usr/bin/chromium';
const needsChromium = { skip: existsSync(CHROMIUM) ? false : `needs ${CHROMIUM} (apt-get install chromium)` };

let a = '';
let b = '';
let stick = '';
let url = '';
let browser: Browser | undefined;
let page: Page;

/** A plain HTTP request (node:http, so the Host header can be anything); answers status and body. */
function get(target: string, options: { method?: string; host?: string; origin?: string } = {}): Promise<{ status: number; body: string }> {
  const u = new URL(target);
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: u.port, path: u.pathname, method: options.method ?? 'GET', headers: { Host: options.host ?? u.host, ...(options.origin ? { Origin: options.origin } : {}) } }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

/**
 * Waits until the page shows the drive safe to unplug. On a timeout the error names what the page
 * and the API gave as the reasons, so a failure says which condition held it.
 */
async function waitDriveSafe(): Promise<void> {
  try {
    await page.waitForSelector('#drives tr[data-drive="stick"][data-safe="yes"]', { timeout: 60_000 });
  } catch (err) {
    const shown = await page.$eval('#drives tr[data-drive="stick"]', (e) => e.textContent ?? '').catch(() => '(no row)');
    const api = await get(`${url}api/status`).then((r) => {
      const j = JSON.parse(r.body) as { drives: unknown; transfers: unknown; remotes: unknown };
      return JSON.stringify({ drives: j.drives, transfers: j.transfers, remotes: j.remotes });
    }, () => '(no answer)');
    throw new Error(`the drive is not shown safe to unplug: the page shows ${JSON.stringify(shown)}; the API: ${api}`, { cause: err });
  }
}

/** The assistant's report as the page's API gives it. */
async function report(): Promise<{ transfers: { running: Array<{ key: string; held?: boolean; done: number }>; queued: number }; transfersPaused: { paused: boolean } }> {
  return JSON.parse((await get(`${url}api/status`)).body);
}

/**
 * A with two remotes and a drive: the hub (origin), a second bare repository (backup) and a
 * directory set up with `git arbor drive add` (stick). A plain git clone B
 * pushed a version of conflict.txt to the hub that conflicts with A's own, and A's sync resolved
 * it before the assistant started (the page lists what any sync resolved).
 */
async function setUpRepositories(): Promise<void> {
  const hub = await makeRepo({ bare: true, name: 'hub.git' });
  const parent = join(hub, '..');
  await git(parent, 'clone', '-q', hub, 'b');
  b = join(parent, 'b');
  const commitInB = async (files: Record<string, string>): Promise<void> => {
    writeFiles(b, files);
    await git(b, 'add', '.');
    await git(b, '-c', 'user.name=B', '-c', 'user.email=b@example.com', 'commit', '-q', '-m', 'B edits');
    await git(b, 'push', '-q', 'origin', 'HEAD:main');
  };
  await commitInB({ 'seed.txt': 'seed\n' });
  await git(parent, 'clone', '-q', hub, 'a');
  a = join(parent, 'a');
  await arbor(a, 'init', 'A');
  await makeRepo({ bare: true, name: 'backup.git', parent });
  await git(a, 'remote', 'add', 'backup', join(parent, 'backup.git'));
  await commitInB({ 'conflict.txt': 'B\'s version\n' });
  writeFiles(a, { 'conflict.txt': 'A\'s version\n' });
  await arbor(a, 'sync');
  // A drive: a plain directory set up with `git arbor drive add`, as the drive tests do.
  stick = join(parent, 'STICK', 'annex');
  await arbor(a, 'drive', 'add', stick, '--name', 'stick');
  await configureFastAssistant(a);
  // Transfers to origin are slow enough that a 4 MiB file is still moving when the page pauses
  // it (1 MiB chunks, 16 s at this rate: a loaded machine may take seconds to show the progress
  // and click); backup is not limited. The pause test lifts the limit once it has resumed.
  await git(a, 'config', 'remote.origin.arbor-ratelimit', '256KiB/s');
  await startAssistant(a);
}

before(async () => {
  if (needsChromium.skip) return;
  const launched = puppeteer.launch({ executablePath: CHROMIUM, headless: true, userDataDir: tempDir('arbor-chromium-'), args: ['--no-sandbox', '--disable-gpu', '--no-first-run'] });
  await setUpRepositories();
  browser = await launched;
  await eventually('the page address is written', () => existsSync(join(a, '.git/annex/arbor/web.json')), { logOf: a });
  url = (await arbor(a, 'web', '--print')).trim();
  page = await browser.newPage();
  await page.setViewport({ width: 1000, height: 760 });
  await page.goto(url);
});

after(async () => {
  await browser?.close();
  if (a) await stopAssistant(a);
});

test('the page shows the verdict, both remotes and the conflict the first merge resolved', needsChromium, async () => {
  await page.waitForSelector('tr[data-remote="origin"]');
  await page.waitForSelector('tr[data-remote="backup"]');
  // origin's configured rate limit is shown in its row; backup has none.
  assert.match(await page.$eval('tr[data-remote="origin"]', (e) => e.textContent ?? ''), /limit 256\.0 KiB\/s/);
  assert.doesNotMatch(await page.$eval('tr[data-remote="backup"]', (e) => e.textContent ?? ''), /limit/);
  // The last push and the last fetch, each on its own (the assistant has done both with origin by the time it is in sync).
  await page.waitForFunction(() => /push .*ago.*fetch .*ago/.test(document.querySelector('tr[data-remote="origin"] td.last-sync')?.textContent ?? ''), { timeout: 60_000 });
  const verdict = await page.$eval('#verdict-title', (e) => e.textContent ?? '');
  assert.match(verdict, /in sync|pending|scanning|blocked/);
  await page.waitForFunction(() => document.querySelector('#conflicts')?.textContent?.includes('conflict.txt'), { timeout: 60_000 });
  await page.waitForFunction(() => document.body.dataset.verdict === 'in-sync', { timeout: 60_000 });
  assert.equal(await page.$eval('#verdict-title', (e) => e.textContent), 'in sync');
});

test('the network map shows the remotes by name, with the way new content travels drawn on it', needsChromium, async () => {
  // The drive is an annex repository from the start; origin and backup join the map (as in
  // `git arbor map`) only once their annex UUIDs are known, which depends on the first transfers.
  await page.waitForFunction(() => document.querySelector('#map svg g.repository:not(.here)')?.textContent?.includes('stick'), { timeout: 60_000 });
  assert.ok((await page.$$('#map svg g.repository.here')).length === 1, 'this repository is marked');
  assert.ok((await page.$$('#map svg g.link.tree')).length >= 1, 'the plan for new content (to the drive) is drawn');
  // The drawing is served by the API as SVG (what `git arbor map` prints), from the secret URL only.
  const svg = await get(`${url}api/map.svg`);
  assert.equal(svg.status, 200);
  assert.match(svg.body, /<svg [^>]*xmlns="http:\/\/www.w3.org\/2000\/svg"/);
  assert.equal((await get(`${new URL(url).origin}/api/map.svg`)).status, 403);
});

test('the drives panel shows the drive, its last sync and free space, and that it is safe to unplug once synced', needsChromium, async () => {
  await page.waitForSelector('#drives tr[data-drive="stick"]');
  const row = await page.$eval('#drives tr[data-drive="stick"]', (e) => e.textContent ?? '');
  assert.ok(row.includes(stick), 'the drive\'s path');
  assert.match(row, /free/, 'its free space');
  await waitDriveSafe();
  assert.doesNotMatch(await page.$eval('#drives tr[data-drive="stick"] td:nth-child(2)', (e) => e.textContent ?? ''), /never/, 'synced (by drive add, then the assistant)');
});

test('the page updates live, without a reload, when a file is written', needsChromium, async () => {
  await page.evaluate(() => Object.assign(window, { sameDocument: true }));
  const commits = (): Promise<number> => page.$$eval('#activity li[data-type="commit"]', (l) => l.length);
  const before = await commits();
  writeFileSync(join(a, 'live.txt'), 'written while the page is open\n');
  await page.waitForFunction((n: number) => document.querySelectorAll('#activity li[data-type="commit"]').length > n, { timeout: 60_000 }, before);
  assert.equal(await page.evaluate(() => window.sameDocument), true, 'the same document, not a reload');
  assert.equal(await page.$eval('#live', (e) => e.textContent), 'live');
});

test('pause holds a running transfer at its next chunk and resume lets it finish', needsChromium, async (t) => {
  // A failure here must not leave the assistant paused for the tests after it (resuming twice is harmless).
  t.after(async () => void (await arbor(a, 'transfers', 'resume')));
  writeFileSync(join(a, 'big.bin'), randomBytes(4 << 20));
  await page.waitForSelector('#transfers li[data-remote="origin"][data-done]:not([data-done="0"])', { timeout: 60_000 });
  await page.click('#pause');
  await page.waitForSelector('#transfers li[data-remote="origin"][data-held="yes"]', { timeout: 60_000 });
  const held = await report();
  assert.equal(held.transfersPaused.paused, true, 'the pause is persisted (git arbor transfers list shows it)');
  assert.ok(held.transfers.running.some((t) => t.held), 'the API shows the transfer held');
  assert.match(await arbor(a, 'transfers', 'list'), /transfers: paused/);
  await page.waitForFunction(() => document.querySelector('#pause')?.textContent === 'Resume transfers');
  // The screenshot for the docs: a transfer held by the pause.
  const shot = process.env.ARBOR_SCREENSHOTS ? join(ARBOR_ROOT, 'docs', 'images') : tempDir('arbor-shot-');
  mkdirSync(shot, { recursive: true });
  await page.screenshot({ path: join(shot, 'status-page.png'), fullPage: true });
  // Lifted before resuming (the assistant follows the setting at the next chunk): the rest goes at full speed.
  await git(a, 'config', '--unset', 'remote.origin.arbor-ratelimit');
  await page.click('#pause');
  await page.waitForFunction(() => document.querySelector('#pause')?.textContent === 'Pause transfers');
  await page.waitForSelector('tr[data-remote="origin"][data-sent="1"]', { timeout: 60_000 });
  assert.match(await arbor(a, 'whereis', 'big.bin'), /origin/, 'the transfer went on to the end');
});

/** Whether the drive's object for `key` (SHA256E) is there whole: its bytes hash to the key. */
async function hasWholeObject(drive: string, key: string): Promise<boolean> {
  const objects = join(drive, 'annex', 'objects');
  const file = filesNamed(objects, key).map((f) => join(objects, f)).find((f) => f.endsWith(`${key}/${key}`));
  const hash = /--([0-9a-f]{64})/.exec(key)?.[1];
  return file !== undefined && hash !== undefined && createHash('sha256').update(readFileSync(file)).digest('hex') === hash;
}

/** Files under `dir` whose name contains `text` (recursively). */
function filesNamed(dir: string, text: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => f.includes(text));
}

test('cancel from the page stops a running transfer to the drive, places no object, and Sync now sends it again', needsChromium, async () => {
  // What the earlier tests sent has reached the drive: the only transfer to it is the new file's.
  await waitDriveSafe();
  // Slow the drive down (the assistant follows the setting live), so the copy is still moving when
  // cancelled (16 s for 4 MiB: room for a loaded machine's page to see it and click).
  await git(a, 'config', 'remote.stick.arbor-ratelimit', '256KiB/s');
  writeFileSync(join(a, 'cancel.bin'), randomBytes(4 << 20));
  const moving = '#transfers li[data-remote="stick"][data-done]:not([data-done="0"])';
  await page.waitForSelector(moving, { timeout: 60_000 });
  const key = await page.$eval(moving, (e) => (e as unknown as { dataset: Record<string, string> }).dataset.key ?? '');
  // While it is written, the drive is not safe to unplug, and the panel says why.
  await page.waitForFunction(() => document.querySelector('#drives tr[data-drive="stick"][data-safe="no"]')?.textContent?.includes('writing cancel.bin to it'), { timeout: 60_000 });
  // The list is drawn again at every report: the button is found and clicked in one step.
  await page.$eval(`${moving} button.cancel`, (e) => (e as unknown as { click(): void }).click());
  await page.waitForFunction((k: string) => !document.querySelector(`#transfers li[data-remote="stick"][data-key="${k}"]`), { timeout: 60_000 }, key);
  await page.waitForFunction(() => document.querySelector('#activity li[data-type="cancelled"]')?.textContent?.includes('cancelled the upload of cancel.bin to stick'), { timeout: 60_000 });
  // A new look at the file (a merge, a fetch) may start the copy again at once, and on a busy
  // machine finish it (the object is placed a moment before the location log records it):
  // whatever the moment, the drive is counted only when it holds the object, and an object there
  // is whole, never a cancelled part.
  const counted = /stick/.test(await arbor(a, 'whereis', 'cancel.bin'));
  const objects = filesNamed(join(stick, 'annex', 'objects'), key);
  assert.ok(!counted || objects.length > 0, `the location log counts the drive only with the object there (counted: ${counted}, objects: ${objects.join(', ')})`);
  if (objects.length) assert.ok(await hasWholeObject(stick, key), 'an object on the drive is whole, never a cancelled part');
  // Left until the assistant next looks at the file; Sync now is such a look, and the copy is made
  // then, at full speed.
  await git(a, 'config', '--unset', 'remote.stick.arbor-ratelimit');
  await page.click('#sync');
  await eventually('the drive gets the file after Sync now', async () => /stick/.test(await arbor(a, 'whereis', 'cancel.bin')), { logOf: a });
  assert.equal(filesNamed(join(stick, 'annex', 'objects'), key).length > 0, true);
  await waitDriveSafe();
});

test('without the secret, with a foreign Host, or an action by GET: refused, and nothing happens', needsChromium, async () => {
  const { origin, pathname } = new URL(url);
  const token = pathname.split('/')[1] ?? '';
  // Sync now was pressed by the cancel test: count the syncs asked for from here on.
  const syncsRequested = (): number => (readFileSync(join(a, '.git/annex/arbor/daemon.log'), 'utf8').match(/sync requested from the status page/g) ?? []).length;
  const syncsBefore = syncsRequested();
  for (const path of ['/', '/api/status', '/events', '/metrics', `/${'x'.repeat(token.length)}/api/status`, `/${token.slice(0, -1)}/events`]) {
    assert.deepEqual(await get(origin + path), { status: 403, body: 'forbidden\n' }, `${path} without the secret`);
  }
  assert.equal((await get(`${url}api/status`, { host: `evil.example:${new URL(url).port}` })).status, 403, 'a rebinding host');
  assert.equal((await get(`${url}events`, { host: 'evil.example' })).status, 403, 'the event stream checks the host too');
  assert.equal((await get(`${url}api/transfers/pause`, { method: 'POST', origin: 'http://evil.example' })).status, 403, 'a foreign origin cannot act');
  const byGet = await get(`${url}api/transfers/pause`);
  assert.equal(byGet.status, 405, 'an action by GET');
  assert.equal((await report()).transfersPaused.paused, false, 'the GET paused nothing');
  assert.equal((await get(`${url}api/sync`)).status, 405);
  assert.equal(syncsRequested(), syncsBefore, 'the GET asked for no sync');
  const metrics = await get(`${url}metrics`);
  assert.equal(metrics.status, 200);
  assert.match(metrics.body, /^arbor_remote_last_sync_timestamp_seconds\{remote="backup"\} \d/m);
  // `git arbor web` where no assistant runs: one line, exit 1.
  const r = await runArbor(['web', '--print'], { cwd: b });
  assert.equal(r.code, 1);
  assert.match(r.stderr, /^git-arbor: the assistant is not running for this repository \(start it with: git arbor assistant\)\n$/);
});

test('each remote shows how many of the files it wants it holds, as git-annex counts them', needsChromium, async () => {
  // No remote has a preferred content expression: each wants every annexed file of the tree.
  const annexCount = async (args: string[]): Promise<number> => (await git(a, 'annex', 'find', ...args, '--format=${file}\n')).split('\n').filter(Boolean).length;
  const shown = (remote: string): Promise<{ wanted: string | undefined; has: string | undefined; text: string }> =>
    page.$eval(`tr[data-remote="${remote}"]`, (e) => {
      const d = (e as unknown as { dataset: Record<string, string | undefined>; textContent: string | null }).dataset;
      return { wanted: d.wanted, has: d.has, text: (e as unknown as { textContent: string | null }).textContent ?? '' };
    });
  // The page counts in the background; the counts move while transfers finish: wait until the page and git-annex agree.
  await eventually('the content column agrees with git annex find', async () => {
    const total = await annexCount(['--include=*']);
    for (const remote of ['origin', 'backup', 'stick']) {
      const s = await shown(remote);
      if (s.wanted !== String(total) || s.has !== String(await annexCount([`--in=${remote}`]))) return false;
    }
    return total >= 2;
  }, { logOf: a });
  const s = await shown('stick');
  assert.match(s.text, new RegExp(`${s.has} of ${s.wanted} wanted`));
  const api = JSON.parse((await get(`${url}api/status`)).body) as { content: { files: number; remotes: Record<string, { wanted: { files: number; bytes: number } }> } };
  assert.equal(api.content.remotes.stick?.wanted.files, api.content.files, 'the API gives the same counts, with bytes');
  assert.ok((api.content.remotes.stick?.wanted.bytes ?? 0) >= 4 << 20);
});

test("a file's history from the page: its commit and the copies that received it, nothing about other files", needsChromium, async () => {
  await page.$eval('#history-path', (e) => {
    (e as unknown as { value: string }).value = 'cancel.bin';
  });
  await page.click('#history-show');
  await page.waitForFunction(() => document.querySelector('#history li[data-action="committed"]') !== null, { timeout: 60_000 });
  const lines = await page.$$eval('#history li', (l) => l.map((e) => (e as unknown as { textContent: string | null }).textContent ?? ''));
  assert.ok(lines.some((l) => /here\s*committed cancel\.bin/.test(l)), lines.join('\n'));
  assert.ok(lines.some((l) => /stick\s*received cancel\.bin/.test(l)), lines.join('\n'));
  assert.ok(lines.every((l) => l.includes('cancel.bin')), 'only that file');
  assert.equal((await get(`${url}api/history`)).status, 400, 'no path: a clear refusal');
  assert.equal((await get(`${new URL(url).origin}/api/history?path=cancel.bin`)).status, 403, 'not without the secret');
});
