// Drawing the network map: a self-contained SVG with a layered layout, and Graphviz DOT (`git arbor map`).

import type { LinkJson, RepoGraphJson, RepositoryJson } from './graph.js';

/** What to draw besides the map itself. */
export interface RenderOptions {
  /** Links of the tree new content would travel along, as linkId(from, to, cost) strings: drawn highlighted. */
  readonly highlight?: ReadonlySet<string>;
}

/** The string `highlight` names a link by (parallel links differ by cost). */
export function linkId(from: string, to: string, cost: number): string {
  return `${from}->${to}:${cost}`;
}

function linkPair(from: string, to: string): string {
  return `${from}->${to}`;
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** A node's place: column (layer) and row. */
interface Place {
  readonly layer: number;
  readonly row: number;
}

/**
 * Layered layout: the layer of a repository is its hop distance from the one marked `here` (or the
 * first by UUID) over links in either availability; repositories it cannot reach go one column
 * further right. Within a column, repositories are ordered by the mean row of the repositories
 * linking to them (then by description and UUID), which keeps most links short and uncrossed.
 */
export function layoutLayers(map: RepoGraphJson): Map<string, Place> {
  const nodes = [...map.nodes].sort((a, b) => cmp(a.uuid, b.uuid));
  const out = new Map<string, string[]>();
  for (const e of map.edges) out.set(e.from, [...(out.get(e.from) ?? []), e.to]);
  const root = nodes.find((n) => n.here) ?? nodes[0];
  const layer = new Map<string, number>();
  if (root !== undefined) {
    layer.set(root.uuid, 0);
    const queue = [root.uuid];
    for (let i = 0; i < queue.length; i++) {
      const u = queue[i] as string;
      for (const v of (out.get(u) ?? []).sort(cmp)) {
        if (layer.has(v)) continue;
        layer.set(v, (layer.get(u) ?? 0) + 1);
        queue.push(v);
      }
    }
  }
  const last = Math.max(-1, ...layer.values()) + 1;
  for (const n of nodes) if (!layer.has(n.uuid)) layer.set(n.uuid, last);

  const byUuid = new Map(nodes.map((n) => [n.uuid, n]));
  const places = new Map<string, Place>();
  const layers = Math.max(0, ...layer.values()) + 1;
  for (let l = 0; l < layers; l++) {
    const members = nodes.filter((n) => layer.get(n.uuid) === l);
    const barycentre = (n: RepositoryJson): number => {
      const rows = map.edges.filter((e) => e.to === n.uuid && places.has(e.from)).map((e) => places.get(e.from)?.row ?? 0);
      return rows.length === 0 ? Number.POSITIVE_INFINITY : rows.reduce((s, r) => s + r, 0) / rows.length;
    };
    const keyed = members.map((n) => ({ n, b: barycentre(n) }));
    keyed.sort((x, y) => x.b - y.b || cmp(x.n.description, y.n.description) || cmp(x.n.uuid, y.n.uuid));
    keyed.forEach(({ n }, row) => places.set(n.uuid, { layer: l, row }));
  }
  for (const uuid of byUuid.keys()) if (!places.has(uuid)) places.set(uuid, { layer: 0, row: 0 });
  return places;
}

/** Escapes text for XML character data and attribute values. */
export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c] as string);
}

const BOX_W = 200;
const BOX_H = 58;
const COL_GAP = 130;
const ROW_GAP = 36;
const MARGIN = 24;

interface Point {
  readonly x: number;
  readonly y: number;
}

/** Where the line from the centre of a box towards `toward` leaves the box. */
function clipToBox(centre: Point, toward: Point): Point {
  const dx = toward.x - centre.x;
  const dy = toward.y - centre.y;
  if (dx === 0 && dy === 0) return centre;
  const scale = Math.min(dx === 0 ? Infinity : BOX_W / 2 / Math.abs(dx), dy === 0 ? Infinity : BOX_H / 2 / Math.abs(dy));
  return { x: centre.x + dx * scale, y: centre.y + dy * scale };
}

const fmt = (n: number): string => String(Math.round(n * 10) / 10);

/** The longest description shown whole in a box. */
const LABEL_MAX = 28;

/**
 * Shortens `text` to `max` characters keeping its start and, longer, its end: descriptions such as
 * "me@host:/srv/annex/photos" and "me@host:/srv/annex/music" differ at the end, which a cut
 * there would hide.
 */
export function shorten(text: string, max = LABEL_MAX): string {
  if (text.length <= max) return text;
  const tail = Math.ceil((max - 1) * 0.65);
  return `${text.slice(0, max - 1 - tail)}…${text.slice(-tail)}`;
}

/**
 * A label for every repository that tells different descriptions apart: shortened (see shorten);
 * where two different descriptions still shorten alike, the part they share at the start is
 * dropped and the rest shown from its end.
 */
