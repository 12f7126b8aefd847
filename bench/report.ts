// The JSON document `npm run bench` prints: machine, results (each beside its floor), targets.
import { execFileSync } from 'node:child_process';
import { cpus, totalmem, release } from 'node:os';
import { median, percentile, round } from './stats';

export interface Floor {
  name: string;
  value: number;
}

export interface BenchResult {
  name: string;
  value: number;
  unit: 'ms' | 'ops/s';
  floor: Floor | null;
  /** value / floor.value: above 1 is slower for ms, faster for ops/s. */
  ratio: number | null;
  samples: number;
  /** The 90th percentile for times, the 10th for rates (the slow tail either way). */
  tail: number;
  note?: string;
}

export interface Target {
  name: string;
  description: string;
  /** The measured figure the target judges (a ratio). */
  value: number | null;
  limit: number;
  comparison: 'at-most' | 'at-least';
  met: boolean | null;
}

export interface BenchDocument {
  machine: Record<string, unknown>;
  results: BenchResult[];
  targets: Target[];
  skipped: Array<{ name: string; reason: string }>;
  /** Size in bytes of each file `npm run package` made (dist/packages). */
  packageBytes?: Record<string, number>;
  durationSeconds: number;
}

function quiet(cmd: string, args: string[]): string | null {
  try {
    return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
  } catch {
    return null;
  }
}

export function describeMachine(): Record<string, unknown> {
  const cpu = cpus();
  return {
    node: process.version,
    platform: process.platform,
    arch: process.arch,
    kernel: release(),
    cpuModel: cpu[0]?.model.trim() ?? 'unknown',
    cpus: cpu.length,
    memoryGiB: round(totalmem() / 2 ** 30, 1),
    openssl: quiet('openssl', ['version']),
    softhsm: quiet('softhsm2-util', ['--version']),
    chromium: quiet('/usr/bin/chromium', ['--version']),
    gitCommit: quiet('git', ['rev-parse', '--short', 'HEAD']),
    date: new Date().toISOString(),
  };
}

export class Report {
  readonly results: BenchResult[] = [];
  readonly targets: Target[] = [];
  readonly skipped: Array<{ name: string; reason: string }> = [];

  /** Record a figure from its samples (times in ms, or rates in ops/s). */
  add(name: string, unit: BenchResult['unit'], samples: number[], floor: Floor | null, note?: string): BenchResult {
    const value = median(samples);
    const result: BenchResult = {
      name,
      value: round(value),
      unit,
      floor: floor && { name: floor.name, value: round(floor.value) },
      ratio: floor ? round(value / floor.value) : null,
      samples: samples.length,
      tail: round(unit === 'ms' ? percentile(samples, 90) : percentile(samples, 10)),
    };
    if (note) result.note = note;
    this.results.push(result);
    return result;
  }

  get(name: string): BenchResult | undefined {
    return this.results.find((r) => r.name === name);
  }

  /** The ratio of a recorded result to its floor, or null when it was not measured. */
  ratioOf(resultName: string): number | null {
    return this.get(resultName)?.ratio ?? null;
  }

  /** The ratio between two recorded results of the same unit, or null. */
  ratioBetween(a: string, b: string): number | null {
    const ra = this.get(a);
    const rb = this.get(b);
    return ra && rb ? round(ra.value / rb.value) : null;
  }

  /** A target on a ratio; an unmeasured ratio (null) gives met: null. */
  target(name: string, description: string, value: number | null, comparison: Target['comparison'], limit: number): void {
    const met = value === null ? null : comparison === 'at-most' ? value <= limit : value >= limit;
    this.targets.push({ name, description, value, limit, comparison, met });
  }

  skip(name: string, reason: string): void {
    this.skipped.push({ name, reason });
  }
}
