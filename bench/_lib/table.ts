/**
 * Plain-text tables and number formats for the driver's report.
 *
 * @module
 */

/** Formats rows (the first is the header) as aligned columns. */
export function formatTable(rows: string[][]): string {
  const widths: number[] = [];
  for (const row of rows) {
    row.forEach((cell, i) => widths[i] = Math.max(widths[i] ?? 0, cell.length));
  }
  const lines = rows.map((row) =>
    row.map((cell, i) => i === 0 ? cell.padEnd(widths[i]) : cell.padStart(widths[i])).join("  ")
  );
  lines.splice(1, 0, widths.map((w) => "-".repeat(w)).join("  "));
  return lines.join("\n");
}

/** Bytes per second as GB/s (10^9 bytes). */
export function gbps(bytesPerSecond: number): string {
  return (bytesPerSecond / 1e9).toPrecision(3);
}

/** A count per second, rounded. */
export function perSecond(value: number): string {
  return Math.round(value).toLocaleString("en-US");
}

/** Bytes as KiB with one decimal. */
export function kib(bytes: number): string {
  return (bytes / 1024).toFixed(1);
}

/** A ratio such as `1.52x`, or `-` when either side is missing. */
export function ratio(ours: number | undefined, base: number | undefined): string {
  if (ours === undefined || base === undefined || base === 0) return "-";
  return `${(ours / base).toFixed(2)}x`;
}

/** The median of some numbers (the mean of the middle two for an even count). */
export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** A table column: a metric name (`name:range` for its spread) and its format. */
export type Column = [string, (v: number) => string];

/** `min-max` of a metric over the runs of a cell, or "-" for a single run. */
export function spread(
  runs: Record<string, number>[],
  metric: string,
  fmt: (v: number) => string,
): string {
  if (runs.length < 2) return "-";
  const values = runs.map((r) => r[metric]);
  return `${fmt(Math.min(...values))}-${fmt(Math.max(...values))}`;
}

/**
 * One row: the label, then each column's value (`valueOf` gives the median)
 * or spread; "failed" when the cell has an error and no run.
 */
export function cellRow(
  label: string,
  cell: { error?: string; runs: Record<string, number>[] } | undefined,
  columns: Column[],
  valueOf: (metric: string) => number | undefined,
): string[] {
  if (cell?.error !== undefined && cell.runs.length === 0) {
    return [label, "failed", ...columns.slice(1).map(() => "")];
  }
  return [
    label,
    ...columns.map(([metric, fmt]) => {
      if (metric.endsWith(":range")) return spread(cell?.runs ?? [], metric.slice(0, -6), fmt);
      const v = valueOf(metric);
      return v === undefined ? "-" : fmt(v);
    }),
  ];
}
