#!/usr/bin/env node
import { parseArgs } from 'node:util';
import { setFlagsFromString } from 'node:v8';
import { errorMessage } from '@procwatch/shared';
import { checkMonitors, formatCheckReport } from './cli/check-command.ts';
import { runDaemon } from './cli/run-command.ts';
import { AgentConfigError } from './config.ts';
import { AGENT_VERSION } from './version.ts';

// undici parses HTTP with WebAssembly (llhttp). V8's optimizing WebAssembly tier costs ~25 MB of peak
// RSS when it kicks in (measured in agent/bench) and buys nothing at a few requests a second. The
// module is compiled lazily at the first connection, i.e. after this line.
setFlagsFromString('--liftoff-only');

const USAGE = `usage: procwatch-agent <command> [options]

commands:
  run                 run the agent daemon (JSON logs on stdout; SIGTERM stops it)
  check               one-shot dry run: list the processes each monitor matches; pushes nothing
  --version           print the version

options:
  --config PATH       agent config file (default: $PROCWATCH_AGENT_CONFIG or /etc/procwatch/agent.json)

check options (default: every monitor of the cached collector config):
  --monitors FILE     monitors from a JSON file ([...], {"monitors": [...]}, or a config cache)
  --name NAME         one ad-hoc monitor: process name (comm or executable basename)
  --pattern REGEX     ... command-line pattern (JavaScript RegExp)
  --pid-file PATH     ... PID file
  --lister KIND       auto (default), proc or ps-list
  --json              machine-readable output

exit codes: 0 ok, 1 failure, 2 usage or configuration error`;

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      config: { type: 'string' },
      monitors: { type: 'string' },
      name: { type: 'string' },
      pattern: { type: 'string' },
      'pid-file': { type: 'string' },
      lister: { type: 'string' },
      json: { type: 'boolean', default: false },
      version: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.version) {
    console.log(AGENT_VERSION);
    return 0;
  }
  const command = positionals[0];
  if (values.help || command === undefined) {
    console.log(USAGE);
    return command === undefined && !values.help ? 2 : 0;
  }
  if (positionals.length > 1) throw new AgentConfigError(`unexpected argument: ${positionals[1]}`);
  switch (command) {
    case 'run':
      return runDaemon({ configPath: values.config, env: process.env });
    case 'check': {
      const lister = values.lister;
      if (lister !== undefined && lister !== 'auto' && lister !== 'proc' && lister !== 'ps-list') {
        throw new AgentConfigError('--lister: must be auto, proc or ps-list');
      }
      const report = await checkMonitors({
        configPath: values.config,
        monitorsFile: values.monitors,
        name: values.name,
        pattern: values.pattern,
        pidFile: values['pid-file'],
        json: values.json,
        lister,
        env: process.env,
      });
      console.log(values.json ? JSON.stringify({ monitors: report }, null, 2) : formatCheckReport(report));
      return 0;
    }
    default:
      throw new AgentConfigError(`unknown command: ${command}\n\n${USAGE}`);
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
    // The daemon's loops are stopped by now; do not wait for stray keep-alive timers.
    if (process.argv[2] === 'run') process.exit(code);
  },
  (error: unknown) => {
    const usage =
      error instanceof AgentConfigError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS');
    console.error(
      usage ? `procwatch-agent: ${errorMessage(error)}` : `procwatch-agent: ${errorMessage(error)}`,
    );
    process.exitCode = usage ? 2 : 1;
  },
);
