import { readFileSync } from 'node:fs';

/** Length of the pieces of a secret looked for: a leaked fragment this long is a leak too. */
const WINDOW = 16;

/** A secret found in a log. */
export interface SecretHit {
  readonly label: string;
  readonly file: string;
  readonly line: number;
  /** Whole secret, or a fragment of it. */
  readonly kind: 'whole' | 'fragment';
}

// The part of a secret worth hiding: an agent token's id (`pwa_<16 hex>_`) is public (the API shows it
// as agent_token_id and logs may name it); the 43 characters after it are the secret.
function secretCore(value: string): string {
  const agent = /^pwa_[0-9a-f]{16}_(.+)$/.exec(value);
  return agent ? agent[1]! : value;
}

/**
 * Looks for every secret, and every {@link WINDOW}-character fragment of its secret part, in every line
 * of the given log files. Candidate words are runs of token characters, so the scan is one pass per file.
 */
export function scanLogsForSecrets(
  files: readonly string[],
  secrets: readonly { label: string; value: string }[],
): { hits: SecretHit[]; lines: number; files: number } {
  const windows = new Map<string, { label: string; value: string }>();
  for (const secret of secrets) {
    const core = secretCore(secret.value);
    for (let i = 0; i + WINDOW <= core.length; i++) windows.set(core.slice(i, i + WINDOW), secret);
  }
  const hits: SecretHit[] = [];
  let lines = 0;
  for (const file of files) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    const fileLines = text.split('\n');
    lines += fileLines.length;
    fileLines.forEach((line, index) => {
      for (const word of line.match(/[A-Za-z0-9_-]{16,}/g) ?? []) {
        for (let i = 0; i + WINDOW <= word.length; i++) {
          const secret = windows.get(word.slice(i, i + WINDOW));
          if (secret) {
            const kind = line.includes(secret.value) ? 'whole' : 'fragment';
            hits.push({ label: secret.label, file, line: index + 1, kind });
            break;
          }
        }
      }
    });
  }
  return { hits, lines, files: files.length };
}
