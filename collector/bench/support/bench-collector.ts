/**
 * A collector process for benchmarks: the environment's config, startCollector without extensions
 * unless BENCH_EXTENSIONS=1 (so that the figure is the API's own, not the warning engine's), prints
 * `{"url": ...}` on stdout once listening, stops on SIGTERM.
 */
import '@hono/zod-openapi';
import { startCollector } from '../../src/collector.ts';
import { loadCollectorConfig } from '../../src/config.ts';
import { createLogger } from '../../src/logger.ts';

const config = loadCollectorConfig(process.env);
const stop = new AbortController();
process.once('SIGTERM', () => stop.abort());
const collector = await startCollector(config, {
  logger: createLogger(config.logLevel),
  signal: stop.signal,
  ...(process.env.BENCH_EXTENSIONS === '1' ? {} : { extensions: [] }),
});
process.stdout.write(`${JSON.stringify({ url: collector.url })}\n`);
await new Promise((resolve) => stop.signal.addEventListener('abort', resolve, { once: true }));
await collector.close();
