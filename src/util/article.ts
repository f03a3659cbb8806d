// "a" or "an" before a word that is only known at run time (a step type, a parameter type), so
// messages read "an EMR step", "an Integer DefaultValue", "a Training step".

/** Letters whose spoken name starts with a vowel sound: an initialism starting with one takes "an". */
const VOWEL_SOUND_LETTERS = new Set('AEFHILMNORSX');

/** Words spelt with a vowel but said with a consonant sound ("a unique", "a one-off"), and the reverse ("an hour"). */
const CONSONANT_SOUND = /^(?:uni|use|usu|uti|ura|eu|ewe|one|once)/i;
const SILENT_H = /^(?:hour|honest|honou?r|heir)/i;

/** The indefinite article English reads before `word`: "an" for "EMR", "Integer", "AutoML"; "a" for "Training", "UUID". */
export function articleFor(word: string): 'a' | 'an' {
  const first = word.charAt(0);
  // Two capitals in a row: an initialism, read letter by letter ("an EMR", "an SQS", "a KNN").
  if (/^[A-Z][A-Z0-9]/.test(word)) return VOWEL_SOUND_LETTERS.has(first) && !/^U[A-Z]/.test(word) ? 'an' : 'a';
  if (CONSONANT_SOUND.test(word)) return 'a';
  if (SILENT_H.test(word)) return 'an';
  return /^[aeiou]/i.test(first) ? 'an' : 'a';
}

/** `word` preceded by its indefinite article: "an EMR", "a Processing". */
export function withArticle(word: string): string {
  return `${articleFor(word)} ${word}`;
}
