/**
 * A least-recently-used map under a byte budget (the encoder cache's store). An entry counts the
 * bytes its caller says it keeps alive; storing one evicts the least recently used entries until
 * the total fits. A budget of 0 stores nothing.
 */
export class ByteLru<V> {
  private readonly entries = new Map<string, { value: V; bytes: number }>();
  private total = 0;

  /** @param budgetBytes the most bytes held at once (>= 0). */
  constructor(readonly budgetBytes: number) {
    if (!(budgetBytes >= 0) || !Number.isFinite(budgetBytes)) throw new RangeError(`budgetBytes must be a finite number >= 0, got ${budgetBytes}`);
  }

  /** The value under `key`, now the most recently used; undefined when absent. */
  get(key: string): V | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    // Map keeps insertion order: re-inserting moves the entry to the young end.
    this.entries.delete(key);
    this.entries.set(key, entry);
    return entry.value;
  }

  /**
   * Stores `value` as the most recently used, evicting the oldest entries to fit; false (nothing
   * stored) when it alone exceeds the budget or the budget is 0.
   */
  set(key: string, value: V, bytes: number): boolean {
    this.delete(key);
    if (this.budgetBytes === 0 || bytes > this.budgetBytes) return false;
    for (const [oldKey, old] of this.entries) {
      if (this.total + bytes <= this.budgetBytes) break;
      this.entries.delete(oldKey);
      this.total -= old.bytes;
    }
    this.entries.set(key, { value, bytes });
    this.total += bytes;
    return true;
  }

  has(key: string): boolean {
    return this.entries.has(key);
  }

  delete(key: string): void {
    const entry = this.entries.get(key);
    if (!entry) return;
    this.entries.delete(key);
    this.total -= entry.bytes;
  }

  clear(): void {
    this.entries.clear();
    this.total = 0;
  }

  /** Bytes held now. */
  get bytes(): number {
    return this.total;
  }

  /** Entries held now. */
  get size(): number {
    return this.entries.size;
  }

  /** Keys from the least to the most recently used. */
  keys(): string[] {
    return [...this.entries.keys()];
  }
}
