/**
 * RFC 4180 CSV output in the dialect pandas `to_csv` writes: comma separated,
 * `\n` line ends, fields quoted only when they contain a comma, a quote, a
 * line break or leading/trailing space; quotes doubled inside quotes.
 */
export type CsvCell = string | number;

function cell(v: CsvCell): string {
  const s = typeof v === 'number' ? String(v) : v;
  return /[",\r\n]|^\s|\s$/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function toCsv(header: readonly string[], rows: ReadonlyArray<readonly CsvCell[]>): string {
  for (const r of rows) if (r.length !== header.length) throw new Error(`CSV row has ${r.length} cells, header has ${header.length}: ${r.join('|')}`);
  return [header, ...rows].map((r) => r.map(cell).join(',')).join('\n') + '\n';
}
