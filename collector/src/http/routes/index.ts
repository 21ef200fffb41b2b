import { dashboardRoutes } from '../../dashboard/route-module.ts';
import { metricsRoutes } from '../../metrics/metrics-route.ts';
import type { RouteModule } from '../route-module.ts';
import { agentCommandRoutes } from './agent-commands.ts';
import { agentConfigRoutes } from './agent-config.ts';
import { agentHeartbeatRoutes } from './agent-heartbeat.ts';
import { agentSamplesRoutes } from './agent-samples.ts';
import { docsRoutes } from './docs.ts';
import { fundAccountRoutes } from './fund-accounts.ts';
import { healthRoutes } from './health.ts';
import { hostRoutes } from './hosts.ts';
import { manualCheckRoutes } from './manual-checks.ts';
import { monitorEventRoutes } from './monitor-events.ts';
import { monitorHistoryRoutes } from './monitor-history.ts';
import { monitorLogTailRoutes } from './monitor-log-tail.ts';
import { monitorRoutes } from './monitors.ts';
import { muteRoutes } from './mutes.ts';
import { notificationChannelRoutes } from './notification-channels.ts';
import { statusRoutes } from './status.ts';
import { warningRoutes } from './warnings.ts';

/**
 * Every route group of the collector, registered in this order. Add yours with one line
 * (a module implementing RouteModule, in its own file under http/routes/).
 */
export const routeModules: readonly RouteModule[] = [
  healthRoutes,
  agentConfigRoutes,
  agentSamplesRoutes,
  agentHeartbeatRoutes,
  agentCommandRoutes,
  hostRoutes,
  fundAccountRoutes,
  monitorRoutes,
  monitorHistoryRoutes,
  monitorEventRoutes,
  monitorLogTailRoutes,
  manualCheckRoutes,
  statusRoutes,
  warningRoutes,
  notificationChannelRoutes,
  muteRoutes,
  docsRoutes,
  metricsRoutes,
  dashboardRoutes,
];
