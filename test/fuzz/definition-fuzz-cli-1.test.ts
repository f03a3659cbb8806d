// The definition fuzz suite, hostile shapes and the first half of the CLI-shell fuzz (see support/definition-fuzz-suites.ts; the
// slices are separate files so the unit suite's workers run them side by side).
import { describeCliFuzz } from '../unit/support/definition-fuzz-suites.js';

describeCliFuzz({ seed: 7, count: 75, hostile: true });
