import { describe, expect, it } from 'vitest';
import { parseListObjectsV2, parseS3Error, XmlFormatError } from '../../src/data/s3/xml.ts';

// The example responses of the AWS S3 API reference (ListObjectsV2, "Examples").
const AWS_EXAMPLE_1 = `<?xml version="1.0" encoding="UTF-8"?>
<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">
    <Name>bucket</Name>
    <Prefix/>
    <KeyCount>205</KeyCount>
    <MaxKeys>1000</MaxKeys>
    <IsTruncated>false</IsTruncated>
    <Contents>
        <Key>my-image.jpg</Key>
        <LastModified>2009-10-12T17:50:30.000Z</LastModified>
        <ETag>"fba9dede5f27731c9771645a39863328"</ETag>
        <Size>434234</Size>
        <StorageClass>STANDARD</StorageClass>
    </Contents>
</ListBucketResult>`;

const AWS_EXAMPLE_START_AFTER = `<?xml version="1.0" encoding="UTF-8"?>
<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">
  <Name>quotes</Name>
  <Prefix>E</Prefix>
  <StartAfter>ExampleGuide.pdf</StartAfter>
  <KeyCount>1</KeyCount>
  <MaxKeys>3</MaxKeys>
  <IsTruncated>false</IsTruncated>
  <Contents>
    <Key>ExampleObject.txt</Key>
    <LastModified>2013-09-17T18:07:53.000Z</LastModified>
    <ETag>&quot;599bab3ed2c697f1d26842727561fd94&quot;</ETag>
    <Size>857</Size>
    <StorageClass>REDUCED_REDUNDANCY</StorageClass>
  </Contents>
</ListBucketResult>`;

const AWS_EXAMPLE_DELIMITER = `<?xml version="1.0" encoding="UTF-8"?>
<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">
  <Name>example-bucket</Name>
  <Prefix></Prefix>
  <KeyCount>2</KeyCount>
  <MaxKeys>1000</MaxKeys>
  <Delimiter>/</Delimiter>
  <IsTruncated>false</IsTruncated>
  <Contents>
    <Key>sample.jpg</Key>
    <LastModified>2011-02-26T01:56:20.000Z</LastModified>
    <ETag>"bf1d737a4d46a19f3bced6905cc8b902"</ETag>
    <Size>142863</Size>
    <StorageClass>STANDARD</StorageClass>
  </Contents>
  <CommonPrefixes>
    <Prefix>photos/</Prefix>
  </CommonPrefixes>
</ListBucketResult>`;

const AWS_EXAMPLE_CONTINUATION = `<?xml version="1.0" encoding="UTF-8"?>
<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">
  <Name>bucket</Name>
  <Prefix></Prefix>
  <ContinuationToken>1ueGcxLPRx1Tr/XYExHnhbYLgveDs2J/wm36Hy4vbOwM=</ContinuationToken>
  <NextContinuationToken>2ueGcxLPRx1Tr/XYExHnhbYLgveDs2J/wm36Hy4vbOwM=</NextContinuationToken>
  <KeyCount>1</KeyCount>
  <MaxKeys>1</MaxKeys>
  <IsTruncated>true</IsTruncated>
  <Contents>
    <Key>happyface.jpg</Key>
    <LastModified>2014-11-21T19:40:05.000Z</LastModified>
    <ETag>"70ee1738b6b21e2c8a43f3a5ab0eee71"</ETag>
    <Size>11</Size>
    <StorageClass>STANDARD</StorageClass>
  </Contents>
</ListBucketResult>`;

describe('parseListObjectsV2 on the AWS documentation examples', () => {
  it('reads a plain listing, <Prefix/> as empty', () => {
    const p = parseListObjectsV2(AWS_EXAMPLE_1);
    expect(p.name).toBe('bucket');
    expect(p.prefix).toBe('');
    expect(p.keyCount).toBe(205);
    expect(p.maxKeys).toBe(1000);
    expect(p.isTruncated).toBe(false);
    expect(p.contents).toEqual([
      { key: 'my-image.jpg', lastModified: '2009-10-12T17:50:30.000Z', etag: '"fba9dede5f27731c9771645a39863328"', size: 434234, storageClass: 'STANDARD' },
    ]);
    expect(p.commonPrefixes).toEqual([]);
  });

  it('reads StartAfter and decodes the &quot; entity in ETags', () => {
    const p = parseListObjectsV2(AWS_EXAMPLE_START_AFTER);
    expect(p.startAfter).toBe('ExampleGuide.pdf');
    expect(p.prefix).toBe('E');
    expect(p.contents[0].etag).toBe('"599bab3ed2c697f1d26842727561fd94"');
    expect(p.contents[0].storageClass).toBe('REDUCED_REDUNDANCY');
  });

  it('reads CommonPrefixes with a delimiter', () => {
    const p = parseListObjectsV2(AWS_EXAMPLE_DELIMITER);
    expect(p.delimiter).toBe('/');
    expect(p.commonPrefixes).toEqual(['photos/']);
    expect(p.contents.map((c) => c.key)).toEqual(['sample.jpg']);
  });

  it('reads continuation tokens verbatim (they contain / and =)', () => {
    const p = parseListObjectsV2(AWS_EXAMPLE_CONTINUATION);
    expect(p.isTruncated).toBe(true);
    expect(p.continuationToken).toBe('1ueGcxLPRx1Tr/XYExHnhbYLgveDs2J/wm36Hy4vbOwM=');
    expect(p.nextContinuationToken).toBe('2ueGcxLPRx1Tr/XYExHnhbYLgveDs2J/wm36Hy4vbOwM=');
  });
});

