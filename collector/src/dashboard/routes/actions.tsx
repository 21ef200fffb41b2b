import type { Hono } from 'hono';
import { AdminApiError, describeCheck } from '../admin-api.ts';
import { type DashboardEnv, setFlash } from '../dashboard-env.ts';
import { idParam } from './pages.tsx';

/** State-changing buttons: check now, acknowledge, enable/disable. */
export function registerActionRoutes(app: Hono<DashboardEnv>): void {
  app.post('/monitors/:id/check', async (c, next) => {
    const id = idParam(c.req.param('id'));
    if (id === undefined) return next();
    try {
      setFlash(c.get('session'), { kind: 'ok', text: describeCheck(await c.get('api').checkMonitor(id)) });
    } catch (error) {
      if (!(error instanceof AdminApiError) || error.status === 401) throw error;
      setFlash(c.get('session'), { kind: 'error', text: `Check failed: ${error.message}` });
    }
    return c.redirect(`${c.get('page').base}/monitors/${id}`, 303);
  });

  app.post('/monitors/:id/active', async (c, next) => {
    const id = idParam(c.req.param('id'));
    if (id === undefined) return next();
    const form = await c.req.parseBody();
    const active = form.active === 'true';
    await c.get('api').updateMonitor(id, { active });
    setFlash(c.get('session'), { kind: 'ok', text: active ? 'Monitor enabled.' : 'Monitor disabled.' });
    return c.redirect(`${c.get('page').base}/monitors/${id}`, 303);
  });

  app.post('/hosts/:id/active', async (c, next) => {
    const id = idParam(c.req.param('id'));
    if (id === undefined) return next();
    const form = await c.req.parseBody();
    const active = form.active === 'true';
    const host = await c.get('api').updateHost(id, { active });
    setFlash(c.get('session'), { kind: 'ok', text: `Host ${host.name} ${active ? 'enabled' : 'disabled'}.` });
    return c.redirect(`${c.get('page').base}/hosts`, 303);
  });

  app.post('/warnings/:id/ack', async (c, next) => {
    const id = idParam(c.req.param('id'));
    if (id === undefined) return next();
    const form = await c.req.parseBody();
    const note = typeof form.note === 'string' ? form.note.trim().slice(0, 500) : '';
    try {
      const by = c.get('session').operator ?? 'dashboard';
      const warning = await c.get('api').ackWarning(id, by, note || undefined);
      setFlash(c.get('session'), { kind: 'ok', text: `Acknowledged: ${warning.title}` });
    } catch (error) {
      if (!(error instanceof AdminApiError) || error.status === 401) throw error;
      setFlash(c.get('session'), { kind: 'error', text: `Could not acknowledge: ${error.message}` });
    }
    return c.redirect(`${c.get('page').base}/warnings`, 303);
  });
}
