// The code catalogue: one exit code and audience per code, the documented page rendered from it,
// no stale or near-duplicate codes. That every thrown code is catalogued is the compiler's job
// (SagesimError takes only catalogued codes); the last test shows it.
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  DefinitionError,
  ERROR_CODES,
  EXIT,
  PROBLEM_CODES,
  SagesimError,
  StepFailure,
  StoppedError,
  WARNING_CODES,
  assertNever,
  exitCodeOf,
} from '../../src/errors.js';
import { renderCodeCatalogue } from '../../src/errors/code-catalogue-doc.js';
import { PreflightError } from '../../src/runtime/preflight-error.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const DOC = path.join(ROOT, 'docs', 'ERROR-CODES.md');

/** Every .ts file under src/ except the catalogues themselves, as one text. */
function sourcesOutsideCatalogue(): string {
  const catalogue = new Set(['error-codes.ts', 'problem-codes.ts', 'warning-codes.ts', 'code-catalogue-doc.ts']);
  const files = readdirSync(path.join(ROOT, 'src'), { recursive: true, encoding: 'utf8' })
    .filter((file) => file.endsWith('.ts') && !catalogue.has(path.basename(file)));
  return files.map((file) => readFileSync(path.join(ROOT, 'src', file), 'utf8')).join('\n');
}

function fsError(code: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`${code}: no`), { code, syscall: 'open', path: '/nowhere/x' });
}

describe('the code catalogue', () => {
  it.each([
    { label: 'a bad command-line value', error: new SagesimError('INVALID_ARGUMENT', 'x', { source: 'user' }), exit: EXIT.usage },
    { label: 'a definition refused for one problem', error: new DefinitionError([{ code: 'CYCLE', path: '$.Steps', message: 'x' }]), exit: EXIT.usage },
    { label: 'a definition refused for several problems', error: new DefinitionError([{ code: 'CYCLE', path: '$', message: 'x' }, { code: 'MISSING_STEPS', path: '$', message: 'y' }]), exit: EXIT.usage },
    { label: 'a preflight refused because Docker is down', error: new PreflightError([{ code: 'DOCKER_UNAVAILABLE', path: '$', message: 'x' }]), exit: EXIT.usage },
    { label: 'Docker down before anything ran', error: new SagesimError('DOCKER_UNAVAILABLE', 'x', { source: 'user' }), exit: EXIT.usage },
    { label: 'Docker refusing a request', error: new SagesimError('DOCKER_ERROR', 'x'), exit: EXIT.failed },
    { label: 'AWS denying access', error: new SagesimError('AWS_ACCESS_DENIED', 'x', { source: 'aws' }), exit: EXIT.failed },
    { label: 'work stopped by Ctrl-C', error: new StoppedError('stopped by SIGINT'), exit: EXIT.failed },
    { label: 'a failed step', error: new StepFailure('exited with code 1', { code: 'CONTAINER_FAILED' }), exit: EXIT.failed },
    { label: 'an unhandled variant (a sagesim bug)', error: new SagesimError('UNHANDLED_VARIANT', 'x'), exit: EXIT.internal },
    { label: 'a file-system error naming a path', error: fsError('EACCES'), exit: EXIT.usage },
    { label: 'an error sagesim did not throw on purpose', error: new TypeError('x is undefined'), exit: EXIT.internal },
    { label: 'a thrown string', error: 'boom', exit: EXIT.internal },
  ])('$label: exit $exit, as the catalogue says', ({ error, exit }) => {
    expect(exitCodeOf(error)).toBe(exit);
  });

  it('gives internal codes exit 3 and every other code exit 1 or 2', () => {
    for (const [code, info] of Object.entries(ERROR_CODES)) {
      expect([code, info.exit === EXIT.internal]).toEqual([code, info.audience === 'internal']);
      expect([EXIT.failed, EXIT.usage, EXIT.internal]).toContain(info.exit);
    }
  });

  it('has no near-duplicate codes (a code and the same code with a trailing S)', () => {
    const all = new Set([...Object.keys(ERROR_CODES), ...Object.keys(PROBLEM_CODES), ...Object.keys(WARNING_CODES)]);
    expect([...all].filter((code) => all.has(`${code}S`))).toEqual([]);
  });

  it('has no stale code: every catalogued code is used somewhere in src/', () => {
    const sources = sourcesOutsideCatalogue();
    const codes = [...Object.keys(ERROR_CODES), ...Object.keys(PROBLEM_CODES), ...Object.keys(WARNING_CODES)];
    expect(codes.filter((code) => !sources.includes(`'${code}'`))).toEqual([]);
  });

  it('splits what was INTERNAL into one code per state, each with the default hint to report it', () => {
    expect(() => assertNever('x' as never, 'step type')).toThrow(expect.objectContaining({ code: 'UNHANDLED_VARIANT', hint: ERROR_CODES.UNHANDLED_VARIANT.hint }));
    expect(new SagesimError('KEY_OUTSIDE_PREFIX', 'x', { hint: 'given' }).hint).toBe('given');
    expect(new SagesimError('INVALID_ARGUMENT', 'x').hint).toBeUndefined();
  });

  it('is what docs/ERROR-CODES.md shows', () => {
    const rendered = renderCodeCatalogue();
    if (process.env['SAGESIM_UPDATE_DOCS'] === '1') writeFileSync(DOC, rendered);
    expect(readFileSync(DOC, 'utf8'), 'docs/ERROR-CODES.md is stale: SAGESIM_UPDATE_DOCS=1 npx vitest run test/unit/error-codes.test.ts').toBe(rendered);
  });

  it('refuses an uncatalogued code at compile time', () => {
    // @ts-expect-error INTERNAL was split into one code per state; unknown codes do not compile.
    const error = new SagesimError('INTERNAL', 'x');
    expect(error.code).toBe('INTERNAL');
  });
});
