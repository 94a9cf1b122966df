/**
 * "Did you mean": the known name closest to a misspelt one, by edit distance (insertions, deletions,
 * substitutions and swaps of two neighbouring letters each count one; case is ignored).
 */

/** Optimal string alignment distance between two strings, compared case-insensitively. */
export function editDistance(a: string, b: string): number {
  const s = a.toLowerCase();
  const t = b.toLowerCase();
  const rows: number[][] = [];
  for (let i = 0; i <= s.length; i++) {
    rows.push([i]);
    for (let j = 1; j <= t.length; j++) {
      if (i === 0) {
        rows[0].push(j);
        continue;
      }
      const cost = s[i - 1] === t[j - 1] ? 0 : 1;
      let d = Math.min(rows[i - 1][j] + 1, rows[i][j - 1] + 1, rows[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && s[i - 1] === t[j - 2] && s[i - 2] === t[j - 1])
        d = Math.min(d, rows[i - 2][j - 2] + 1);
      rows[i].push(d);
    }
  }
  return rows[s.length][t.length];
}

/**
 * The known name nearest to `name`, when it is near enough to be a typo: at most one edit for names up to
 * four letters, two up to eight, three beyond. Undefined when nothing is that close.
 */
export function closestName(name: string, known: readonly string[]): string | undefined {
  const limit = name.length <= 4 ? 1 : name.length <= 8 ? 2 : 3;
  let best: string | undefined;
  let bestDistance = limit + 1;
  for (const candidate of known) {
    const d = editDistance(name, candidate);
    if (d < bestDistance) [best, bestDistance] = [candidate, d];
  }
  return best;
}
