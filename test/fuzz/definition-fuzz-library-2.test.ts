// The definition fuzz suite, second half of the library fuzz (see support/definition-fuzz-suites.ts; the
// slices are separate files so the unit suite's workers run them side by side).
import { describeLibraryFuzz } from '../unit/support/definition-fuzz-suites.js';

describeLibraryFuzz({ seed: 20261204, count: 500, hostile: false });
