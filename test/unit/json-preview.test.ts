// previewJson: short JSON for messages, whatever the value's size or depth.
import { describe, expect, it } from 'vitest';
import { previewJson } from '../../src/engine/json-preview.js';

describe('previewJson', () => {
  const cases: [string, unknown, string][] = [
    ['a string', 'abc', '"abc"'],
    ['a number', 1.5, '1.5'],
    ['null', null, 'null'],
    ['undefined', undefined, 'undefined'],
    ['a small object', { a: [1, 'x', { b: null }], c: true }, '{"a":[1,"x",{"b":null}],"c":true}'],
    ['an empty list and object', [[], {}], '[[],{}]'],
    ['a "__proto__" key', JSON.parse('{"__proto__":1}'), '{"__proto__":1}'],
  ];
  it.each(cases)('%s reads as JSON.stringify writes it', (_label, value, expected) => {
    expect(previewJson(value)).toBe(expected);
    if (value !== undefined) expect(previewJson(value)).toBe(JSON.stringify(value));
  });

  it('cuts long values to the limit with ...', () => {
    const text = previewJson({ list: Array.from({ length: 1000 }, (_, i) => i) }, 40);
    expect(text).toHaveLength(40);
    expect(text).toBe(`${JSON.stringify({ list: Array.from({ length: 1000 }, (_, i) => i) }).slice(0, 37)}...`);
    expect(previewJson('x'.repeat(2_000_000), 10)).toBe('"xxxxxx...');
  });

  it('previews a 1,000,000-deep value without overflowing the stack', () => {
    let value: unknown = 1;
    for (let i = 0; i < 1_000_000; i++) value = [value];
    expect(previewJson(value, 20)).toBe(`${'['.repeat(17)}...`);
  });
});
