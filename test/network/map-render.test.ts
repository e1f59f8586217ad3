// Drawing the network map: a well-formed standalone SVG with every repository, and Graphviz DOT.
import '../helpers/env.js';
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { escapeXml, layoutLayers, linkId, renderDot, renderSvg } from '../../src/network/map-render.js';
import type { RepoGraphJson } from '../../src/network/graph.js';

const A = 'aaaaaaaa-0000-0000-0000-000000000000';
const B = 'bbbbbbbb-0000-0000-0000-000000000000';
const C = 'cccccccc-0000-0000-0000-000000000000';
const D = 'dddddddd-0000-0000-0000-000000000000';
const E = 'eeeeeeee-0000-0000-0000-000000000000';

const MAP: RepoGraphJson = {
  nodes: [
    { uuid: A, description: 'laptop <A> & "home"', here: true },
    { uuid: B, description: 'usb drive', here: false },
    { uuid: C, description: '', here: false },
    { uuid: D, description: 'server', here: false },
    { uuid: E, description: 'island', here: false },
  ],
  edges: [
    { from: A, to: B, cost: 10, available: true },
    { from: A, to: C, cost: 100, available: true },
    { from: B, to: C, cost: 10, available: true },
    { from: C, to: B, cost: 10, available: true },
    { from: C, to: D, cost: 200, available: false },
  ],
};

type XmlElement = { name: string; attrs: Map<string, string>; children: XmlElement[]; text: string };

/**
 * A strict little XML reader, enough to prove a document well-formed: one root, properly nested
 * and closed tags, quoted unique attributes, only the five predefined entities or numeric ones.
 * Throws on anything else.
 */
