// Removes dist/ before a build so stale compiled tests never run.
import { rmSync } from 'node:fs';
rmSync(new URL('../dist', import.meta.url), { recursive: true, force: true });
