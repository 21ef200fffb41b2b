import type { Host, HostWithToken } from '@procwatch/shared';
import { formatAgo, formatInstant } from '../format.ts';
import { AgentBadge, Flash } from './components.tsx';
import { Csrf, Layout, type PageContext } from './layout.tsx';

/** The hosts page: every host with its agent, and actions. */
export function HostsPage(props: {
  ctx: PageContext;
  hosts: readonly Host[];
  flash?: { kind: 'ok' | 'error'; text: string } | undefined;
}) {
  const { ctx } = props;
  return (
    <Layout ctx={ctx} title="Hosts" section="hosts" refreshSeconds={30}>
      {props.flash ? <Flash kind={props.flash.kind}>{props.flash.text}</Flash> : null}
      <div class="inline-actions">
        <h1>Hosts</h1>
        <a class="button primary" href={`${ctx.base}/hosts/new`}>
          Add host
        </a>
      </div>
      <div class="wrap">
        <table>
          <thead>
            <tr>
              <th>Host</th>
              <th>Address</th>
              <th>Agent</th>
              <th>Last heartbeat</th>
              <th>SSH fallback</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {props.hosts.map((h) => (
              <tr data-host={h.name}>
                <td>
                  <a href={`${ctx.base}/monitors?host=${h.id}`}>{h.name}</a>
                  {h.active ? null : <div class="muted">disabled</div>}
                </td>
                <td class="mono">{h.address}</td>
                <td>
                  <AgentBadge online={h.agent_online} />{' '}
                  <span class="muted mono">{h.agent_version ?? ''}</span>
                </td>
                <td title={formatInstant(h.last_heartbeat_at, ctx.timeZone)}>
                  {formatAgo(h.last_heartbeat_at, ctx.now)}
                </td>
                <td class="muted">
                  {h.ssh_user
                    ? `${h.ssh_user}@${h.address}:${h.ssh_port} (${h.ssh_host_key_policy})`
                    : 'not set'}
                </td>
                <td class="actions">
                  <a class="button" href={`${ctx.base}/hosts/${h.id}/edit`}>
                    Edit
                  </a>{' '}
                  <form method="post" action={`${ctx.base}/hosts/${h.id}/active`}>
                    <Csrf token={ctx.csrfToken} />
                    <input type="hidden" name="active" value={h.active ? 'false' : 'true'} />
                    <button type="submit" class={h.active ? 'danger' : undefined}>
                      {h.active ? 'Disable' : 'Enable'}
                    </button>
                  </form>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </Layout>
  );
}

/** Shown once after a host was created (or its token rotated): the agent token and how to install. */
export function HostTokenPage(props: { ctx: PageContext; host: HostWithToken; collectorUrl: string }) {
  const { ctx, host } = props;
  return (
    <Layout ctx={ctx} title={`Host ${host.name}`} section="hosts">
      <Flash kind="ok">Host {host.name} saved. Its agent token is shown only now: copy it.</Flash>
      <h1>Agent token for {host.name}</h1>
      <code class="secret" data-agent-token>
        {host.agent_token}
      </code>
      <p>On the host, save the token to a file readable by root only, then install the agent:</p>
      <code class="secret">
        sudo deploy/scripts/install-agent.sh --collector-url {props.collectorUrl} --token-file
        /root/procwatch-agent-token
      </code>
      <p>
        <a href={`${ctx.base}/monitors/new?host=${host.id}`}>Add a monitor on this host</a> ·{' '}
        <a href={`${ctx.base}/hosts`}>All hosts</a>
      </p>
    </Layout>
  );
}