function parseXml(doc: string): XmlElement {
  let i = 0;
  const fail = (why: string): never => {
    throw new Error(`not well-formed at ${i}: ${why}: ${JSON.stringify(doc.slice(i, i + 40))}`);
  };
  const checkText = (text: string): string => {
    if (/<|&(?!(amp|lt|gt|quot|apos|#\d+|#x[0-9a-fA-F]+);)/.test(text)) fail('bare < or & in text');
    return text;
  };
  if (doc.startsWith('<?xml')) i = doc.indexOf('?>') + 2;
  const name = /^[A-Za-z_][\w.:-]*/;
  const element = (): XmlElement => {
    if (doc[i] !== '<') fail('expected <');
    i++;
    const tag = name.exec(doc.slice(i))?.[0] ?? fail('tag name');
    i += tag.length;
    const el: XmlElement = { name: tag, attrs: new Map(), children: [], text: '' };
    for (;;) {
      const ws = /^\s*/.exec(doc.slice(i))?.[0] ?? '';
      i += ws.length;
      if (doc.startsWith('/>', i)) {
        i += 2;
        return el;
      }
      if (doc[i] === '>') {
        i++;
        break;
      }
      if (ws === '') fail('attributes need whitespace before them');
      const attr = name.exec(doc.slice(i))?.[0] ?? fail('attribute name');
      i += attr.length;
      if (doc[i] !== '=' || (doc[i + 1] !== '"' && doc[i + 1] !== "'")) fail('attribute value must be quoted');
      const quote = doc[i + 1] as string;
      const end = doc.indexOf(quote, i + 2);
      if (end < 0) fail('unterminated attribute');
      if (el.attrs.has(attr)) fail(`duplicate attribute ${attr}`);
      el.attrs.set(attr, checkText(doc.slice(i + 2, end)));
      i = end + 1;
    }
    for (;;) {
      const lt = doc.indexOf('<', i);
      if (lt < 0) fail(`unclosed <${tag}>`);
      el.text += checkText(doc.slice(i, lt));
      i = lt;
      if (doc.startsWith(`</${tag}>`, i)) {
        i += tag.length + 3;
        return el;
      }
      if (doc.startsWith('</', i)) fail(`mismatched close inside <${tag}>`);
      el.children.push(element());
    }
  };
  i += /^\s*/.exec(doc.slice(i))?.[0].length ?? 0;
  const root = element();
  if (doc.slice(i).trim() !== '') fail('content after the root element');
  return root;
}

function all(el: XmlElement, pred: (e: XmlElement) => boolean): XmlElement[] {
  return [...(pred(el) ? [el] : []), ...el.children.flatMap((c) => all(c, pred))];
}

test('the tiny XML check rejects what is not well-formed', () => {
  assert.throws(() => parseXml('<a><b></a>'));
  assert.throws(() => parseXml('<a x=1/>'));
  assert.throws(() => parseXml('<a>&nbsp;</a>'));
  assert.throws(() => parseXml('<a/><b/>'));
  assert.equal(parseXml('<a x="&amp;"><b/>t</a>').children.length, 1);
});

test('the SVG is well-formed, standalone, and has every repository and link', () => {
  const svg = renderSvg(MAP, { highlight: new Set([linkId(A, B, 10), linkId(B, C, 10)]) });
  const root = parseXml(svg);
  assert.equal(root.name, 'svg');
  assert.equal(root.attrs.get('xmlns'), 'http://www.w3.org/2000/svg');
  assert.doesNotMatch(svg, /href=|<image|<script/, 'no external resources');
  const repos = all(root, (e) => e.name === 'g' && (e.attrs.get('class') ?? '').split(' ').includes('repository'));
  assert.deepEqual(repos.map((g) => g.attrs.get('data-uuid')).sort(), [A, B, C, D, E]);
  const here = repos.filter((g) => g.attrs.get('class')?.includes('here')).map((g) => g.attrs.get('data-uuid'));
  assert.deepEqual(here, [A]);
  assert.ok(repos.some((g) => g.children.some((c) => c.text === 'laptop <A> & "home"'.replace(/[&<>"]/g, (ch) => escapeXml(ch)))), 'description escaped, not dropped');
  const links = all(root, (e) => e.name === 'g' && (e.attrs.get('class') ?? '').split(' ').includes('link'));
  assert.equal(links.length, MAP.edges.length);
  const tree = links.filter((g) => g.attrs.get('class')?.includes('tree')).map((g) => `${g.attrs.get('data-from')}>${g.attrs.get('data-to')}`);
  assert.deepEqual(tree.sort(), [`${A}>${B}`, `${B}>${C}`]);
  const down = links.filter((g) => g.attrs.get('class')?.includes('unavailable')).map((g) => g.attrs.get('data-to'));
  assert.deepEqual(down, [D]);
});

test('layout: columns by hops from here, unreachable repositories in a last column, no two in one place', () => {
  const places = layoutLayers(MAP);
  assert.equal(places.get(A)?.layer, 0);
  assert.equal(places.get(B)?.layer, 1);
  assert.equal(places.get(C)?.layer, 1);
  assert.equal(places.get(D)?.layer, 2);
  assert.equal(places.get(E)?.layer, 3);
  const spots = [...places.values()].map((p) => `${p.layer}/${p.row}`);
  assert.equal(new Set(spots).size, spots.length);
  // An empty map still draws.
  assert.equal(parseXml(renderSvg({ nodes: [], edges: [] })).name, 'svg');
});

test('DOT: one node per repository, one edge per link, quotes escaped, tree highlighted and unavailable dashed', () => {
  const dot = renderDot(MAP, { highlight: new Set([linkId(A, B, 10)]) });
  assert.match(dot, /^digraph arbor \{\n/);
  assert.match(dot, /\}\n$/);
  assert.equal((dot.match(/^ {2}"[0-9a-f-]{36}" \[label=/gm) ?? []).length, 5);
  assert.equal((dot.match(/ -> /g) ?? []).length, 5);
  assert.match(dot, /label="laptop <A> & \\"home\\"\\naaaaaaaa \(here\)"/);
  assert.match(dot, new RegExp(`"${A}" -> "${B}" \\[label="10", color="#1a9a5a"`));
  assert.match(dot, new RegExp(`"${C}" -> "${D}" \\[label="200", style=dashed\\]`));
});
