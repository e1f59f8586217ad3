// `git arbor map [--format svg|dot|json|png]`: the network of repositories, with the tree new content travels along.

import { writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { buildNetworkMap } from '../../content/network-map.js';
import { planForNewContent } from '../../content/plan.js';
import { toJson } from '../../network/graph.js';
import { linkId, renderDot, renderSvg } from '../../network/map-render.js';
import { ArborError, UsageError } from '../../util/errors.js';
import { nodeSpawner, SpawnError } from '../../util/spawn.js';
import { withAnnex } from '../repo-context.js';
import type { ArborCommand } from '../command.js';

const FORMATS = ['svg', 'dot', 'json', 'png'] as const;
type MapFormat = (typeof FORMATS)[number];

/** Draws DOT as PNG with Graphviz's `dot`; a missing `dot` is one line saying what to install. */
async function drawPng(dot: string, env: NodeJS.ProcessEnv): Promise<Buffer> {
  let r;
  try {
    r = await nodeSpawner.run('dot', ['-Tpng'], { input: dot, env });
  } catch (err) {
    if (err instanceof SpawnError && err.data.errno === 'ENOENT') {
      throw new ArborError('ENODOT', 'map --format png needs Graphviz\'s dot, which is not on PATH (install graphviz: apt-get install graphviz)');
    }
    throw err;
  }
  if (r.code !== 0) throw new ArborError('EDOT', `dot -Tpng failed (exit ${r.code}): ${r.stderr.trim().split('\n')[0] ?? ''}`);
  return r.stdout;
}

/**
 * Prints the network map: SVG by default (drawn by arbor itself, no Graphviz needed), DOT for
 * Graphviz, PNG (the DOT drawn by Graphviz's `dot`, which must be installed), or JSON `{"nodes":[{uuid,description,here}],"edges":[{from,to,cost,available}]}`.
 * The SVG and DOT highlight the minimum-cost tree that content added here would travel along.
 */
export const mapCommand: ArborCommand = {
  name: 'map',
  summary: 'draw the network of repositories (svg, dot or json)',
  configure: (cmd) =>
    void cmd
      .option('--format <format>', 'svg, dot, json or png (png needs Graphviz\'s dot)', 'svg')
      .option('-o, --output <file>', 'write to this file instead of standard output'),
  run: (ctx, _args, opts) =>
    withAnnex(ctx, async (annex) => {
      const format = String(opts.format ?? 'svg');
      if (!(FORMATS as readonly string[]).includes(format)) throw new UsageError(`unknown map format ${format} (svg, dot, json or png)`);
      const graph = await buildNetworkMap(annex);
      const json = toJson(graph);
      let text: string | Buffer;
      if ((format as MapFormat) === 'json') text = `${JSON.stringify(json)}\n`;
      else {
        const plan = await planForNewContent(annex, { graph });
        const highlight = new Set(plan.edges.map((e) => linkId(e.from, e.to, e.cost)));
        text = format === 'svg' ? renderSvg(json, { highlight }) : renderDot(json, { highlight });
        if (format === 'png') text = await drawPng(text, ctx.env);
      }
      if (typeof opts.output === 'string') {
        await writeFile(resolve(ctx.cwd, opts.output), text);
        ctx.out.line(`map written to ${opts.output}`);
      } else ctx.out.stdout.write(text);
      return 0;
    }),
};
