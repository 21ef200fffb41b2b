import { OpenAPIHono } from '@hono/zod-openapi';
import { methodNotAllowed } from 'hono/method-not-allowed';
import { ApiError } from './api-error.ts';
import type { AppDeps } from './app-deps.ts';
import type { AppEnv } from './app-env.ts';
import { registerSecuritySchemes } from './openapi.ts';
import { errorHandler, methodNotAllowedResponse, notFoundHandler } from './problem.ts';
import type { ApiApp, RouteModule } from './route-module.ts';
import { routeModules } from './routes/index.ts';

const TARGET_NAMES: Record<string, string> = {
  json: 'body',
  query: 'query string',
  param: 'path',
  header: 'headers',
  cookie: 'cookies',
  form: 'form',
};

/**
 * The collector's HTTP app: every route module of `routes/index.ts` (or `modules`), one error
 * handler producing problem+json, 404 and 405 as problems. Serve it with @hono/node-server, or call
 * `app.request()` in tests.
 */
export function createApp(deps: AppDeps, modules: readonly RouteModule[] = routeModules): ApiApp {
  const app = new OpenAPIHono<AppEnv>({
    // Validation failures of any route: 400 naming each field.
    defaultHook: (result) => {
      if (!result.success)
        throw ApiError.validation(result.error, TARGET_NAMES[result.target] ?? result.target);
    },
  });
  const logger = deps.logger.child({ component: 'http' });
  app.onError(errorHandler(logger));
  app.notFound(notFoundHandler);
  app.use('*', async (c, next) => {
    const started = performance.now();
    await next();
    // Never the headers or the body: they carry tokens and data.
    logger.debug(
      {
        method: c.req.method,
        path: c.req.path,
        status: c.res.status,
        ms: Math.round(performance.now() - started),
      },
      'request',
    );
  });
  app.use('*', methodNotAllowed({ app, onMethodNotAllowed: methodNotAllowedResponse }));
  for (const module of modules) {
    if (module.middleware) app.use('*', module.middleware(deps));
  }
  registerSecuritySchemes(app);
  for (const module of modules) module.register(app, deps);
  return app;
}
