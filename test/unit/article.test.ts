// Messages built from run-time words must read as English: "an EMR step", never "a EMR step".
import { describe, expect, it } from 'vitest';
import { articleFor, withArticle } from '../../src/util/article.js';

describe('withArticle', () => {
  it.each([
    // Step types
    ['EMR', 'an EMR'],
    ['AutoML', 'an AutoML'],
    ['QualityCheck', 'a QualityCheck'],
    ['ClarifyCheck', 'a ClarifyCheck'],
    ['Training', 'a Training'],
    ['Processing', 'a Processing'],
    ['Transform', 'a Transform'],
    ['RegisterModel', 'a RegisterModel'],
    ['Lambda', 'a Lambda'],
    ['Condition', 'a Condition'],
    ['Fail', 'a Fail'],
    // Parameter types
    ['Integer', 'an Integer'],
    ['Float', 'a Float'],
    ['String', 'a String'],
    ['Boolean', 'a Boolean'],
    // typeof values
    ['object', 'an object'],
    ['undefined', 'an undefined'],
    ['number', 'a number'],
    // Initialisms are read letter by letter; a few words are said otherwise than spelt.
    ['SQS', 'an SQS'],
    ['KNN', 'a KNN'],
    ['UUID', 'a UUID'],
    ['unique', 'a unique'],
    ['hour', 'an hour'],
  ])('%s -> %s', (word, expected) => {
    expect(withArticle(word)).toBe(expected);
  });

  it('answers "a" for an empty word rather than failing', () => {
    expect(articleFor('')).toBe('a');
  });
});
