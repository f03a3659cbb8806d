// `sagesim images build [--force] [image...]` and `sagesim images ls`: sagesim's local stand-ins for
// SageMaker's scikit-learn, XGBoost and KNN images, built offline from containers/.
import type { Command } from 'commander';
import { resolveConfig, type SagesimConfig } from '../../config.js';
import { type BuiltImage, type ImagesOptions, type LocalImageName, LOCAL_IMAGE_NAMES, buildImages, imageStatus } from '../../images/build-images.js';
import { SagesimError, StoppedError } from '../../errors.js';
import type { CliIo } from '../cli-io.js';
import { onStopSignal } from '../stop-signals.js';
import type { CommandModule } from './index.js';

interface BuildFlags {
  readonly force?: boolean;
}

export const imagesCommand: CommandModule = {
  register(program: Command, io: CliIo): void {
    const images = program.command('images').description("build and list sagesim's local images (sagesim/sklearn, sagesim/xgboost, sagesim/knn)");
    images
      .command('build')
      .description('build the images that are missing or out of date (offline: Debian base from debootstrap)')
      .argument('[image...]', `images to build: ${LOCAL_IMAGE_NAMES.join(', ')} (default: all); \`base\` alone: the base image only`)
      .option('--force', 'rebuild even when an image of the same content hash exists')
      .action(async (names: string[], flags: BuildFlags) => {
        const config = resolveConfig({ cwd: io.cwd }, io.env);
        const started = Date.now();
        // Ctrl-C or SIGTERM ends the engine's build or import, or debootstrap.
        const controller = new AbortController();
        const stopListening = onStopSignal(io, (signal) => {
          if (controller.signal.aborted) return;
          io.stderr.write(`\n${signal}: stopping the image build...\n`);
          controller.abort(new StoppedError(`image build stopped by ${signal}`));
        });
        const baseOnly = names.length === 1 && names[0] === 'base';
        let results: readonly BuiltImage[];
        try {
          results = await buildImages({
            ...(await engineOf(config)),
            env: io.env,
            force: flags.force === true,
            baseOnly,
            only: names.length > 0 && !baseOnly ? names.map(checkName) : undefined,
            reporter: { progress: ({ message }) => io.stdout.write(`${message}\n`) },
            signal: controller.signal,
          });
        } finally {
          stopListening();
        }
        if (baseOnly) return;
        const built = results.filter((r) => r.outcome === 'built').length;
        io.stdout.write(
          built === 0
            ? `all ${results.length} images up to date\n`
            : `built ${built} of ${results.length} images in ${Math.round((Date.now() - started) / 1000)}s\n`,
        );
      });
    images
      .command('ls')
      .description('list the images with their content hash and whether they are built')
      .option('--json', 'print them as JSON ({ Images: [{ Name, Tag, Hash, Present }] })')
      .action(async (flags: { readonly json?: boolean }) => {
        const config = resolveConfig({ cwd: io.cwd }, io.env);
        const states = await imageStatus({ ...(await engineOf(config)), env: io.env });
        if (flags.json) {
          io.stdout.write(`${JSON.stringify({ Images: states.map((s) => ({ Name: `sagesim/${s.name}`, Tag: s.tag, Hash: s.hash, Present: s.present })) }, null, 2)}\n`);
          return;
        }
        for (const state of states) {
          io.stdout.write(`${`sagesim/${state.name}`.padEnd(18)} ${state.hash}  ${state.present ? 'built' : 'missing (run `sagesim images build`)'}\n`);
        }
      });
  },
};

/** The configuration's Docker engine and its socket; dockerode loads here, not when the CLI starts. */
async function engineOf(config: SagesimConfig): Promise<Pick<ImagesOptions, 'engine'>> {
  const { dockerEngineFor } = await import('../../adapters/docker/docker-engine.js');
  return { engine: dockerEngineFor(config) };
}

function checkName(name: string): LocalImageName {
  if ((LOCAL_IMAGE_NAMES as readonly string[]).includes(name)) return name as LocalImageName;
  throw new SagesimError('UNKNOWN_IMAGE', `unknown image ${name}`, { source: 'user', hint: `choose among ${LOCAL_IMAGE_NAMES.join(', ')} (or \`base\` alone)` });
}
