// CLI: `node dist/scripts/sbom-check.js <bom.json> [repo root]`; exits 1 listing what is wrong (scripts/sbom runs it).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { checkSbom, type Bom, type LockFile } from './sbom-check-rules.js';

const [bomPath, root = '.'] = process.argv.slice(2);
if (!bomPath) {
  process.stderr.write('usage: sbom-check <bom.json> [repo root]\n');
  process.exit(2);
}
const bom = JSON.parse(readFileSync(bomPath, 'utf8')) as Bom;
const lock = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8')) as LockFile;
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { dependencies?: Record<string, string> };
const report = checkSbom(bom, lock, Object.keys(pkg.dependencies ?? {}));
for (const p of report.problems) process.stderr.write(`sbom: ${p}\n`);
if (report.problems.length > 0) process.exit(1);
process.stdout.write(`sbom: ${bomPath}: ${report.components} production components, each with version, purl and license\n`);
for (const line of report.direct) process.stdout.write(`  ${line}\n`);
