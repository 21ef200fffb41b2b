import { html, raw } from 'hono/html';
import type { ApiApp, RouteModule } from '../route-module.ts';

const OPENAPI_PATH = '/api/v1/openapi.json';
const DOCS_PATH = '/api/v1/docs';

const API_DESCRIPTION = `Process monitoring for trading hosts. Agents push samples with a per-host bearer token
(\`/agent/v1/...\`); people and tools use the admin token (\`/api/v1/...\`). Errors are RFC 9457
problem+json documents with a stable \`code\` and, for invalid input, \`errors: [{ path, message }]\`.
Admin request bodies and query strings are strict: an unknown field is a 400, so a typo never passes as a
default. Agent protocol bodies (\`/agent/v1\`) ignore unknown fields, so that a newer agent can report to an
older collector. Field names are the design note's (ProcessMonitor, ProcessStatus, HostServer, FundAccount).`;

type OpenApiDocument = ReturnType<ApiApp['getOpenAPI31Document']>;

function documentOf(app: ApiApp): OpenApiDocument {
  return app.getOpenAPI31Document({
    openapi: '3.1.0',
    info: { title: 'procwatch collector API', version: '1.0.0', description: API_DESCRIPTION },
  });
}

interface Operation {
  method: string;
  path: string;
  tag: string;
  summary: string;
  description: string;
  secured: string;
  parameters: string[];
  body: string;
  responses: string[];
}

function operationsOf(doc: OpenApiDocument): Operation[] {
  const out: Operation[] = [];
  for (const [path, item] of Object.entries(doc.paths ?? {})) {
    for (const [method, op] of Object.entries(item ?? {}) as [string, Record<string, unknown>][]) {
      if (typeof op !== 'object' || op === null || !('responses' in op)) continue;
      const security =
        (op.security as Record<string, unknown>[] | undefined)?.flatMap((s) => Object.keys(s)) ?? [];
      const params = ((op.parameters as { name: string; in: string }[] | undefined) ?? []).map(
        (p) => `${p.name} (${p.in})`,
      );
      const content = (
        op.requestBody as { content?: Record<string, { schema?: { $ref?: string } }> } | undefined
      )?.content;
      const ref = content?.['application/json']?.schema?.$ref;
      out.push({
        method: method.toUpperCase(),
        path,
        tag: (op.tags as string[] | undefined)?.[0] ?? 'other',
        summary: String(op.summary ?? ''),
        description: String(op.description ?? ''),
        secured: security.join(', ') || 'none',
        parameters: params,
        body: ref ? ref.replace('#/components/schemas/', '') : content ? 'JSON' : '',
        responses: Object.keys(op.responses as object),
      });
    }
  }
  return out.sort((a, b) => a.tag.localeCompare(b.tag) || a.path.localeCompare(b.path));
}

function page(doc: OpenApiDocument) {
  const ops = operationsOf(doc);
  const schemas = Object.entries(doc.components?.schemas ?? {});
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>${doc.info.title}</title>
<style>
body{font:14px/1.45 system-ui,sans-serif;margin:2rem auto;max-width:70rem;padding:0 1rem;color:#222}
table{border-collapse:collapse;width:100%}td,th{border-bottom:1px solid #ddd;padding:.35rem .5rem;text-align:left;vertical-align:top}
code,pre{font:12px/1.4 ui-monospace,monospace}pre{background:#f6f6f6;padding:.5rem;overflow:auto;max-height:30rem}
.m{font-weight:bold}.d{color:#555}
</style>
</head>
<body>
<h1>${doc.info.title} <small>${doc.info.version}</small></h1>
<p>${doc.info.description ?? ''}</p>
<p>Machine-readable: <a href="${OPENAPI_PATH}"><code>${OPENAPI_PATH}</code></a> (OpenAPI 3.1).</p>
<table>
<thead><tr><th>Method</th><th>Path</th><th>What</th><th>Auth</th><th>Parameters</th><th>Body</th><th>Responses</th></tr></thead>
<tbody>
${ops.map(
  (o) => html`<tr><td class="m">${o.method}</td><td><code>${o.path}</code></td>
<td>${o.summary}${o.description ? html`<div class="d">${o.description}</div>` : ''}</td>
<td>${o.secured}</td><td>${o.parameters.join(', ')}</td><td>${o.body ? html`<a href="#${o.body}">${o.body}</a>` : ''}</td>
<td>${o.responses.join(' ')}</td></tr>`,
)}
</tbody>
</table>
<h2>Schemas</h2>
${schemas.map(
  ([name, schema]) => html`<h3 id="${name}">${name}</h3><pre>${JSON.stringify(schema, null, 2)}</pre>`,
)}
</body>
</html>`;
}

/** `GET /api/v1/openapi.json` (OpenAPI 3.1 from the routes' zod schemas) and a page rendering it. */
export const docsRoutes: RouteModule = {
  name: 'docs',
  register(app) {
    let cached: OpenApiDocument | undefined;
    // Generated on first use: every module has registered its routes by then.
    const document = () => {
      cached ??= documentOf(app);
      return cached;
    };
    app.get(OPENAPI_PATH, (c) => c.json(document(), 200));
    app.get(DOCS_PATH, async (c) => {
      c.header('Content-Security-Policy', "default-src 'none'; style-src 'unsafe-inline'");
      return c.html(raw(await page(document())));
    });
  },
};
