// Builds the browser console into dist/console-ui (or --out DIR): one bundle of web/console with
// its graph layout library, the stylesheet and the page. Runs in `npm run build` (and `prepare`),
// so a clean clone's `npm ci` produces it and the package ships it: the console loads nothing
// from the network.
import { copyFile, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '..');
const outFlag = process.argv.indexOf('--out');
const outDir = outFlag === -1 ? path.join(root, 'dist', 'console-ui') : path.resolve(process.argv[outFlag + 1] ?? '');
const source = path.join(root, 'web', 'console');

// The default folder is ours alone: start it afresh, so no file of an older build ships.
if (outFlag === -1) await rm(outDir, { recursive: true, force: true });
await mkdir(outDir, { recursive: true });
const result = await build({
  entryPoints: [path.join(source, 'main.ts')],
  outfile: path.join(outDir, 'app.js'),
  bundle: true,
  format: 'esm',
  target: ['chrome110', 'firefox110', 'safari16'],
  minify: true,
  sourcemap: false,
  legalComments: 'none',
  metafile: true,
  logLevel: 'warning',
});
await writeFile(path.join(outDir, 'THIRD-PARTY-LICENSES.txt'), await thirdPartyLicenses(Object.keys(result.metafile.inputs)));
await copyFile(path.join(source, 'styles.css'), path.join(outDir, 'app.css'));
await copyFile(path.join(source, 'index.html'), path.join(outDir, 'index.html'));

/** The license of every package bundled into app.js, as their licenses ask to be kept. */
async function thirdPartyLicenses(inputs) {
  const packages = new Set();
  for (const input of inputs) {
    const match = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(input);
    if (match) packages.add(match[1]);
  }
  const sections = [];
  for (const name of [...packages].sort()) {
    const dir = path.join(root, 'node_modules', name);
    const { version, license } = JSON.parse(await readFile(path.join(dir, 'package.json'), 'utf8'));
    const text = await readFile(path.join(dir, 'LICENSE'), 'utf8').catch(() => `(${license}; no LICENSE file in the package)`);
    sections.push(`${name} ${version} (${license})\n\n${text.trim()}\n`);
  }
  return `The sagesim console bundles these packages:\n\n${sections.join('\n---\n\n')}`;
}