describe('parseListObjectsV2 with encoding-type=url', () => {
  const xml = `<?xml version="1.0" encoding="UTF-8"?>
<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Name>laion-fmri</Name><Prefix>stimuli%2F</Prefix><KeyCount>3</KeyCount><MaxKeys>1000</MaxKeys><Delimiter>%2F</Delimiter><EncodingType>url</EncodingType><IsTruncated>false</IsTruncated>
<Contents><Key>stimuli/shared_12rep_THINGS%2B_kmeans_1_dog.jpg</Key><LastModified>2026-01-01T00:00:00.000Z</LastModified><ETag>&quot;a&quot;</ETag><Size>1</Size></Contents>
<Contents><Key>stimuli/a+b%C3%A9.txt</Key><LastModified>2026-01-01T00:00:00.000Z</LastModified><ETag>&quot;b&quot;</ETag><Size>2</Size></Contents>
<CommonPrefixes><Prefix>stimuli/x%26y%2F</Prefix></CommonPrefixes></ListBucketResult>`;
  it('decodes keys, prefixes and the delimiter (a "+" is a space, %2B is a plus)', () => {
    const p = parseListObjectsV2(xml);
    expect(p.prefix).toBe('stimuli/');
    expect(p.delimiter).toBe('/');
    expect(p.contents.map((c) => c.key)).toEqual(['stimuli/shared_12rep_THINGS+_kmeans_1_dog.jpg', 'stimuli/a bé.txt']);
    expect(p.commonPrefixes).toEqual(['stimuli/x&y/']);
  });
  it('leaves keys alone without the url encoding type', () => {
    const p = parseListObjectsV2(AWS_EXAMPLE_1.replace('my-image.jpg', 'a+b%2B.jpg'));
    expect(p.contents[0].key).toBe('a+b%2B.jpg');
  });
});

describe('malformed listings', () => {
  it('rejects a truncated body', () => {
    expect(() => parseListObjectsV2(AWS_EXAMPLE_1.slice(0, 300))).toThrow(XmlFormatError);
  });
  it('rejects an HTML page', () => {
    expect(() => parseListObjectsV2('<!doctype html><html><body>hi</body></html>')).toThrow(XmlFormatError);
    expect(() => parseListObjectsV2('<html><body>hi</body></html>')).toThrow(/expected <ListBucketResult>, found <html>/);
  });
  it('rejects a truncated page that has no continuation token', () => {
    expect(() => parseListObjectsV2(AWS_EXAMPLE_1.replace('<IsTruncated>false', '<IsTruncated>true'))).toThrow(/NextContinuationToken/);
  });
  it('rejects a non-numeric size', () => {
    expect(() => parseListObjectsV2(AWS_EXAMPLE_1.replace('434234', 'big'))).toThrow(/Size/);
  });
});

describe('parseS3Error', () => {
  it('reads the documented NoSuchKey body', () => {
    const e = parseS3Error(`<?xml version="1.0" encoding="UTF-8"?>
<Error>
  <Code>NoSuchKey</Code>
  <Message>The resource you requested does not exist</Message>
  <Resource>/mybucket/myfoto.jpg</Resource>
  <RequestId>4442587FB7D0A2F9</RequestId>
</Error>`);
    expect(e).toEqual({ code: 'NoSuchKey', message: 'The resource you requested does not exist', resource: '/mybucket/myfoto.jpg', requestId: '4442587FB7D0A2F9' });
  });
  it('returns null for anything else', () => {
    expect(parseS3Error('')).toBeNull();
    expect(parseS3Error('<html></html>')).toBeNull();
  });
});
