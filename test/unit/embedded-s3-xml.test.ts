import { describe, expect, it } from 'vitest';
import { EmbeddedS3Error } from '../../src/mock-aws/embedded-s3-error.js';
import { childText, childrenNamed, parseXml, toXml } from '../../src/mock-aws/embedded-s3-xml.js';

function malformed(source: string): string | undefined {
  try {
    parseXml(source);
    return undefined;
  } catch (error) {
    return error instanceof EmbeddedS3Error ? error.code : String(error);
  }
}

describe("the embedded S3's XML parser", () => {
  it('reads elements, namespaces, entities, character references, CDATA and comments', () => {
    const root = parseXml(
      '\uFEFF<?xml version="1.0" encoding="UTF-8"?>\n<!-- c --><s3:Delete xmlns:s3="http://s3.amazonaws.com/doc/2006-03-01/"><Object><Key>a &amp; b &#x41;&#66;</Key></Object><Object><Key><![CDATA[<raw>]]></Key></Object><Quiet/></s3:Delete>',
    );
    expect(root.name).toBe('Delete');
    expect(childrenNamed(root, 'Object').map((object) => childText(object, 'Key'))).toEqual(['a & b AB', '<raw>']);
    expect(childText(root, 'Quiet')).toBe('');
  });

  it.each([
    ['a DOCTYPE with an external entity', '<!DOCTYPE a [<!ENTITY x SYSTEM "file:///etc/passwd">]><a>&x;</a>'],
    ['a billion-laughs entity', '<!DOCTYPE a [<!ENTITY l "lol"><!ENTITY l2 "&l;&l;">]><a>&l2;</a>'],
    ['an unknown entity', '<a>&nbsp;</a>'],
    ['a bare ampersand', '<a>a & b</a>'],
    ['mismatched tags', '<a><b></a></b>'],
    ['an unclosed element', '<a><b></b>'],
    ['two roots', '<a/><b/>'],
    ['text outside the root', 'x<a/>'],
    ['nothing', ''],
    ['nesting past 32 levels', `${'<a>'.repeat(40)}${'</a>'.repeat(40)}`],
    ['a broken attribute', '<a b=c/>'],
    ['a character reference out of range', '<a>&#x110000;</a>'],
  ])('refuses %s with MalformedXML', (_label, source) => {
    expect(malformed(source)).toBe('MalformedXML');
  });

  it('writes answers with repeated, nested, escaped and empty members', () => {
    expect(toXml({ R: { '@': { xmlns: 'urn:x' }, A: ['1', '2'], B: { C: 'x<&>"' }, D: undefined, E: true, F: [] } })).toBe(
      '<?xml version="1.0" encoding="UTF-8"?>\n<R xmlns="urn:x"><A>1</A><A>2</A><B><C>x&lt;&amp;&gt;&quot;</C></B><E>true</E></R>',
    );
    expect(toXml({ L: { '@': { xmlns: 'urn:x' } } })).toBe('<?xml version="1.0" encoding="UTF-8"?>\n<L xmlns="urn:x"/>');
  });
});
