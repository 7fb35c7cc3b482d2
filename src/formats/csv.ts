/**
 * RFC 4180 CSV: comma-separated, fields optionally in double quotes (a quote
 * inside doubled), quoted fields may hold commas and line breaks. CRLF or LF
 * line ends; a UTF-8 BOM is dropped; blank lines are skipped (as pandas does).
 */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  const endRow = () => {
    row.push(field);
    field = '';
    if (row.length > 1 || row[0] !== '') rows.push(row);
    row = [];
  };
  for (; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i++;
        } else quoted = false;
      } else field += c;
    } else if (c === '"' && field === '') quoted = true;
    else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\n') endRow();
    else if (c === '\r' && text[i + 1] === '\n') continue;
    else field += c;
  }
  if (field !== '' || row.length > 0) endRow();
  return rows;
}

/** Rows as records keyed by the header; `file` names it when a required column is missing. */
export function csvColumns(text: string, required: readonly string[], file: string): { header: string[]; rows: string[][]; col: Record<string, number> } {
  const all = parseCsv(text);
  const header = (all[0] ?? []).map((h) => h.trim());
  const col: Record<string, number> = {};
  for (const name of required) {
    const at = header.indexOf(name);
    if (at < 0) throw new Error(`${file}: no '${name}' column (the header is ${header.join(', ') || 'empty'}).`);
    col[name] = at;
  }
  return { header, rows: all.slice(1), col };
}
