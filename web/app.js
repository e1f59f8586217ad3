// The status page: renders the assistant's report (the same as `git arbor status --json`) and follows its event stream.
// Plain ES module, no build step. Every URL is relative to the page, whose path holds the secret.

const base = location.pathname.endsWith('/') ? location.pathname : `${location.pathname}/`;
const $ = (id) => document.getElementById(id);

/** An element with attributes and children (strings become text: nothing from the report is parsed as HTML). */
function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else if (k === 'dataset') Object.assign(el.dataset, v);
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat()) if (c !== undefined && c !== null && c !== false) el.append(c instanceof Node ? c : String(c));
  return el;
}

const timeFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'short', timeStyle: 'medium' });
const clockFormat = new Intl.DateTimeFormat(undefined, { timeStyle: 'short' });

/** "3 min ago" (with the local date and time as its title). */
function ago(now, t) {
  if (t === undefined || t === null) return h('span', { class: 'muted' }, 'never');
  const s = Math.max(0, Math.round((now - t) / 1000));
  const text = s < 60 ? `${s} s ago` : s < 3600 ? `${Math.round(s / 60)} min ago` : s < 86400 ? `${Math.round(s / 3600)} h ago` : timeFormat.format(t);
  return h('time', { datetime: new Date(t).toISOString(), title: timeFormat.format(t) }, text);
}

function size(n) {
  if (n === undefined || n === null) return '?';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) (n /= 1024), i++;
  return `${i ? n.toFixed(1) : n} ${units[i]}`;
}

