/**
 * Text from the collector made safe to print on a terminal, keeping its lines and tabs. A log holds
 * whatever a process wrote: escape sequences in it could move the cursor, rewrite what was printed before,
 * set the window title or, on some terminals, answer back into the shell. They become `?`.
 */
export function printableText(text: string): string {
  return text.replace(/\r\n/g, '\n').replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g, '?');
}
