// The one in-memory cache: a Map that keeps at most `limit` entries, dropping the least recently used.
// Parsed certificates, keys and encoded parts are cached with it, so hostile input cannot grow memory.

export class BoundedCache<K, V> {
  private readonly entries = new Map<K, V>();

  constructor(readonly limit: number) {
    if (!(limit >= 1)) throw new RangeError(`a cache holds at least one entry, not ${limit}`);
  }

  get size(): number {
    return this.entries.size;
  }

  /** The value for `key`, now the most recently used; undefined when absent. */
  get(key: K): V | undefined {
    const value = this.entries.get(key);
    if (value === undefined) return undefined;
    this.entries.delete(key);
    this.entries.set(key, value);
    return value;
  }

  has(key: K): boolean {
    return this.entries.has(key);
  }

  /** Stores `value` (returned), dropping the least recently used entry when full. */
  set(key: K, value: V): V {
    this.entries.delete(key);
    this.entries.set(key, value);
    if (this.entries.size > this.limit) this.entries.delete(this.entries.keys().next().value as K);
    return value;
  }

  /** The cached value, or `make()`'s, stored. */
  getOrCreate(key: K, make: () => V): V {
    const known = this.get(key);
    return known === undefined ? this.set(key, make()) : known;
  }

  delete(key: K): boolean {
    return this.entries.delete(key);
  }

  clear(): void {
    this.entries.clear();
  }
}
