// The definition fuzz suite, second half of the CLI-shell fuzz (see support/definition-fuzz-suites.ts; the
// slices are separate files so the unit suite's workers run them side by side).
import { describeCliFuzz } from '../unit/support/definition-fuzz-suites.js';

describeCliFuzz({ seed: 8, count: 75, hostile: false });
