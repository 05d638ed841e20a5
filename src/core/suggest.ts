/** Edit distance (insert, delete, replace, swap of neighbours): how far a typo is from a name. */
export function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0][j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[a.length][b.length];
}

/**
 * The names a typo most likely meant, closest first: within a third of the name's length (at least 2
 * edits), or containing / contained in it ("van-gogh" for "van-gogh-starry-night").
 */
export function closestNames(typo: string, names: readonly string[], max = 3): string[] {
  const word = typo.toLowerCase();
  return names
    .map((name) => {
      const lower = name.toLowerCase();
      const distance = editDistance(word, lower);
      const near = distance <= Math.max(2, Math.floor(Math.max(word.length, lower.length) / 3));
      const part = Math.min(word.length, lower.length) >= 3 && (lower.includes(word) || word.includes(lower));
      return { name, distance, ok: near || part };
    })
    .filter((c) => c.ok)
    .sort((x, y) => x.distance - y.distance || x.name.localeCompare(y.name))
    .slice(0, max)
    .map((c) => c.name);
}
