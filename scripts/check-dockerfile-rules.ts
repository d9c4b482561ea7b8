// The rules of our Dockerfile check, the counterpart of hadolint's DL3006/DL3007 (pinned base, no latest),
// DL3002 (non-root USER), DL3009/DL3015 (apt lists, recommends), DL4006-like pipe-to-shell, DL3025 (exec form).
import { isExecForm, parseDockerfile, substitute, type Instruction, type ParsedDockerfile } from './check-dockerfile-parse.js';

export interface Finding {
  rule: string;
  line: number;
  message: string;
}

export interface CheckOptions {
  /** The numeric uid the final stage must run as (26 for our image, as CNPG's operand images). */
  expectUid?: number;
}

const DIGEST = /@sha256:[0-9a-f]{64}$/;
// A tag that names a release: at least major.minor (24.21.0-bookworm-slim, 12.11-slim), not a moving alias.
const VERSION_TAG = /^v?\d+\.\d+/;
const REQUIRED_LABELS = ['org.opencontainers.image.source', 'org.opencontainers.image.version', 'org.opencontainers.image.licenses'];
const SECRET_NAME = /(PASSWORD|PASSWD|SECRET|TOKEN|PRIVATE_KEY|API_KEY)/i;

/** Checks Dockerfile text; an empty result means it passes. */
export function checkDockerfile(text: string, options: CheckOptions = {}): Finding[] {
  const parsed = parseDockerfile(text);
  const findings: Finding[] = [];
  if (parsed.stages.length === 0) return [{ rule: 'no-from', line: 1, message: 'no FROM instruction' }];
  findings.push(...checkBases(parsed));
  for (const ins of parsed.instructions) findings.push(...checkInstruction(ins));
  findings.push(...checkFinalStage(parsed, options));
  return findings.sort((a, b) => a.line - b.line);
}

function checkBases(parsed: ParsedDockerfile): Finding[] {
  const findings: Finding[] = [];
  const names = new Set<string>();
  for (const stage of parsed.stages) {
    const { value, unresolved } = substitute(stage.image, parsed.globalArgs);
    const at = (rule: string, message: string): void => void findings.push({ rule, line: stage.line, message });
    if (unresolved.length > 0) at('base-arg-unresolved', `FROM ${stage.image}: ARG ${unresolved.join(', ')} has no default before the first FROM`);
    else if (names.has(value.toLowerCase()) || value === 'scratch') {
      // An earlier stage of this file, or the empty image: nothing to pin.
    } else if (DIGEST.test(value)) {
      // Pinned by content: the strongest pin.
    } else {
      const tag = tagOf(value);
      if (tag === undefined || tag === 'latest') at('base-latest', `FROM ${value}: ${tag ? 'the latest tag' : 'no tag means latest'}; pin a version or a digest`);
      else if (!VERSION_TAG.test(tag)) at('base-pinned', `FROM ${value}: tag '${tag}' is not a release version (major.minor...) or a digest`);
    }
    if (stage.name) names.add(stage.name);
  }
  return findings;
}

function tagOf(image: string): string | undefined {
  const lastSlash = image.lastIndexOf('/');
  const name = image.slice(lastSlash + 1);
  const colon = name.indexOf(':');
  return colon < 0 ? undefined : name.slice(colon + 1);
}

function checkInstruction(ins: Instruction): Finding[] {
  const findings: Finding[] = [];
  const at = (rule: string, message: string): void => void findings.push({ rule, line: ins.line, message });
  if (ins.keyword === 'RUN') {
    const cmd = ins.args;
    if (pipesDownloadToShell(cmd)) {
      at('no-pipe-to-shell', 'RUN pipes a download into a shell: fetch, verify a checksum, then run');
    }
    if (/\bsudo\b/.test(cmd)) at('no-sudo', 'RUN uses sudo: set USER instead');
    const verbs = aptVerbs(cmd);
    const installs = verbs.has('install');
    const updates = verbs.has('update');
    if ((installs || updates) && !/rm\s+-(rf|fr|r)\s+[^;&]*\/var\/lib\/apt\/lists\b/.test(cmd)) {
      at('apt-lists-cleaned', 'RUN uses apt without `rm -rf /var/lib/apt/lists/*` in the same layer');
    }
    if (installs && !cmd.includes('--no-install-recommends')) at('apt-no-recommends', 'apt-get install without --no-install-recommends');
    if (installs && !updates) at('apt-update-with-install', 'apt-get install without apt-get update in the same RUN (stale package lists)');
  } else if (ins.keyword === 'ADD' && /(^|\s)https?:\/\//.test(ins.args)) {
    at('no-add-url', 'ADD of a URL downloads without verification: fetch with a checksum in a RUN, or COPY');
  } else if (ins.keyword === 'ENV' || ins.keyword === 'ARG') {
    for (const m of ins.args.matchAll(/(\w+)(=|\s+)(\S+)/g)) {
      if (m[1] && SECRET_NAME.test(m[1]) && m[3] && !m[3].startsWith('/')) at('no-secret-in-image', `${ins.keyword} ${m[1]} bakes a secret into the image`);
    }
  }
  return findings;
}