async function post(path, body = {}) {
  const res = await fetch(base + path, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
  const answer = await res.json().catch(() => ({}));
  if (!res.ok) alert(answer.error ?? `${path}: ${res.status}`);
  return answer;
}

/** Bytes per second of each running transfer, from the last two reports that showed it. */
const seen = new Map();
function rateOf(t, now) {
  const id = `${t.direction} ${t.key} ${t.remote}`;
  const before = seen.get(id);
  seen.set(id, { done: t.done, time: now, rate: before?.rate });
  if (before && now > before.time && t.done >= before.done) {
    const rate = ((t.done - before.done) * 1000) / (now - before.time);
    seen.get(id).rate = before.rate === undefined ? rate : 0.7 * rate + 0.3 * before.rate;
  }
  return seen.get(id).rate;
}

function remoteState(r, now) {
  if (r.state === 'unreachable') return [h('span', { class: 'state-unreachable' }, 'unreachable'), r.unreachableSince ? [' since ', ago(now, r.unreachableSince)] : '', r.reason ? h('div', { class: 'muted' }, r.reason) : '', r.nextTry ? h('div', { class: 'muted' }, `next try ${clockFormat.format(r.nextTry)}`) : ''];
  if (r.state === 'away') return [h('span', { class: 'state-away' }, 'away (unplugged)'), r.unreachableSince ? [' since ', ago(now, r.unreachableSince)] : ''];
  if (r.state === 'reachable' || (r.state === undefined && r.lastSync !== undefined)) return h('span', { class: 'state-reachable' }, 'reachable');
  return h('span', { class: 'muted' }, 'not tried yet');
}

function remoteFailure(r, now) {
  if (!r.lastFailure) return h('span', { class: 'muted' }, 'none');
  const failing = r.failingSince !== undefined && (r.lastSync === undefined || r.lastSync < r.lastFailure.time);
  return [failing ? `failing since ${clockFormat.format(r.failingSince)} (${r.attempts} tries)` : 'last failure ', ago(now, r.lastFailure.time), h('div', { class: 'muted' }, r.lastFailure.error), failing && r.nextTry ? h('div', { class: 'muted' }, `next retry ${clockFormat.format(r.nextTry)}`) : ''];
}

function notices(r) {
  const n = r.notices;
  if (!n) return h('span', { class: 'muted' }, '—');
  return [n.state, n.via ? ` (${n.via})` : '', n.reason ? h('div', { class: 'muted' }, n.reason) : ''];
}

/** "in step", "2 to send", "3 to merge" for a remote's branch against ours. */
function divergence(d) {
  if (!d) return h('span', { class: 'muted' }, '—');
  if (d.ahead === 0 && d.behind === 0) return 'in step';
  return [d.ahead ? `${d.ahead} ahead` : '', d.ahead && d.behind ? ', ' : '', d.behind ? `${d.behind} behind` : ''].join('');
}

/** The rate of a remote's running transfers now (from the page's own estimates) and its configured limit. */
function rates(name, r, now) {
  const running = r.transfers.running.filter((x) => x.remote === name && !x.held);
  const rate = running.reduce((sum, x) => sum + (rateOf(x, now) ?? 0), 0);
  const limit = r.rateLimits?.remotes?.[name] ?? r.rateLimits?.overall;
  const parts = [running.length ? `now ${size(rate)}/s` : '', limit ? `limit ${size(limit)}/s${r.rateLimits?.remotes?.[name] === undefined ? ' (overall)' : ''}` : ''].filter(Boolean);
  return parts.length ? h('div', { class: 'muted rate' }, parts.join(' · ')) : '';
}

/** "8 of 10 wanted files (1.2 of 1.5 GiB)", with what is missing and what it holds beyond its wants. */
function content(c, stale) {
  if (!c) return h('span', { class: 'muted' }, stale === undefined ? 'counting…' : '—');
  const missing = c.wanted.files - c.wantedPresent.files;
  const extra = c.present.files - c.wantedPresent.files;
  return [
    `${c.wantedPresent.files} of ${c.wanted.files} wanted`,
    h('div', { class: 'muted' }, `${size(c.wantedPresent.bytes)} of ${size(c.wanted.bytes)}${missing ? ` · ${missing} missing (${size(c.wanted.bytes - c.wantedPresent.bytes)})` : ''}${extra ? ` · ${extra} more not wanted` : ''}${stale ? ' · recounting' : ''}`),
  ];
}

/** A drive's "safe to unplug" answer, with the reasons when it is not. */
function unplug(d) {
  const u = d.unplug;
  if (u.safe === 'yes') return h('span', { class: 'safe-yes' }, 'yes');
  if (u.safe === 'unplugged') return h('span', { class: 'muted' }, 'not plugged in');
  return [h('span', { class: 'safe-no' }, 'not yet'), ...u.reasons.map((r) => h('div', { class: 'muted' }, r))];
}

function driveRow(d, now) {
  const space = d.free === undefined ? h('span', { class: 'muted' }, '—') : [`${size(d.free)} free`, d.size ? h('div', { class: 'muted' }, `of ${size(d.size)}${d.fsType ? ` (${d.fsType})` : ''}`) : ''];
  return h('tr', { dataset: { drive: d.name, safe: d.unplug.safe } }, h('th', {}, d.name, h('div', { class: 'muted' }, d.path)), h('td', {}, ago(now, d.lastSync)), h('td', {}, space), h('td', {}, unplug(d)));
}

/** The map drawing on screen, by version; a newer one is fetched (api/map.svg) only when the report names another. */
let mapShown;
let mapWanted;
async function showMap(version) {
  if (version === mapShown || version === mapWanted) return;
  mapWanted = version;
  const res = await fetch(base + 'api/map.svg').catch(() => undefined);
  if (mapWanted === version && !res?.ok) mapWanted = undefined; // the next report tries again
  if (!res?.ok || mapWanted !== version) return;
  // Parsed as XML, not HTML: an SVG document the daemon drew with every text escaped; the CSP runs no script in it.
  const svg = new DOMParser().parseFromString(await res.text(), 'image/svg+xml').documentElement;
  if (svg.nodeName !== 'svg') return;
  $('map').replaceChildren(document.importNode(svg, true));
  $('map').dataset.version = mapShown = version;
}

let paused = false;
/** Whether the first report is on screen (marked for the benchmark: performance entry "arbor:first-render"). */
let rendered = false;

function render(r) {
  const now = r.time ?? Date.now();
  document.body.dataset.verdict = r.verdict.state;
  $('repo').textContent = r.repository ? `· ${r.repository}` : '';
  document.title = `arbor: ${r.verdict.title}`;
  $('verdict').className = `verdict ${r.verdict.state}`;
  $('verdict-title').textContent = r.verdict.title;
  $('verdict-reason').textContent = r.verdict.reason ?? '';
  $('verdict-action').textContent = r.verdict.action ? `what to do: ${r.verdict.action}` : '';
  paused = r.transfersPaused?.paused === true;
  $('pause').textContent = paused ? 'Resume transfers' : 'Pause transfers';
  $('sync').disabled = $('pause').disabled = !r.running;

  $('problems-section').hidden = r.problems.length < 2;
  $('problems').replaceChildren(...r.problems.map((p) => h('li', {}, p.message, ' ', h('span', { class: 'muted' }, 'since '), ago(now, p.since))));

  const names = Object.keys(r.remotes).sort();
  $('no-remotes').hidden = names.length > 0;
  $('remotes').tBodies[0].replaceChildren(
    ...names.map((name) => {
      const s = r.remotes[name];
      const c = r.content?.remotes?.[name];
      const counts = c ? { wanted: c.wanted.files, has: c.wantedPresent.files } : {};
      return h('tr', { dataset: { remote: name, sent: s.sent ?? 0, ...counts } }, h('th', {}, name), h('td', {}, remoteState(s, now)), h('td', { class: 'last-sync' }, 'push ', ago(now, s.lastSync), h('div', {}, 'fetch ', ago(now, s.lastFetch))), h('td', {}, divergence(r.divergence?.[name])), h('td', {}, remoteFailure(s, now)), h('td', {}, content(c, r.content ? r.content.stale : undefined)), h('td', {}, `${s.sent ?? 0} / ${s.received ?? 0}`, rates(name, r, now)), h('td', {}, notices(s)));
    }),
  );

  const drives = r.drives ?? [];
  $('no-drives').hidden = drives.length > 0;
  $('drives').tBodies[0].replaceChildren(...drives.map((d) => driveRow(d, now)));
  if (r.map) void showMap(r.map.version);

  const t = r.transfers;
  $('transfers-summary').textContent = `${t.running.length} running, ${t.queued} queued${paused ? ' · paused' : ''}`;
  $('transfers').replaceChildren(
    ...t.running.map((x) => {
      const rate = rateOf(x, now);
      const pct = x.total ? Math.floor((x.done / x.total) * 100) : undefined;
      const left = rate && x.total ? Math.round((x.total - x.done) / rate) : undefined;
      return h(
        'li',
        { dataset: { key: x.key, remote: x.remote, held: x.held ? 'yes' : 'no', done: x.done } },
        h('span', {}, `${x.direction === 'upload' ? 'to' : 'from'} ${x.remote}: ${x.file}`, h('div', { class: 'muted' }, `${size(x.done)} of ${size(x.total)}${pct === undefined ? '' : ` (${pct} %)`}${rate && !x.held ? ` · ${size(rate)}/s` : ''}${left !== undefined && !x.held ? ` · ${left} s left` : ''}${x.held ? ' · paused' : ''}`)),
        h('progress', { max: x.total ?? 1, value: x.total ? x.done : undefined }),
        h('button', { type: 'button', class: 'cancel', onclick: () => post('api/transfers/cancel', { key: x.key, remote: x.remote, direction: x.direction }) }, 'Cancel'),
      );
    }),
  );

  $('conflicts').replaceChildren(...(r.conflicts.length ? r.conflicts.map((c) => h('li', {}, h('strong', {}, c.path), ` (${c.kind}, merging ${c.ref}): kept as ${c.results.join(' and ')} `, ago(now, c.time))) : [h('li', { class: 'muted' }, 'none')]));
  $('activity').replaceChildren(...[...r.activity].reverse().map((e) => h('li', { dataset: { type: e.type } }, h('time', { datetime: e.at, title: timeFormat.format(e.time) }, timeFormat.format(e.time)), e.message)));
  if (r.activity.length === 0) $('activity').append(h('li', { class: 'muted' }, 'nothing yet'));

  $('updated').textContent = `updated ${clockFormat.format(now)}`;
  $('pending').textContent = `${r.pendingChanges} pending change${r.pendingChanges === 1 ? '' : 's'}${r.scanning ? ' (scanning)' : ''}`;
  $('watcher').textContent = r.watcher ? `watcher: ${r.watcher.backend}${r.watcher.degraded ? ' (degraded)' : ''}` : '';
  if (!rendered) {
    rendered = true;
    performance.mark('arbor:first-render');
  }
}

/** Asks for one file's history and lists it: its commits, and which copies received or dropped its versions. */
async function showHistory() {
  const path = $('history-path').value.trim();
  if (!path) return;
  const res = await fetch(`${base}api/history?path=${encodeURIComponent(path)}`);
  const answer = await res.json().catch(() => ({}));
  const entries = res.ok ? answer.entries ?? [] : [];
  $('history-note').hidden = false;
  $('history-note').textContent = res.ok ? (entries.length ? `${path}: ${entries.length} entr${entries.length === 1 ? 'y' : 'ies'}, newest first` : `no history of ${path}`) : answer.error ?? `${res.status}`;
  $('history').dataset.path = path;
  $('history').replaceChildren(...entries.map((e) => h('li', { dataset: { action: e.action, copy: e.copy } }, h('time', { datetime: e.at, title: timeFormat.format(e.time) }, timeFormat.format(e.time)), h('strong', {}, e.copy), ' ', e.text)));
}

$('history-show').addEventListener('click', () => void showHistory());
$('history-path').addEventListener('keydown', (e) => {
  if (e.key === 'Enter') void showHistory();
});
$('sync').addEventListener('click', () => post('api/sync'));
$('pause').addEventListener('click', () => post(paused ? 'api/transfers/resume' : 'api/transfers/pause'));

const events = new EventSource(base + 'events');
events.addEventListener('status', (e) => render(JSON.parse(e.data)));
events.addEventListener('open', () => {
  $('live').className = 'live';
  $('live').textContent = 'live';
});
events.addEventListener('error', () => {
  $('live').className = 'live off';
  $('live').textContent = 'reconnecting…';
});
