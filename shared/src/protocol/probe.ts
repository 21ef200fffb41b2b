import { z } from 'zod';

/**
 * A health probe of a monitor, run by the agent while the process is RUNNING. Only what the monitor
 * says is probed: a TCP connect to host:port, or an HTTP GET of an http(s) URL (no redirects followed),
 * so the agent never becomes a general proxy.
 */
export const ProbeSpecSchema = z.discriminatedUnion('kind', [
  z.strictObject({
    kind: z.literal('tcp'),
    host: z
      .string()
      .min(1)
      .max(253)
      .regex(/^[A-Za-z0-9.:_-]+$/, 'must be a host name or an IP address'),
    port: z.number().int().min(1).max(65_535),
    timeout_ms: z.number().int().min(100).max(60_000).default(2000),
    failures: z.number().int().min(1).max(100).default(3),
  }),
  z.strictObject({
    kind: z.literal('http'),
    url: z
      .string()
      .max(2048)
      .url('must be a URL')
      .refine((u) => /^https?:\/\//i.test(u), 'must be an http:// or https:// URL')
      .refine((u) => !/^https?:\/\/[^/]*@/i.test(u), 'must not carry a user name or password'),
    expected_status: z.number().int().min(100).max(599).default(200),
    timeout_ms: z.number().int().min(100).max(60_000).default(2000),
    failures: z.number().int().min(1).max(100).default(3),
  }),
]);
/** A health probe. */
export type ProbeSpec = z.infer<typeof ProbeSpecSchema>;

/** The probe's result as it rides on a sample. */
export const ProbeResultSchema = z.object({
  ok: z.boolean(),
  /** Failures in a row, this one included (0 when ok). */
  consecutive_failures: z.number().int().min(0).max(1_000_000),
  /** Failures in a row that make the process unhealthy (the spec's `failures`). */
  threshold: z.number().int().min(1).max(100),
  latency_ms: z.number().int().min(0).max(3_600_000).nullable(),
  message: z.string().max(500).nullable(),
});
/** A probe result. */
export type ProbeResult = z.infer<typeof ProbeResultSchema>;
