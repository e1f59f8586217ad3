// Summary statistics for benchmark samples: median, quantiles, spread, and pairwise ratios.

/** The summary of a list of samples, as printed and stored in latest.json. */
export interface Summary {
  readonly n: number;
  readonly median: number;
  readonly min: number;
  readonly max: number;
  /** 25th and 75th percentile (linear interpolation); equal to min/max for fewer than 4 samples. */
  readonly p25: number;
  readonly p75: number;
  readonly p90: number;
  readonly samples: readonly number[];
}

/** The q-quantile (0..1) of sorted values with linear interpolation between neighbours. */
export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  const a = sorted[lo] as number;
  const b = sorted[hi] as number;
  return a + (b - a) * (pos - lo);
}

/** Summarises samples; undefined when there are none (a skipped or failed measurement). */
export function summarize(samples: readonly number[]): Summary | undefined {
  const xs = samples.filter((x) => Number.isFinite(x));
  if (xs.length === 0) return undefined;
  const s = [...xs].sort((a, b) => a - b);
  return {
    n: s.length,
    median: quantile(s, 0.5),
    min: s[0] as number,
    max: s[s.length - 1] as number,
    p25: s.length < 4 ? (s[0] as number) : quantile(s, 0.25),
    p75: s.length < 4 ? (s[s.length - 1] as number) : quantile(s, 0.75),
    p90: quantile(s, 0.9),
    samples: xs,
  };
}

/**
 * Ratios arbor / anchor computed pair by pair (sample i of one with sample i of the other, both
 * measured in the same round), so slow phases of a noisy machine hit both sides of each ratio.
 * Pairs where either side is missing are skipped.
 */
export function pairRatios(arbor: readonly number[], anchor: readonly number[]): number[] {
  const out: number[] = [];
  for (let i = 0; i < Math.min(arbor.length, anchor.length); i++) {
    const a = arbor[i] as number;
    const b = anchor[i] as number;
    if (Number.isFinite(a) && Number.isFinite(b) && b > 0) out.push(a / b);
  }
  return out;
}
