import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root (deploy/src/ → ../..). */
export const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
