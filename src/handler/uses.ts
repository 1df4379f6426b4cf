// The use counts behind a token's `maxUses`. Only tokens whose signature verified reach the store, so its size is
// bounded by the tokens you issue that get used within their lifetime; entries are dropped once their token expires.

/** Where the handler counts how often each `maxUses` token was used. Share one across processes (e.g. Redis). */
export interface TokenUsesStore {
  /**
   * Adds one use of token `id` and returns the count including this one. Must be atomic across everything sharing
   * the store (Redis: `INCR` then `PEXPIREAT`). `expiresAt` (ms since the epoch) is when the entry may go.
   */
  add(id: string, expiresAt: number): number | Promise<number>;
  /** Takes one use back: the upstream refused with 429/503, so nothing was logged and the browser may retry. */
  remove?(id: string): void | Promise<void>;
}

/**
 * The default store: a Map in this process. Counts are lost on restart and not shared between processes,
 * instances or isolates, so across N of them a token may be used up to N × maxUses times.
 */
export function memoryUsesStore(): TokenUsesStore {
  const counts = new Map<string, { n: number; expiresAt: number }>();
  let nextSweep = 0;
  return {
    add(id, expiresAt) {
      const now = Date.now();
      // Sweep at most once a minute: O(entries), and only expired tokens go.
      if (now >= nextSweep) {
        for (const [k, v] of counts) if (v.expiresAt <= now) counts.delete(k);
        nextSweep = now + 60_000;
      }
      const entry = counts.get(id) ?? { n: 0, expiresAt };
      entry.n++;
      counts.set(id, entry);
      return entry.n;
    },
    remove(id) {
      const entry = counts.get(id);
      if (entry && entry.n > 0) entry.n--;
    },
  };
}
