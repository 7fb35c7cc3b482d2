/** RFC 4180 CSV as the stimulus metadata and captions files need it. */
import { describe, expect, it } from 'vitest';
import { csvColumns, parseCsv } from '../../src/formats/csv.ts';

describe('parseCsv', () => {
  it('quoted fields hold commas, doubled quotes and line breaks; CRLF, BOM and blank lines', () => {
    const text = '\uFEFFimage_name,caption\r\na.jpg,"a dog, running"\r\n\r\nb.jpg,"say ""hi""\nthen <b>go</b>"\nc.jpg,\n';
    expect(parseCsv(text)).toEqual([
      ['image_name', 'caption'],
      ['a.jpg', 'a dog, running'],
      ['b.jpg', 'say "hi"\nthen <b>go</b>'],
      ['c.jpg', ''],
    ]);
  });
  it('a last line without a newline is kept', () => {
    expect(parseCsv('a,b\n1,2')).toEqual([['a', 'b'], ['1', '2']]);
  });
});

describe('csvColumns', () => {
  it('finds columns by name, in any order, and names the file when one is missing', () => {
    const { rows, col } = csvColumns('dataset,image_name\nNSD,x.jpg\n', ['image_name', 'dataset'], 'meta.csv');
    expect(rows[0][col.image_name]).toBe('x.jpg');
    expect(rows[0][col.dataset]).toBe('NSD');
    expect(() => csvColumns('image_name\nx.jpg\n', ['image_name', 'dataset'], 'meta.csv')).toThrow(/meta\.csv: no 'dataset' column/);
  });
});
