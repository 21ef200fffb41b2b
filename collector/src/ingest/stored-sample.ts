import type { ProcessStatusRow } from '../db/schema.ts';

/**
 * One ProcessStatus row a batch added (never a duplicate), with the host it came from: what
 * {@link CollectorHooks.onSamplesStored} receives. `matches` is left out to keep hooks cheap.
 */
export type StoredSampleInfo = Omit<ProcessStatusRow, 'matches'> & { readonly hostServerId: number };
