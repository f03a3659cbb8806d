// Every CLI command, in the order `sagesim --help` lists them. Each module registers itself on
// the program and calls the same API a user calls from a test.
import type { Command } from 'commander';
import type { CliIo } from '../cli-io.js';
import { callbackCommand } from './callback.js';
import { completionCommand } from './completion.js';
import { dataCommand } from './data.js';
import { execCommand } from './exec.js';
import { graphCommand } from './graph.js';
import { imagesCommand } from './images.js';
import { inputsCommand } from './inputs.js';
import { logsCommand } from './logs.js';
import { lsCommand } from './ls.js';
import { modelsCommand } from './models.js';
import { reproduceCommand } from './reproduce.js';
import { retryCommand } from './retry.js';
import { rmCommand } from './rm.js';
import { runCommand } from './run.js';
import { s3Command } from './s3.js';
import { serveCommand } from './serve.js';
import { showCommand } from './show.js';
import { validateCommand } from './validate.js';

export interface CommandModule {
  register(program: Command, io: CliIo): void;
}

export const COMMANDS: readonly CommandModule[] = [validateCommand, inputsCommand, graphCommand, runCommand, lsCommand, showCommand, logsCommand, reproduceCommand, retryCommand, rmCommand, dataCommand, s3Command, imagesCommand, modelsCommand, callbackCommand, serveCommand, execCommand, completionCommand];
