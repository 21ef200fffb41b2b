import type { HttpBindings } from '@hono/node-server';

/** The host an agent token belongs to, set by the agent auth middleware. */
export interface AgentPrincipal {
  readonly id: number;
  readonly name: string;
}

/**
 * Hono's environment of the collector app. Bindings come from @hono/node-server when serving and
 * are absent under `app.request` in tests, hence Partial.
 */
export interface AppEnv {
  Bindings: Partial<HttpBindings>;
  Variables: {
    agentHost: AgentPrincipal;
  };
}
