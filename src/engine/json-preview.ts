// A short JSON rendering of any value for messages: at most `max` characters, built iteratively and
// stopped as soon as it is long enough, so a huge or very deep value costs only what is shown.
// (JSON.stringify would overflow the stack on a 10,000-deep value and copy a megabyte string whole.)

/** `value` as JSON, cut to `max` characters with `...`; `undefined` and functions as String() gives them. */
export function previewJson(value: unknown, max = 80): string {
  let text = '';
  // What is left to write: values, or literal text (closing brackets, commas, keys).
  const stack: ({ readonly value: unknown } | { readonly text: string })[] = [{ value }];
  const limit = max + 1;
  while (stack.length > 0 && text.length <= limit) {
    const item = stack.pop() as { value: unknown } | { text: string };
    if ('text' in item) {
      text += item.text;
      continue;
    }
    const v = item.value;
    if (Array.isArray(v)) {
      text += '[';
      stack.push({ text: ']' });
      // Each element writes at least two characters: more than `limit` of them are never shown.
      for (let i = Math.min(v.length, limit) - 1; i >= 0; i--) {
        stack.push({ value: v[i] ?? null });
        if (i > 0) stack.push({ text: ',' });
      }
    } else if (typeof v === 'object' && v !== null) {
      text += '{';
      stack.push({ text: '}' });
      const keys = Object.keys(v);
      for (let i = Math.min(keys.length, limit) - 1; i >= 0; i--) {
        const key = keys[i] as string;
        stack.push({ value: (v as Record<string, unknown>)[key] });
        stack.push({ text: `${JSON.stringify(key.length > limit ? key.slice(0, limit) : key)}:` });
        if (i > 0) stack.push({ text: ',' });
      }
    } else if (typeof v === 'string') {
      text += JSON.stringify(v.length > limit ? v.slice(0, limit) : v);
    } else {
      text += JSON.stringify(v) ?? String(v);
    }
  }
  return text.length > max || stack.length > 0 ? `${text.slice(0, max - 3)}...` : text;
}
