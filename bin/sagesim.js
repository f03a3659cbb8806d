#!/usr/bin/env node
// Launcher: the CLI lives in dist/ (built by `npm ci` through the prepare script, or `npm run build`).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

// sagesim supports Node >= 20.19; the AWS SDK's notice about its own future Node 22 floor is noise here.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const main = new URL('../dist/cli/main.js', import.meta.url);
if (!existsSync(fileURLToPath(main))) {
  process.stderr.write('sagesim is not built yet: run `npm run build` (npm ci does it for you).\n');
  process.exit(2);
}
const { runCli, detectInvocation } = await import(main.href);
const invocation = detectInvocation(process.env, process.argv[1]);
process.exitCode = await runCli(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, env: process.env, cwd: process.cwd(), stdin: process.stdin, invocation, exit: (code) => process.exit(code) });
