// The Dockerfile check on the real Dockerfile, on a good minimal one and on one bad file per rule.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkDockerfile } from '../../../scripts/check-dockerfile-rules.js';
import { parseDockerfile, substitute } from '../../../scripts/check-dockerfile-parse.js';
import { compiledScript, repoRoot } from './repo-root.js';

const GOOD = `# syntax=docker/dockerfile:1
ARG NODE=24.21.0
FROM node:\${NODE}-bookworm-slim AS build
RUN apt-get update \\
 && apt-get install -y --no-install-recommends g++ \\
 && rm -rf /var/lib/apt/lists/*
FROM debian:12.11-slim@sha256:${'a'.repeat(64)}
LABEL org.opencontainers.image.source="x" org.opencontainers.image.version="1" \\
      org.opencontainers.image.licenses="Apache-2.0"
COPY --from=build /usr/local/bin/node /usr/local/bin/node
USER 26:26
ENTRYPOINT ["/usr/local/bin/node", "main.js"]
CMD ["instance", "run"]
`;

function rules(text: string, uid?: number): string[] {
  return checkDockerfile(text, { expectUid: uid }).map((f) => f.rule);
}

test('the repository Dockerfile passes with uid 26', () => {
  const text = readFileSync(join(repoRoot(), 'Dockerfile'), 'utf8');
  assert.deepEqual(checkDockerfile(text, { expectUid: 26 }), []);
});

test('a good minimal Dockerfile passes, and its ARG-built base resolves to the pinned tag', () => {
  assert.deepEqual(checkDockerfile(GOOD, { expectUid: 26 }), []);
  const parsed = parseDockerfile(GOOD);
  assert.equal(substitute(parsed.stages[0]?.image ?? '', parsed.globalArgs).value, 'node:24.21.0-bookworm-slim');
  assert.equal(parsed.stages[1]?.line, 7);
});

const BAD: [string, (good: string) => string, string][] = [
  ['base-latest (explicit)', (g) => g.replace('debian:12.11-slim@sha256:' + 'a'.repeat(64), 'debian:latest'), 'base-latest'],
  ['base-latest (no tag)', (g) => g.replace('debian:12.11-slim@sha256:' + 'a'.repeat(64), 'debian'), 'base-latest'],
  ['a moving tag', (g) => g.replace('node:${NODE}-bookworm-slim', 'node:lts-slim'), 'base-pinned'],
  ['a major-only tag', (g) => g.replace('ARG NODE=24.21.0', 'ARG NODE=24'), 'base-pinned'],
  ['an ARG with no default', (g) => g.replace('ARG NODE=24.21.0', 'ARG NODE'), 'base-arg-unresolved'],
  ['no USER', (g) => g.replace('USER 26:26\n', ''), 'user-non-root'],
  ['USER root by name', (g) => g.replace('USER 26:26', 'USER root'), 'user-numeric'],
  ['USER 0', (g) => g.replace('USER 26:26', 'USER 0'), 'user-non-root'],
  ['another uid than expected', (g) => g.replace('USER 26:26', 'USER 1000'), 'user-uid'],
  ['curl piped to sh', (g) => g.replace('COPY --from', 'RUN curl -fsSL https://example.invalid/i.sh | sh\nCOPY --from'), 'no-pipe-to-shell'],
  ['wget piped to /bin/bash', (g) => g.replace('COPY --from', 'RUN wget -qO- https://example.invalid/x | /bin/bash -\nCOPY --from'), 'no-pipe-to-shell'],
  ['sudo', (g) => g.replace('COPY --from', 'RUN sudo chown 26 /x\nCOPY --from'), 'no-sudo'],
  ['bash <(curl)', (g) => g.replace('COPY --from', 'RUN bash <(curl -s https://example.invalid/x)\nCOPY --from'), 'no-pipe-to-shell'],
  ['apt lists kept', (g) => g.replace(' \\\n && rm -rf /var/lib/apt/lists/*', ''), 'apt-lists-cleaned'],
  ['apt lists cleaned in a later layer', (g) => g.replace(' \\\n && rm -rf /var/lib/apt/lists/*', '\nRUN rm -rf /var/lib/apt/lists/*'), 'apt-lists-cleaned'],
  ['recommends installed', (g) => g.replace('--no-install-recommends ', ''), 'apt-no-recommends'],
  ['install without update', (g) => g.replace('apt-get update \\\n && ', ''), 'apt-update-with-install'],
  ['shell-form ENTRYPOINT', (g) => g.replace('ENTRYPOINT ["/usr/local/bin/node", "main.js"]', 'ENTRYPOINT node main.js'), 'entrypoint-exec-form'],
  ['no ENTRYPOINT', (g) => g.replace(/ENTRYPOINT .*\n/, ''), 'entrypoint-exec-form'],
  ['shell-form CMD', (g) => g.replace('CMD ["instance", "run"]', 'CMD instance run'), 'cmd-exec-form'],
  ['ADD of a URL', (g) => g.replace('COPY --from', 'ADD https://example.invalid/x.tgz /x.tgz\nCOPY --from'), 'no-add-url'],
  ['a baked-in password', (g) => g.replace('USER 26:26', 'ENV POSTGRES_PASSWORD=hunter2\nUSER 26:26'), 'no-secret-in-image'],
  ['no licenses label', (g) => g.replace(' \\\n      org.opencontainers.image.licenses="Apache-2.0"', ''), 'oci-labels'],
];

for (const [name, mutate, rule] of BAD) {
  test(`bad Dockerfile: ${name} -> ${rule}`, () => {
    const text = mutate(GOOD);
    assert.notEqual(text, GOOD, 'the mutation changed nothing');
    assert.deepEqual(rules(text, 26), [rule]);
  });
}

test('findings carry the line of the instruction, continuation lines included', () => {
  const text = GOOD.replace('USER 26:26', 'USER 0');
  const [finding] = checkDockerfile(text);
  assert.equal(finding?.line, 11);
  const apt = checkDockerfile(GOOD.replace(' \\\n && rm -rf /var/lib/apt/lists/*', ''));
  assert.equal(apt[0]?.line, 4);
});

test('an earlier stage used as a base and scratch need no pin', () => {
  const text = GOOD.replace(/FROM debian:\S+/, 'FROM scratch AS empty\nFROM build');
  assert.deepEqual(rules(text, 26), []);
});

test('the CLI exits 1 naming file, line and rule, and 0 on the repository Dockerfile', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pgim-dockerfile-'));
  const bad = join(dir, 'Dockerfile');
  writeFileSync(bad, GOOD.replace('USER 26:26', 'USER root'));
  const cli = compiledScript('check-dockerfile');
  const failed = spawnSync(process.execPath, [cli, bad, '--uid', '26'], { encoding: 'utf8' });
  assert.equal(failed.status, 1);
  // eslint-disable-next-line security/detect-non-literal-regexp -- a temp path this test created
  assert.match(failed.stderr, new RegExp(`${bad}:11 user-numeric: USER root`));
  const ok = spawnSync(process.execPath, [cli, join(repoRoot(), 'Dockerfile'), '--uid', '26'], { encoding: 'utf8' });
  assert.equal(ok.status, 0, ok.stderr);
});
