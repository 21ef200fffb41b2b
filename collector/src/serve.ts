/** Runs the collector until SIGTERM/SIGINT; filled in by the collector service. */
export async function serve(): Promise<number> {
  console.error('serve: not built yet');
  return 1;
}
