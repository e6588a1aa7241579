/**
 * A plain-text table: columns as wide as their widest cell, ` | ` between cells, a `-+-` rule
 * under the header. `rightAligned(i)` right-aligns column i (numbers), the rest are left-aligned.
 */
export function formatTable(header: readonly string[], rows: readonly (readonly string[])[], rightAligned: (column: number) => boolean): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: readonly string[]) => cells.map((c, i) => (rightAligned(i) ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join(' | ');
  const rule = widths.map((w) => '-'.repeat(w)).join('-+-');
  return [line(header), rule, ...rows.map(line)].join('\n');
}
