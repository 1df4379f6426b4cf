// Small statistics helpers. Medians, not means: on a shared machine one slow round must not move the result.

export const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const n = s.length;
  if (!n) return Number.NaN;
  return n % 2 ? s[(n - 1) / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
};

/** Spread of a sample: min, max, and (max − min) / median as a percentage. */
export function spread(xs) {
  const m = median(xs);
  const min = Math.min(...xs);
  const max = Math.max(...xs);
  return { min, max, pct: m ? ((max - min) / m) * 100 : Number.NaN };
}

/** Formats a number with a fixed count of significant decimals. */
export const fmt = (x, digits = 0) =>
  Number.isFinite(x) ? x.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits }) : "n/a";

export const kB = (bytes) => (bytes >= 1e6 ? `${(bytes / 1e6).toFixed(1)} MB` : `${(bytes / 1000).toFixed(1)} kB`);

/** Rotates `list` left by `r` so each round starts with a different entry. */
export const rotate = (list, r) => list.map((_, i) => list[(i + r) % list.length]);
