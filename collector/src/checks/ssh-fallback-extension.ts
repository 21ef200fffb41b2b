import type { CollectorExtension } from '../collector-extension.ts';
import { checkServicesOf, runSshSweep } from './check-services.ts';

/**
 * The SSH fallback in a running collector: the heartbeat watchdog's sweep as a background job,
 * and the services the manual-check routes use (one SSH pool for both), closed on shutdown.
 * Without SSH credentials in the config the job idles and manual checks use the agent only.
 */
export const sshFallbackExtension: CollectorExtension = {
  name: 'ssh-fallback',
  setup(deps) {
    // Made now, not on the first request: a bad PROCWATCH_SSH_KEY_FILE stops the start.
    const services = checkServicesOf(deps);
    return {
      jobs: services.sweeper ? [{ name: 'ssh-sweep', run: (signal) => runSshSweep(deps, signal) }] : [],
      close: () => services.close(),
    };
  },
};
