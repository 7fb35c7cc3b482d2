/**
 * XML text helpers and the S3 error document.
 */

export const XML_DECL = '<?xml version="1.0" encoding="UTF-8"?>\n';
export const S3_NS = 'http://s3.amazonaws.com/doc/2006-03-01/';

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' };

/**
 * Escapes text for element content. Control characters that XML 1.0 cannot
 * carry literally are written as character references (like S3 does; such
 * keys are why `encoding-type=url` exists), and CR is kept from being
 * normalised away by the parser.
 */
export function xmlEscape(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[&<>"']|[\x00-\x08\x0B\x0C\x0E-\x1F\r]/g, (c) => ESCAPES[c] ?? `&#x${c.charCodeAt(0).toString(16).toUpperCase()};`);
}

/** `<Name>escaped text</Name>` */
export function el(name: string, text: string | number | boolean): string {
  return `<${name}>${xmlEscape(String(text))}</${name}>`;
}

export { s3UrlEncode } from '../../src/data/s3/listing-core.ts';

/** An S3 error document: `<Error><Code>…</Code><Message>…</Message>…extra…<RequestId>…</RequestId><HostId>…</HostId></Error>`. */
export function errorXml(code: string, message: string, extra: Record<string, string>, requestId: string, hostId: string): string {
  const fields = Object.entries(extra)
    .map(([k, v]) => el(k, v))
    .join('');
  return `${XML_DECL}<Error>${el('Code', code)}${el('Message', message)}${fields}${el('RequestId', requestId)}${el('HostId', hostId)}</Error>`;
}
