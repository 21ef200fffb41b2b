/** The dependency rule of ARCHITECTURE.md: shared <- agent, shared <- collector; no cycles. */
module.exports = {
  forbidden: [
    { name: 'no-circular', severity: 'error', from: {}, to: { circular: true } },
    {
      name: 'shared-is-a-leaf',
      comment: 'shared holds schemas and pure logic; it imports neither agent nor collector',
      severity: 'error',
      from: { path: '^shared/' },
      to: { path: '^(agent|collector|deploy)/' },
    },
    {
      name: 'agent-not-collector',
      severity: 'error',
      from: { path: '^agent/' },
      to: { path: '^(collector|deploy)/' },
    },
    {
      name: 'collector-not-agent',
      severity: 'error',
      from: { path: '^collector/' },
      to: { path: '^(agent|deploy)/' },
    },
    {
      name: 'shared-no-io',
      comment: 'shared is pure: no fs, network or database modules',
      severity: 'error',
      from: { path: '^shared/src' },
      to: {
        path: '^(node:)?(fs|net|http|https|child_process|dgram)$|^pg$|^kysely|^undici|^ssh2',
        dependencyTypes: ['core', 'npm'],
      },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
    },
  },
};