export function repositoryLabels(nodes: readonly RepositoryJson[]): Map<string, string> {
  const labels = new Map<string, string>();
  const groups = new Map<string, RepositoryJson[]>();
  for (const n of nodes) {
    const l = n.description === '' ? '(no description)' : shorten(n.description);
    labels.set(n.uuid, l);
    groups.set(l, [...(groups.get(l) ?? []), n]);
  }
  for (const group of groups.values()) {
    const texts = [...new Set(group.map((n) => n.description))];
    if (texts.length < 2) continue;
    let common = 0;
    while (texts.every((t) => t[common] !== undefined && t[common] === texts[0]?.[common])) common++;
    for (const n of group) {
      const rest = n.description.slice(common);
      labels.set(n.uuid, rest.length + 1 <= LABEL_MAX ? `…${rest}` : `…${rest.slice(-(LABEL_MAX - 1))}`);
    }
  }
  return labels;
}

/** The lines of a repository's box: its remote names (or its description), then the description, then the short UUID. */
function boxLines(n: RepositoryJson, labels: ReadonlyMap<string, string>): { title: string; detail: string | undefined; id: string } {
  const description = labels.get(n.uuid) ?? shorten(n.description);
  const names = n.remotes?.length ? shorten(n.remotes.join(', ')) : undefined;
  return { title: names ?? description, detail: names !== undefined ? description : undefined, id: `${n.uuid.slice(0, 8)}${n.here ? ' · here' : ''}` };
}

/**
 * The map as a standalone SVG document (no external resources, no Graphviz needed). Each
 * repository is a box with its description and short UUID (full UUID in a <title>); `here` has a
 * thick border. Links are arrows labelled with their cost; unavailable ones are dashed, the
 * highlighted tree is drawn thick and green. Links both ways between two repositories bend apart.
 */
export function renderSvg(map: RepoGraphJson, options: RenderOptions = {}): string {
  const places = layoutLayers(map);
  const centre = (uuid: string): Point => {
    const p = places.get(uuid) ?? { layer: 0, row: 0 };
    return { x: MARGIN + p.layer * (BOX_W + COL_GAP) + BOX_W / 2, y: MARGIN + p.row * (BOX_H + ROW_GAP) + BOX_H / 2 };
  };
  const cols = Math.max(1, ...[...places.values()].map((p) => p.layer + 1));
  const rows = Math.max(1, ...[...places.values()].map((p) => p.row + 1));
  const width = 2 * MARGIN + cols * BOX_W + (cols - 1) * COL_GAP;
  // The legend takes two lines under the drawing: one line of it was wider than a two-column map.
  const height = 2 * MARGIN + rows * BOX_H + (rows - 1) * ROW_GAP + 32;
  const highlight = options.highlight ?? new Set<string>();

  const parts: string[] = [];
  parts.push(`<?xml version="1.0" encoding="UTF-8"?>`);
  parts.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`);
  parts.push(`<title>arbor network map</title>`);
  parts.push(
    `<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#777"/></marker>` +
      `<marker id="arrow-tree" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="6" markerHeight="6" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#1a9a5a"/></marker></defs>`,
  );
  parts.push(`<rect width="100%" height="100%" fill="white"/>`);

  const pairCount = new Map<string, number>();
  const edges = [...map.edges].sort((a, b) => cmp(a.from, b.from) || cmp(a.to, b.to) || a.cost - b.cost);
  for (const e of edges) {
    const a = centre(e.from);
    const b = centre(e.to);
    // Bend: links both ways, parallel links and links within one column curve to the side.
    const n = pairCount.get(linkPair(e.from, e.to)) ?? 0;
    pairCount.set(linkPair(e.from, e.to), n + 1);
    const reverse = map.edges.some((x) => x.from === e.to && x.to === e.from);
    const sameColumn = places.get(e.from)?.layer === places.get(e.to)?.layer;
    const bend = (reverse ? 18 : 0) + n * 16 + (sameColumn ? 60 : 0);
    const len = Math.hypot(b.x - a.x, b.y - a.y) || 1;
    const mid = { x: (a.x + b.x) / 2, y: (a.y + b.y) / 2 };
    const ctrl = { x: mid.x + ((b.y - a.y) / len) * bend, y: mid.y - ((b.x - a.x) / len) * bend };
    const start = clipToBox(a, ctrl);
    const end = clipToBox(b, ctrl);
    const tree = highlight.has(linkId(e.from, e.to, e.cost));
    const stroke = tree ? '#1a9a5a' : '#777';
    const dash = !e.available ? ' stroke-dasharray="6 4"' : e.inferred === true ? ' stroke-dasharray="2 3"' : '';
    const attrs = `fill="none" stroke="${stroke}" stroke-width="${tree ? 3 : 1.3}"${dash} marker-end="url(#${tree ? 'arrow-tree' : 'arrow'})"`;
    const cls = `link${tree ? ' tree' : ''}${e.available ? '' : ' unavailable'}${e.inferred === true ? ' inferred' : ''}`;
    const lx = 0.25 * start.x + 0.5 * ctrl.x + 0.25 * end.x;
    const ly = 0.25 * start.y + 0.5 * ctrl.y + 0.25 * end.y;
    parts.push(
      `<g class="${cls}" data-from="${escapeXml(e.from)}" data-to="${escapeXml(e.to)}"><title>${escapeXml(`${e.from} -> ${e.to}: cost ${e.cost}${e.available ? '' : ' (unavailable)'}${e.inferred === true ? ' (assumed: a repository that publishes no links, through a remote it shares)' : ''}`)}</title>` +
        `<path d="M${fmt(start.x)},${fmt(start.y)} Q${fmt(ctrl.x)},${fmt(ctrl.y)} ${fmt(end.x)},${fmt(end.y)}" ${attrs}/>` +
        `<text x="${fmt(lx)}" y="${fmt(ly - 4)}" text-anchor="middle" fill="${stroke}">${escapeXml(String(e.cost))}</text></g>`,
    );
  }
  const labels = repositoryLabels(map.nodes);
  for (const n of [...map.nodes].sort((a, b) => cmp(a.uuid, b.uuid))) {
    const lines = boxLines(n, labels);
    const c = centre(n.uuid);
    const x = c.x - BOX_W / 2;
    const y = c.y - BOX_H / 2;
    parts.push(
      `<g class="repository${n.here ? ' here' : ''}" data-uuid="${escapeXml(n.uuid)}"><title>${escapeXml(`${n.description} ${n.uuid}${n.here ? ' (here)' : ''}`)}</title>` +
        `<rect x="${fmt(x)}" y="${fmt(y)}" width="${BOX_W}" height="${BOX_H}" rx="8" fill="${n.here ? '#eef7f1' : '#f6f6f6'}" stroke="${n.here ? '#1a9a5a' : '#555'}" stroke-width="${n.here ? 3 : 1}"/>` +
        `<text x="${fmt(c.x)}" y="${fmt(c.y - (lines.detail !== undefined ? 9 : 3))}" text-anchor="middle" font-weight="bold">${escapeXml(lines.title)}</text>` +
        (lines.detail !== undefined ? `<text x="${fmt(c.x)}" y="${fmt(c.y + 6)}" text-anchor="middle" fill="#333" font-size="11">${escapeXml(lines.detail)}</text>` : '') +
        `<text x="${fmt(c.x)}" y="${fmt(c.y + (lines.detail !== undefined ? 20 : 13))}" text-anchor="middle" fill="#666" font-size="10">${escapeXml(lines.id)}</text></g>`,
    );
  }
  parts.push(`<text x="${MARGIN}" y="${height - 22}" fill="#888" font-size="10">green: the tree new content added here travels along · dashed: unavailable</text>`);
  parts.push(`<text x="${MARGIN}" y="${height - 10}" fill="#888" font-size="10">dotted: assumed (a git-annex repository, through a remote it shares)</text>`);
  parts.push(`</svg>`);
  return parts.join('\n') + '\n';
}

