/**
 * Parsing of the S3 XML that the app reads: ListObjectsV2 results and error
 * bodies. Pure (runs in workers and Node); fast-xml-parser does the XML.
 */
import { XMLParser } from 'fast-xml-parser';

export interface S3Object {
  key: string;
  size: number;
  etag: string;
  lastModified: string;
  storageClass?: string;
}

export interface ListPage {
  name: string;
  prefix: string;
  delimiter?: string;
  keyCount: number;
  maxKeys: number;
  isTruncated: boolean;
  continuationToken?: string;
  nextContinuationToken?: string;
  startAfter?: string;
  encodingType?: string;
  contents: S3Object[];
  commonPrefixes: string[];
}

export interface S3ErrorBody {
  code: string;
  message: string;
  key?: string;
  resource?: string;
  requestId?: string;
}

export class XmlFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'XmlFormatError';
  }
}

const parser = new XMLParser({
  ignoreAttributes: true,
  parseTagValue: false,
  trimValues: false,
  processEntities: true,
  htmlEntities: false,
  isArray: (name) => name === 'Contents' || name === 'CommonPrefixes',
});

type XmlNode = { [k: string]: XmlValue };
type XmlValue = string | XmlNode | XmlValue[] | undefined;

function text(node: XmlNode, field: string): string | undefined {
  const v = node[field];
  if (v === undefined) return undefined;
  if (typeof v === 'string') return v;
  // `<Prefix/>` parses as '' ; `<Prefix></Prefix>` likewise.
  if (typeof v === 'object' && !Array.isArray(v) && Object.keys(v).length === 0) return '';
  throw new XmlFormatError(`<${field}> is not a text element`);
}

function requireText(node: XmlNode, field: string, where: string): string {
  const v = text(node, field);
  if (v === undefined) throw new XmlFormatError(`${where} has no <${field}>`);
  return v;
}

function parseRoot(xml: string, rootName: string): XmlNode {
  let doc: XmlNode;
  try {
    doc = parser.parse(xml, true) as XmlNode;
  } catch (e) {
    throw new XmlFormatError(`not well-formed XML (${(e as Error).message.split('\n')[0]})`);
  }
  const root = doc[rootName];
  if (root === undefined || typeof root !== 'object' || Array.isArray(root)) {
    const found = Object.keys(doc).filter((k) => !k.startsWith('?'));
    throw new XmlFormatError(`expected <${rootName}>, found ${found.length ? found.map((f) => `<${f}>`).join(', ') : 'no element'}`);
  }
  return root;
}

function decodeIfUrl(value: string | undefined, isUrl: boolean): string | undefined {
  if (value === undefined || !isUrl) return value;
  // S3's url encoding-type encodes spaces as '+', like application/x-www-form-urlencoded.
  return decodeURIComponent(value.replace(/\+/g, '%20'));
}

/** Parses a ListObjectsV2 response body. Throws XmlFormatError when it is not one. */
export function parseListObjectsV2(xml: string): ListPage {
  const root = parseRoot(xml, 'ListBucketResult');
  const encodingType = text(root, 'EncodingType');
  const isUrl = encodingType === 'url';
  const truncated = requireText(root, 'IsTruncated', 'ListBucketResult');
  if (truncated !== 'true' && truncated !== 'false') throw new XmlFormatError(`<IsTruncated> is "${truncated}"`);
  const contentsRaw = (root.Contents ?? []) as XmlValue[];
  const contents: S3Object[] = contentsRaw.map((c, i) => {
    if (typeof c !== 'object' || Array.isArray(c) || c === undefined) throw new XmlFormatError(`<Contents> #${i + 1} is empty`);
    const size = Number(requireText(c, 'Size', 'Contents'));
    if (!Number.isSafeInteger(size) || size < 0) throw new XmlFormatError(`<Size> of ${text(c, 'Key')} is not a byte count`);
    const obj: S3Object = {
      key: decodeIfUrl(requireText(c, 'Key', 'Contents'), isUrl)!,
      size,
      etag: requireText(c, 'ETag', 'Contents'),
      lastModified: requireText(c, 'LastModified', 'Contents'),
    };
    const sc = text(c, 'StorageClass');
    if (sc !== undefined) obj.storageClass = sc;
    return obj;
  });
  const prefixesRaw = (root.CommonPrefixes ?? []) as XmlValue[];
  const commonPrefixes = prefixesRaw.map((p) => {
    if (typeof p !== 'object' || Array.isArray(p) || p === undefined) throw new XmlFormatError('<CommonPrefixes> without <Prefix>');
    return decodeIfUrl(requireText(p, 'Prefix', 'CommonPrefixes'), isUrl)!;
  });
  const keyCountText = text(root, 'KeyCount');
  const page: ListPage = {
    name: text(root, 'Name') ?? '',
    prefix: decodeIfUrl(text(root, 'Prefix'), isUrl) ?? '',
    keyCount: keyCountText === undefined ? contents.length + commonPrefixes.length : Number(keyCountText),
    maxKeys: Number(text(root, 'MaxKeys') ?? '1000'),
    isTruncated: truncated === 'true',
    contents,
    commonPrefixes,
  };
  const delimiter = decodeIfUrl(text(root, 'Delimiter'), isUrl);
  if (delimiter !== undefined) page.delimiter = delimiter;
  const ct = text(root, 'ContinuationToken');
  if (ct !== undefined) page.continuationToken = ct;
  const nct = text(root, 'NextContinuationToken');
  if (nct !== undefined) page.nextContinuationToken = nct;
  const sa = decodeIfUrl(text(root, 'StartAfter'), isUrl);
  if (sa !== undefined) page.startAfter = sa;
  if (encodingType !== undefined) page.encodingType = encodingType;
  if (page.isTruncated && !page.nextContinuationToken) throw new XmlFormatError('the page is truncated but has no <NextContinuationToken>');
  return page;
}

/** Parses an S3 `<Error>` body; returns null when the body is not one. */
export function parseS3Error(xml: string): S3ErrorBody | null {
  try {
    const root = parseRoot(xml, 'Error');
    const code = text(root, 'Code');
    if (!code) return null;
    const out: S3ErrorBody = { code, message: text(root, 'Message') ?? '' };
    const key = text(root, 'Key');
    if (key !== undefined) out.key = key;
    const resource = text(root, 'Resource');
    if (resource !== undefined) out.resource = resource;
    const rid = text(root, 'RequestId');
    if (rid !== undefined) out.requestId = rid;
    return out;
  } catch {
    return null;
  }
}
