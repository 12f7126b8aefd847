// A small seeded PRNG (mulberry32) so that every fuzz run can be replayed from its seed.
export class Rng {
  private state: number;
  constructor(readonly seed: number) {
    this.state = seed >>> 0;
  }
  /** Uniform in [0, 1). */
  next(): number {
    let t = (this.state = (this.state + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(maxExclusive: number): number {
    return Math.floor(this.next() * maxExclusive);
  }
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)]!;
  }
  bytes(n: number): Buffer {
    const out = Buffer.alloc(n);
    for (let i = 0; i < n; i++) out[i] = this.int(256);
    return out;
  }
  /** `count` values, each made by a maker drawn with probability proportional to its weight. */
  draw<T>(makers: ReadonlyArray<readonly [number, () => T]>, count: number): T[] {
    const total = makers.reduce((sum, [weight]) => sum + weight, 0);
    const out: T[] = [];
    for (let n = 0; n < count; n++) {
      let roll = this.int(total);
      for (const [weight, make] of makers) {
        if (roll < weight) {
          out.push(make());
          break;
        }
        roll -= weight;
      }
    }
    return out;
  }
  string(n: number, alphabet = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789'): string {
    let s = '';
    for (let i = 0; i < n; i++) s += alphabet[this.int(alphabet.length)];
    return s;
  }
}

export function seedFromEnv(name: string, fallback: number): number {
  const raw = process.env[name];
  const parsed = raw === undefined ? NaN : Number.parseInt(raw, 10);
  return Number.isFinite(parsed) ? parsed : fallback;
}
