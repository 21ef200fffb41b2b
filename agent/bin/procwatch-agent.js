#!/usr/bin/env node
// Development entry: runs the TypeScript sources through tsx. Hosts run the esbuild bundle instead.
import { register } from 'tsx/esm/api';

register();
await import('../src/main.ts');
