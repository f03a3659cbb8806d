import { describe, expect, it } from 'vitest';
import type { JsonValue } from '../../src/engine/json.js';
import {
  assembleRecord,
  compileDataProcessing,
  filterInput,
  formatCsvLine,
  parseCsvLine,
  parseDataPath,
  selectPath,
  splitResponse,
} from '../../src/steps/transform-filters.js';

const select = (value: JsonValue, expression: string): JsonValue => selectPath(value, parseDataPath(expression), expression);

describe('data processing JSONPath', () => {
  const row = ['id-7', '1.5', '2', '3'];
  const doc = { id: 7, features: [1, 2, 3], meta: { source: 'a' } };
  it.each([
    ['$[1:] drops the first column', row, '$[1:]', ['1.5', '2', '3']],
    ['$[0] picks one column', row, '$[0]', 'id-7'],
    ['$[-1] picks the last column', row, '$[-1]', '3'],
    ['$[0,-1] picks the first and last', row, '$[0,-1]', ['id-7', '3']],
    ['$[0,2:] mixes an index and a slice', row, '$[0,2:]', ['id-7', '2', '3']],
    ['$[1:3] has an exclusive end', row, '$[1:3]', ['1.5', '2']],
    ['$[:2] starts at 0', row, '$[:2]', ['id-7', '1.5']],
    ['$[::2] steps', row, '$[::2]', ['id-7', '2']],
    ['$[*] is every element', row, '$[*]', row],
    ['$ is the record', row, '$', row],
    ['$.features picks a member', doc, '$.features', [1, 2, 3]],
    ['$.meta.source goes deeper', doc, '$.meta.source', 'a'],
    ["$['features'] quotes a member", doc, "$['features']", [1, 2, 3]],
    ["$['id','meta'] keeps several members", doc, "$['id','meta']", { id: 7, meta: { source: 'a' } }],
    ['$.features[1:] slices a member', doc, '$.features[1:]', [2, 3]],
    ['$.* is every member value', { a: 1, b: 2 }, '$.*', [1, 2]],
  ] as const)('%s', (_label, value, expression, expected) => {
    expect(select(value as JsonValue, expression)).toEqual(expected);
  });

  it.each([
    ['an index outside the record', ['a', 'b'], '$[5]', 'index 5 is outside'],
    ['a missing member', { a: 1 }, '$.b', 'no member "b"'],
    ['a member of an array', ['a'], '$.a', 'no member "a"'],
  ] as const)('fails on %s', (_label, value, expression, message) => {
    expect(() => select(value as JsonValue, expression)).toThrow(expect.objectContaining({ code: 'TRANSFORM_FILTER_FAILED', message: expect.stringContaining(message) }));
  });

  it.each([
    ['features', 'must start with $'],
    ['$..id', 'recursive descent'],
    ['$[1:', 'unclosed ['],
    ['$[a]', 'neither a quoted name'],
    ['$[::0]', 'step cannot be 0'],
  ])('rejects the path %s', (expression, message) => {
    expect(() => parseDataPath(expression)).toThrow(expect.objectContaining({ code: 'INVALID_DATA_PROCESSING_PATH', message: expect.stringContaining(message) }));
  });
});

describe('CSV records', () => {
  it.each([
    ['a,b,c', ['a', 'b', 'c']],
    ['1.50,,x', ['1.50', '', 'x']],
    ['"a,b","say ""hi""",c', ['a,b', 'say "hi"', 'c']],
  ])('parses %s', (line, fields) => {
    expect(parseCsvLine(line)).toEqual(fields);
    expect(formatCsvLine(fields)).toBe(line);
  });
});

describe('InputFilter, JoinSource and OutputFilter', () => {
  const csv = (options: { inputFilter?: string; outputFilter?: string; joinSource?: string }) => compileDataProcessing(options, 'text/csv');
  const json = (options: { inputFilter?: string; outputFilter?: string; joinSource?: string }) => compileDataProcessing(options, 'application/jsonlines');

  it('CSV: the input filter drops the id column before the model sees the record', () => {
    expect(filterInput(Buffer.from('id-1,0.5,1.50'), csv({ inputFilter: '$[1:]' })).toString()).toBe('0.5,1.50');
  });

  it('CSV: JoinSource Input appends the prediction to the whole input record', () => {
    expect(assembleRecord(Buffer.from('id-1,0.5,1.50'), '0.93', csv({ inputFilter: '$[1:]', joinSource: 'Input' }))).toBe('id-1,0.5,1.50,0.93');
  });

  it('CSV: the output filter keeps the id and the prediction of the joined record', () => {
    expect(assembleRecord(Buffer.from('id-1,0.5,1.50'), '0.93', csv({ joinSource: 'Input', outputFilter: '$[0,-1]' }))).toBe('id-1,0.93');
  });

  it('JSON: the prediction joins an object input as SageMakerOutput', () => {
    const processing = json({ inputFilter: '$.features', joinSource: 'Input', outputFilter: "$['id','SageMakerOutput']" });
    const input = Buffer.from('{"id":3,"features":[1,2]}');
    expect(filterInput(input, processing).toString()).toBe('[1,2]');
    expect(assembleRecord(input, '{"score":0.5}', processing)).toBe('{"id":3,"SageMakerOutput":{"score":0.5}}');
  });

  it('JSON: a non-object input is wrapped as SageMakerInput', () => {
    expect(assembleRecord(Buffer.from('[1,2]'), '0.5', json({ joinSource: 'Input' }))).toBe('{"SageMakerInput":[1,2],"SageMakerOutput":0.5}');
  });

  it('an output filter alone applies to the prediction', () => {
    expect(assembleRecord(Buffer.from('x'), '0.1,0.9', csv({ outputFilter: '$[1]' }))).toBe('0.9');
  });

  it('refuses filters on content that is neither CSV nor JSON, but allows plain requests', () => {
    expect(() => compileDataProcessing({ joinSource: 'Input' }, 'application/x-recordio-protobuf')).toThrow(
      expect.objectContaining({ code: 'TRANSFORM_UNSUPPORTED' }),
    );
    expect(compileDataProcessing({ inputFilter: '$', outputFilter: '$', joinSource: 'None' }, 'image/png')).toMatchObject({ joinSource: 'None' });
    expect(() => compileDataProcessing({ joinSource: 'Output' }, 'text/csv')).toThrow('JoinSource must be None or Input');
  });
});

describe('splitting a response into per-record results', () => {
  it.each([
    ['one result per line', '0.1\n0.2\n0.3\n', 3, 'csv', ['0.1', '0.2', '0.3']],
    ['a JSON array', '[0.1, 0.2]', 2, 'json', ['0.1', '0.2']],
    ['one comma-separated CSV line', '0.1,0.2,0.3', 3, 'csv', ['0.1', '0.2', '0.3']],
    ['a single record keeps commas', '0.1,0.9\n', 1, 'csv', ['0.1,0.9']],
  ] as const)('accepts %s', (_label, body, records, format, expected) => {
    expect(splitResponse(Buffer.from(body), records, format)).toEqual(expected);
  });

  it('says when the counts do not match', () => {
    expect(splitResponse(Buffer.from('0.1\n0.2\n'), 3, 'csv')).toBeUndefined();
  });
});
