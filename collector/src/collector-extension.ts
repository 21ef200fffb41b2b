import type { AppDeps } from './http/app-deps.ts';
import type { CollectorHooks } from './ingest/hooks.ts';

/**
 * A background task of a running collector (a job scheduler, a watchdog loop...). `run` works
 * until `signal` aborts (use runLoop from @procwatch/shared) and then resolves; the collector awaits
 * it on shutdown. An error it throws is logged; the collector keeps serving.
 */
export interface CollectorJob {
  readonly name: string;
  run(signal: AbortSignal): Promise<void>;
}

/** What an extension adds to a collector. */
export interface ExtensionParts {
  /** Merged with the other extensions' hooks (each called in list order). */
  readonly hooks?: CollectorHooks;
  /** Started after the server listens. */
  readonly jobs?: readonly CollectorJob[];
  /** Called on shutdown after the jobs stopped, before the database closes. */
  close?(): Promise<void>;
}

/**
 * A feature that plugs into `startCollector` (warning engine, SSH fallback, retention...): list it
 * in `extensions.ts`. `setup` runs once, after migrations and before the server listens; `deps` is
 * the same object the routes get.
 */
export interface CollectorExtension {
  readonly name: string;
  setup(deps: AppDeps): ExtensionParts | Promise<ExtensionParts>;
}