/** Quotes a DOT identifier or label. */
function dotString(text: string): string {
  return `"${text.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\r?\n/g, '\\n')}"`;
}

function dotEdge(e: LinkJson, tree: boolean): string {
  const attrs = [`label=${dotString(String(e.cost))}`];
  if (tree) attrs.push('color="#1a9a5a"', 'fontcolor="#1a9a5a"', 'penwidth=3');
  if (!e.available) attrs.push('style=dashed');
  else if (e.inferred === true) attrs.push('style=dotted');
  return `  ${dotString(e.from)} -> ${dotString(e.to)} [${attrs.join(', ')}];`;
}

/** The map in Graphviz DOT (for `dot -Tsvg`, xdot, …), with the same highlighting as the SVG. */
export function renderDot(map: RepoGraphJson, options: RenderOptions = {}): string {
  const highlight = options.highlight ?? new Set<string>();
  const lines = ['digraph arbor {', '  rankdir=LR;', '  node [shape=box, style=rounded, fontname="sans-serif"];', '  edge [fontname="sans-serif"];'];
  const labels = repositoryLabels(map.nodes);
  for (const n of [...map.nodes].sort((a, b) => cmp(a.uuid, b.uuid))) {
    const l = boxLines(n, labels);
    const text = [l.title, ...(l.detail !== undefined ? [l.detail] : []), `${n.uuid.slice(0, 8)}${n.here ? ' (here)' : ''}`].join('\n');
    const attrs = [`label=${dotString(text)}`, `tooltip=${dotString(n.uuid)}`];
    if (n.here) attrs.push('penwidth=3', 'color="#1a9a5a"');
    lines.push(`  ${dotString(n.uuid)} [${attrs.join(', ')}];`);
  }
  for (const e of [...map.edges].sort((a, b) => cmp(a.from, b.from) || cmp(a.to, b.to) || a.cost - b.cost)) lines.push(dotEdge(e, highlight.has(linkId(e.from, e.to, e.cost))));
  lines.push('}');
  return lines.join('\n') + '\n';
}
