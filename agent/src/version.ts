import packageJson from '../package.json' with { type: 'json' };

/** This agent's version, reported in heartbeats and `--version`. */
export const AGENT_VERSION: string = packageJson.version;