const SHELLS = new Set(['sh', 'bash', 'dash', 'zsh', 'ksh']);
const isShell = (word: string | undefined): boolean => SHELLS.has((word ?? '').split('/').pop() ?? '');

/** `curl ... | [sudo] sh`, or `sh <(curl ...)` / `sh -c "$(wget ...)"`, within one command list element. */
function pipesDownloadToShell(cmd: string): boolean {
  for (const list of cmd.split(/&&|;|\|\|/)) {
    const stages = list.split('|').map((s) => s.trim().split(/\s+/));
    for (let i = 1; i < stages.length; i++) {
      const words = stages.at(i) ?? [];
      const first = words[0] === 'sudo' ? words[1] : words[0];
      const fetched = stages.slice(0, i).some((w) => w.includes('curl') || w.includes('wget'));
      if (fetched && isShell(first)) return true;
    }
    const words = list.trim().split(/\s+/);
    if (isShell(words[0]) && /(<\(|\$\()\s*(curl|wget)\b/.test(list)) return true;
  }
  return false;
}

/** The apt / apt-get sub-commands a RUN uses (`apt-get -y -q install` -> install). */
function aptVerbs(cmd: string): Set<string> {
  const verbs = new Set<string>();
  const words = cmd.split(/\s+/);
  words.forEach((w, i) => {
    if (w !== 'apt-get' && w !== 'apt') return;
    const verb = words.slice(i + 1).find((x) => !x.startsWith('-'));
    if (verb) verbs.add(verb);
  });
  return verbs;
}

function checkFinalStage(parsed: ParsedDockerfile, options: CheckOptions): Finding[] {
  const findings: Finding[] = [];
  const final = parsed.stages[parsed.stages.length - 1];
  if (!final) return findings;
  const last = (keyword: string): Instruction | undefined => final.instructions.filter((i) => i.keyword === keyword).pop();
  const at = (rule: string, line: number, message: string): void => void findings.push({ rule, line, message });

  const user = last('USER');
  if (!user) at('user-non-root', final.line, 'the final stage has no USER: it would run as root');
  else {
    const [uid = '', gid, ...rest] = user.args.split(':');
    const numeric = (x: string): boolean => /^\d+$/.test(x);
    if (!numeric(uid) || (gid !== undefined && !numeric(gid)) || rest.length > 0) {
      at('user-numeric', user.line, `USER ${user.args}: use a numeric uid (runAsNonRoot cannot verify a name)`);
    } else if (Number(uid) === 0) at('user-non-root', user.line, 'USER 0 is root');
    else if (options.expectUid !== undefined && Number(uid) !== options.expectUid) {
      at('user-uid', user.line, `USER ${uid}: the image runs as uid ${options.expectUid}`);
    }
  }
  const entrypoint = last('ENTRYPOINT');
  if (!entrypoint) at('entrypoint-exec-form', final.line, 'the final stage has no ENTRYPOINT');
  else if (!isExecForm(entrypoint.args)) {
    at('entrypoint-exec-form', entrypoint.line, 'ENTRYPOINT in shell form runs /bin/sh as PID 1: use the JSON array form');
  }
  const cmd = last('CMD');
  if (cmd && !isExecForm(cmd.args)) at('cmd-exec-form', cmd.line, 'CMD in shell form: use the JSON array form');

  const labels = final.instructions.filter((i) => i.keyword === 'LABEL').map((i) => i.args).join(' ');
  for (const label of REQUIRED_LABELS) {
    if (!labels.includes(`${label}=`)) at('oci-labels', final.line, `the final stage has no ${label} label`);
  }
  return findings;
}
