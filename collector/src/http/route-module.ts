import type { OpenAPIHono } from '@hono/zod-openapi';
import type { MiddlewareHandler } from 'hono';
import type { AppDeps } from './app-deps.ts';
import type { AppEnv } from './app-env.ts';

/** The collector's Hono app. */
export type ApiApp = OpenAPIHono<AppEnv>;

/**
 * A group of routes, registered from the list in `routes/index.ts`. To add one: write a module
 * under `http/routes/`, then add one line to that list.
 */
export interface RouteModule {
  readonly name: string;
  /**
   * Optional middleware wrapping every request (e.g. request metrics). All modules' middleware is
   * registered before any route, in list order.
   */
  readonly middleware?: (deps: AppDeps) => MiddlewareHandler<AppEnv>;
  /** Registers the module's routes; prefer `app.openapi(createRoute(...))` so they are documented. */
  readonly register: (app: ApiApp, deps: AppDeps) => void;
}
