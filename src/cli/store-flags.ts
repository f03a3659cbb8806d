// `--home` and `--config`, which every command that reads or writes the sagesim home takes, and
// the configuration they resolve to together with the environment (resolved once, at the edge).
import { type ConfigOverrides, type SagesimConfig, resolveConfig } from '../config.js';
import type { CliIo } from './cli-io.js';

export interface StoreFlags {
  readonly home?: string;
  readonly config?: string;
}

/** The configuration of `--home`, `--config`, the command's own `overrides` and the environment. */
export function configFromFlags(
  flags: StoreFlags,
  io: Pick<CliIo, 'cwd' | 'env'>,
  overrides: Omit<ConfigOverrides, 'cwd' | 'home' | 'configFile'> = {},
): SagesimConfig {
  return resolveConfig(
    {
      cwd: io.cwd,
      ...(flags.home === undefined ? {} : { home: flags.home }),
      ...(flags.config === undefined ? {} : { configFile: flags.config }),
      ...overrides,
    },
    io.env,
  );
}
