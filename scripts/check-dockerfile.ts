// CLI of the Dockerfile check: `node dist/scripts/check-dockerfile.js [Dockerfile] [--uid 26]`.
// Prints one `file:line rule: message` per finding and exits 1 when there is any.
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { checkDockerfile } from './check-dockerfile-rules.js';

const { values, positionals } = parseArgs({ allowPositionals: true, options: { uid: { type: 'string' } } });
const file = positionals[0] ?? 'Dockerfile';
const expectUid = values.uid === undefined ? undefined : Number(values.uid);
const findings = checkDockerfile(readFileSync(file, 'utf8'), { expectUid });
for (const f of findings) process.stderr.write(`${file}:${f.line} ${f.rule}: ${f.message}\n`);
if (findings.length > 0) process.exit(1);
process.stdout.write(`${file}: ok (pinned bases, non-root numeric USER, exec-form ENTRYPOINT, apt lists cleaned, no pipe to shell)\n`);
