import { mkdir } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, type Metafile } from 'esbuild';

import { REPO_ROOT } from './repo-root.ts';

export { REPO_ROOT };
/** Where `npm run build -w deploy` puts the agent: one file, nothing beside it. */
export const AGENT_BUNDLE_PATH = join(REPO_ROOT, 'deploy', 'dist', 'procwatch-agent.mjs');
/** The admin CLI as one file too, for operators' machines. */
export const CLI_BUNDLE_PATH = join(REPO_ROOT, 'deploy', 'dist', 'procwatch.mjs');
const AGENT_ENTRY = join(REPO_ROOT, 'agent', 'src', 'main.ts');
const CLI_ENTRY = join(REPO_ROOT, 'collector', 'src', 'cli', 'procwatch.ts');

// An ESM bundle of CommonJS dependencies (pino, pidusage, undici's internals) calls `require` for
// node built-ins; ESM has none, so the banner makes one. `__filename`/`__dirname` are defined too for
// CommonJS code that reads them, pointing at the bundle itself.
const BANNER = [
  "import { createRequire as __pwCreateRequire } from 'node:module';",
  "import { fileURLToPath as __pwFileURLToPath } from 'node:url';",
  "import { dirname as __pwDirname } from 'node:path';",
  'const require = __pwCreateRequire(import.meta.url);',
  'const __filename = __pwFileURLToPath(import.meta.url);',
  'const __dirname = __pwDirname(__filename);',
].join('\n');

/** What went into a bundle, for the build log and the test that nothing is loaded from disk. */
export interface BundleSummary {
  readonly outfile: string;
  readonly bytes: number;
  /** Input packages (node_modules names) and our workspace folders, sorted. */
  readonly packages: readonly string[];
  /** Node built-ins the bundle imports. */
  readonly builtins: readonly string[];
}

function packageOf(input: string): string {
  const parts = input.split('/');
  const nm = parts.lastIndexOf('node_modules');
  if (nm < 0) return parts.slice(0, 2).join('/');
  const name = parts[nm + 1] ?? '';
  return name.startsWith('@') ? `${name}/${parts[nm + 2] ?? ''}` : name;
}

function summarize(outfile: string, metafile: Metafile): BundleSummary {
  const output = Object.values(metafile.outputs)[0];
  const packages = new Set(Object.keys(metafile.inputs).map(packageOf));
  const builtins = new Set<string>();
  for (const input of Object.values(metafile.inputs)) {
    for (const imp of input.imports) {
      if (imp.external && !imp.path.startsWith('<')) builtins.add(imp.path.replace(/^node:/, ''));
    }
  }
  return {
    outfile,
    bytes: output?.bytes ?? 0,
    packages: [...packages].sort(),
    builtins: [...builtins].sort(),
  };
}

/**
 * Bundles the agent into one ESM file that runs with plain `node` ≥ 20: every dependency inlined,
 * only node built-ins external. ps-list's vendored binaries are Windows-only (on Linux it runs `ps`
 * and the agent prefers its own /proc reader), and pino runs without transports (no worker files),
 * so nothing else is needed on disk.
 */
export function buildAgentBundle(
  options: { outfile?: string; minify?: boolean } = {},
): Promise<BundleSummary> {
  return buildBundle(AGENT_ENTRY, options.outfile ?? AGENT_BUNDLE_PATH, options.minify ?? false);
}

/** Bundles the admin CLI (`procwatch`) the same way. */
export function buildCliBundle(options: { outfile?: string; minify?: boolean } = {}): Promise<BundleSummary> {
  return buildBundle(CLI_ENTRY, options.outfile ?? CLI_BUNDLE_PATH, options.minify ?? false);
}

async function buildBundle(entry: string, outfile: string, minify: boolean): Promise<BundleSummary> {
  await mkdir(dirname(outfile), { recursive: true });
  const result = await build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'esm',
    banner: { js: BANNER },
    // Only built-ins may stay external: a bare package import left in the bundle would need a
    // node_modules beside it, which is exactly what the single file is meant to avoid.
    packages: 'bundle',
    minify,
    keepNames: true,
    legalComments: 'eof',
    sourcemap: false,
    metafile: true,
    logLevel: 'warning',
    absWorkingDir: REPO_ROOT,
  });
  return summarize(outfile, result.metafile);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const minify = process.argv.includes('--minify');
  for (const summary of [await buildAgentBundle({ minify }), await buildCliBundle({ minify })]) {
    process.stdout.write(
      `${relative(process.cwd(), summary.outfile)}: ${(summary.bytes / 1024).toFixed(0)} KiB\n` +
        `  packages: ${summary.packages.join(', ')}\n  node built-ins: ${summary.builtins.join(', ')}\n`,
    );
  }
}
