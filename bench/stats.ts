// Small statistics and timing helpers: medians over repeated runs, never single shots.

export function median(values: number[]): number {
  if (values.length === 0) throw new Error('median of nothing');
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index]!;
}

/** Time `fn` `runs` times (after `warmup` untimed runs); milliseconds per run. */
export async function timeRuns(runs: number, fn: () => unknown, warmup = 0): Promise<number[]> {
  for (let i = 0; i < warmup; i++) await fn();
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    await fn();
    samples.push(performance.now() - start);
  }
  return samples;
}

export function round(value: number, digits = 3): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

export function progress(message: string): void {
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}\n`);
}

/**
 * Operations per second of several functions measured together: `batches` batches of `perBatch`
 * calls each (the report takes the median batch rate; batching keeps timer resolution out of
 * sub-millisecond figures), one batch of each in turn, so that drift on the machine (other work,
 * frequency changes) hits a figure and its floor alike. Each is first warmed up long enough for V8
 * to have optimized the code: a few hundred calls are not, and the first case measured would pay
 * for the JIT of code the later ones share.
 */
export async function interleavedOpsPerSecond(batches: number, runs: Array<{ fn: () => unknown; perBatch: number }>, warmupMs = 1000): Promise<number[][]> {
  for (const { fn } of runs) for (const until = performance.now() + warmupMs; performance.now() < until; ) await fn();
  const rates: number[][] = runs.map(() => []);
  for (let b = 0; b < batches; b++) {
    for (const [i, { fn, perBatch }] of runs.entries()) {
      const start = performance.now();
      for (let k = 0; k < perBatch; k++) await fn();
      rates[i]!.push((perBatch * 1000) / (performance.now() - start));
    }
  }
  return rates;
}
