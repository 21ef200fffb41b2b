import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';

/**
 * Answers with a full HTML document. JSX renders `<html>…</html>` only; without the doctype browsers
 * fall back to quirks mode, where (among other things) tables do not inherit the font size, so a
 * wall screen's larger type would stop at every table.
 */
export async function htmlPage(
  c: Context,
  page: unknown,
  status: ContentfulStatusCode = 200,
): Promise<Response> {
  const body = await (page as { toString(): string | Promise<string> }).toString();
  return c.html(`<!DOCTYPE html>${body}`, status);
}
