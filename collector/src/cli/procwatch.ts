#!/usr/bin/env node
// Entry of the `procwatch` admin CLI (bundled to deploy/dist/procwatch.mjs; in the repository:
// `npx tsx collector/src/cli/procwatch.ts`).
import { runCli } from './main.ts';

process.exitCode = await runCli(process.argv.slice(2), {
  out: (text) => process.stdout.write(`${text}\n`),
  err: (text) => process.stderr.write(`${text}\n`),
  env: process.env,
});
