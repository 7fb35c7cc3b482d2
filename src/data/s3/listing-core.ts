/**
 * The ListObjectsV2 rules both of our S3 answerers follow: the dev server
 * (tools/s3-server) and a local folder opened in the browser
 * (data/local/local-bucket.ts). Pure: key order, one page over sorted keys,
 * the URL encoding of `encoding-type=url`, XML text escaping.
 */

/** Compares two strings in UTF-8 byte order (= Unicode code point order), the order S3 lists keys in. */
export function compareKeys(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    // UTF-16 order differs from code point order only where a surrogate
    // (U+D800..DFFF, i.e. a code point >= U+10000) meets U+E000..FFFF.
    const xs = x >= 0xd800 && x <= 0xdfff;
    const ys = y >= 0xd800 && y <= 0xdfff;
    if (xs !== ys && Math.max(x, y) >= 0xe000) return xs ? 1 : -1;
    return x - y;
  }
  return a.length - b.length;
}

/** Where a page starts: after `value`; a rolled-up prefix also skips every key under it. */
export interface Marker {
  value: string;
  isPrefix: boolean;
}

export interface ListPageOfKeys {
  contents: string[];
  prefixes: string[];
  truncated: boolean;
  /** The last entry returned (a key or a common prefix), when the page is truncated. */
  last: Marker | null;
}

/**
 * One page from the sorted keys under `prefix`: CommonPrefixes count toward
 * max-keys, as on S3; max-keys 0 is an empty, untruncated page.
 */
export function paginate(keys: readonly string[], prefix: string, delimiter: string, maxKeys: number, after: Marker | null): ListPageOfKeys {
  let i = 0;
  if (after) {
    let lo = 0;
    let hi = keys.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (compareKeys(keys[mid], after.value) <= 0) lo = mid + 1;
      else hi = mid;
    }
    i = lo;
    if (after.isPrefix) while (i < keys.length && keys[i].startsWith(after.value)) i++;
  }
  const page: ListPageOfKeys = { contents: [], prefixes: [], truncated: false, last: null };
  if (maxKeys === 0) return page;
  let count = 0;
  let lastPrefix: string | null = null;
  for (; i < keys.length; i++) {
    const key = keys[i];
    let rolled: string | null = null;
    if (delimiter !== '') {
      const at = key.indexOf(delimiter, prefix.length);
      if (at >= 0) rolled = key.slice(0, at + delimiter.length);
    }
    if (rolled !== null && rolled === lastPrefix) continue; // same common prefix, already counted
    if (count === maxKeys) {
      page.truncated = true;
      break;
    }
    count++;
    if (rolled !== null) {
      page.prefixes.push(rolled);
      lastPrefix = rolled;
      page.last = { value: rolled, isPrefix: true };
    } else {
      page.contents.push(key);
      page.last = { value: key, isPrefix: false };
    }
  }
  if (!page.truncated) page.last = null;
  return page;
}

/** A marker as the text inside a continuation token ('K' key / 'P' prefix, then the value). */
export const markerText = (m: Marker): string => `${m.isPrefix ? 'P' : 'K'}${m.value}`;

export function markerFromText(text: string): Marker | null {
  if (text.length < 2 || (text[0] !== 'K' && text[0] !== 'P')) return null;
  return { value: text.slice(1), isPrefix: text[0] === 'P' };
}

/**
 * The URL encoding S3 applies to Key, Prefix, Delimiter and StartAfter when a
 * listing asks for `encoding-type=url`: UTF-8 bytes percent-encoded (upper
 * case), space as '+', unreserved characters and '/' kept.
 */
export function s3UrlEncode(text: string): string {
  let out = '';
  for (const byte of new TextEncoder().encode(text)) {
    const c = String.fromCharCode(byte);
    if (/[A-Za-z0-9\-_.~/]/.test(c)) out += c;
    else if (byte === 0x20) out += '+';
    else out += `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}
