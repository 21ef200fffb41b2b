import { z } from 'zod';
import type { Warning } from './admin-api.ts';

// Which down dependency explains a warning, for the badges and counts of the dashboard (pure).

/** The dependency that explains a warning. */
export interface WarningCause {
  /** The monitor that is (or was) down. */
  readonly id: number;
  readonly name: string;
  readonly host: string | null;
  /** The dependency of this monitor through which the cause reaches it, when that is another one. */
  readonly through: string | null;
  /** Its notifications are held now (the cause is still down); false: it was the cause at opening. */
  readonly held: boolean;
}

// What the warning engine writes into details at opening; read loosely, as details are free-form.
const CausedBySchema = z.object({
  id: z.number().int(),
  name: z.string(),
  host: z.string().nullable().optional(),
  direct_id: z.number().int().nullable().optional(),
  direct_name: z.string().nullable().optional(),
});

/** The cause of a warning: held by a down dependency now, or caused by one when it opened; else null. */
export function warningCause(w: Warning): WarningCause | null {
  const parsed = CausedBySchema.safeParse(w.details?.caused_by);
  const at = parsed.success ? parsed.data : undefined;
  const through = (c: typeof at) => (c?.direct_id && c.direct_id !== c.id ? (c.direct_name ?? null) : null);
  if (w.suppressed_by !== null) {
    const same = at?.id === w.suppressed_by ? at : undefined;
    return {
      id: w.suppressed_by,
      name: w.suppressed_by_name ?? same?.name ?? `monitor ${w.suppressed_by}`,
      host: same?.host ?? null,
      through: through(same),
      held: true,
    };
  }
  if (!at) return null;
  return { id: at.id, name: at.name, host: at.host ?? null, through: through(at), held: false };
}

/** Open warnings split into those that need people now and those held by a down dependency. */
export function splitHeld(warnings: readonly Warning[]): { open: Warning[]; held: Warning[] } {
  return {
    open: warnings.filter((w) => w.suppressed_by === null),
    held: warnings.filter((w) => w.suppressed_by !== null),
  };
}
