import { describe, expect, it } from 'vitest';
import { LineBuffer } from '../../src/util/line-buffer.js';

describe('LineBuffer', () => {
  it('gives back a line only once its newline has arrived, across chunks', () => {
    const buffer = new LineBuffer();
    expect(buffer.push('first li')).toEqual([]);
    expect(buffer.push('ne\nsecond\n\nthi')).toEqual(['first line', 'second', '']);
    expect(buffer.push('rd')).toEqual([]);
    expect(buffer.end()).toEqual(['third']);
    expect(buffer.end()).toEqual([]);
  });

  it('drops the carriage return of CRLF line ends, also when it ends a chunk', () => {
    const buffer = new LineBuffer();
    expect(buffer.push('a\r')).toEqual([]);
    expect(buffer.push('\nb\r\n')).toEqual(['a', 'b']);
    expect(buffer.push('c\r')).toEqual([]);
    expect(buffer.end()).toEqual(['c']);
  });

  it('has nothing at the end of text that ended with a newline', () => {
    const buffer = new LineBuffer();
    expect(buffer.push('only\n')).toEqual(['only']);
    expect(buffer.end()).toEqual([]);
  });
});
