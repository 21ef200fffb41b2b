import { parseArgs } from 'node:util';
import { AdminApi, AdminApiError } from '../dashboard/admin-api.ts';
import { resolveConnection, UsageError } from './cli-config.ts';
import { COMMANDS, type CommandOptions } from './commands.ts';
import { httpTransport } from './http-transport.ts';

const GLOBAL = ['url', 'token', 'token-file', 'json', 'help', 'timeout'] as const;
const FLAGS = new Set(['json', 'help', 'stale', 'tofu', 'all']);

/** The usage text. */
export function usage(): string {
  const lines = COMMANDS.map((c) => {
    const head = [...c.words, c.args].filter(Boolean).join(' ');
    const opts = c.options.map((o) => (FLAGS.has(o) ? `[--${o}]` : `[--${o} …]`)).join(' ');
    return `  ${head.padEnd(26)} ${c.summary}${opts ? `\n  ${''.padEnd(26)} ${opts}` : ''}`;
  });
  return `usage: procwatch [--url URL] [--token-file FILE] [--json] <command>

The admin CLI of a procwatch collector (its admin API v1).

commands:
${lines.join('\n')}

global options:
  --url URL          collector base URL (env PROCWATCH_URL; default http://127.0.0.1:8080)
  --token-file FILE  file holding the admin token (env PROCWATCH_ADMIN_TOKEN_FILE)
  --token TOKEN      the admin token itself (env PROCWATCH_ADMIN_TOKEN; visible in ps, prefer a file)
  --json             machine-readable output
  --timeout MS       request timeout (default 15000)`;
}

/** Where the CLI writes; tests capture it. */
export interface CliIo {
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
  readonly env: NodeJS.ProcessEnv;
}

/** Runs the CLI; returns the exit code (0 ok, 1 the collector refused or failed, 2 usage). */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  const allOptions = new Set<string>([...GLOBAL, ...COMMANDS.flatMap((c) => c.options)]);
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      strict: true,
      options: Object.fromEntries(
        [...allOptions].map((name) => [
          name,
          { type: FLAGS.has(name) ? ('boolean' as const) : ('string' as const) },
        ]),
      ),
    });
  } catch (error) {
    io.err(`procwatch: ${(error as Error).message}\n\n${usage()}`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.help || positionals.length === 0) {
    (values.help ? io.out : io.err)(usage());
    return values.help ? 0 : 2;
  }
  const words = positionals[0] === 'status' ? ['status'] : positionals.slice(0, 2);
  // `procwatch hosts` alone means `hosts list`.
  const command =
    COMMANDS.find((c) => c.words.join(' ') === words.join(' ')) ??
    (positionals.length === 1
      ? COMMANDS.find((c) => c.words.join(' ') === `${positionals[0]} list`)
      : undefined);
  if (!command) {
    io.err(`procwatch: unknown command: ${positionals.join(' ')}\n\n${usage()}`);
    return 2;
  }
  const rest = positionals.slice(command.words.length > 1 && positionals.length > 1 ? 2 : 1);
  const options: CommandOptions = {};
  for (const [key, value] of Object.entries(values)) {
    if ((GLOBAL as readonly string[]).includes(key)) continue;
    if (!command.options.includes(key)) {
      io.err(`procwatch: ${command.words.join(' ')} does not take --${key}`);
      return 2;
    }
    options[key] = value as string | boolean;
  }
  let transport: ReturnType<typeof httpTransport> | undefined;
  try {
    const timeout = typeof values.timeout === 'string' ? Number(values.timeout) : undefined;
    if (timeout !== undefined && !(Number.isInteger(timeout) && timeout > 0))
      throw new UsageError('--timeout must be milliseconds');
    const connection = resolveConnection(
      {
        url: values.url as string | undefined,
        token: values.token as string | undefined,
        tokenFile: values['token-file'] as string | undefined,
        timeoutMs: timeout,
      },
      io.env,
    );
    transport = httpTransport(connection);
    const output = await command.run(new AdminApi(transport), rest, options);
    io.out(values.json ? JSON.stringify(output.json, null, 2) : output.text);
    return 0;
  } catch (error) {
    if (error instanceof UsageError) {
      io.err(`procwatch: ${error.message}`);
      return 2;
    }
    if (error instanceof AdminApiError) {
      if (values.json) io.out(JSON.stringify(error.problem, null, 2));
      const fields = (error.problem.errors ?? []).map((e) => `\n  ${e.path}: ${e.message}`).join('');
      io.err(`procwatch: ${error.status ? `HTTP ${error.status}: ` : ''}${error.message}${fields}`);
      return 1;
    }
    const code = (error as { code?: string }).code;
    io.err(
      `procwatch: ${code === 'ECONNREFUSED' ? 'collector unreachable (connection refused)' : (error as Error).message}`,
    );
    return 1;
  } finally {
    await transport?.close();
  }
}
