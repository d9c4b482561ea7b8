// Dockerfile parsing for our own checker (hadolint is not in apt and no Docker engine runs here): logical
// instructions with their first line, line continuations joined, comments dropped, global ARG defaults resolved.
// Grammar: https://docs.docker.com/reference/dockerfile/#format

export interface Instruction {
  /** Upper-case keyword: FROM, RUN, USER, ... */
  keyword: string;
  /** Everything after the keyword, continuation lines joined with a space. */
  args: string;
  /** 1-based line of the keyword. */
  line: number;
  /** Index of the build stage (0-based); -1 before the first FROM. */
  stage: number;
}

export interface Stage {
  index: number;
  /** `FROM <image> AS <name>`: the name, lower case, if any. */
  name?: string;
  /** The image reference as written (ARGs not yet substituted). */
  image: string;
  line: number;
  instructions: Instruction[];
}

export interface ParsedDockerfile {
  instructions: Instruction[];
  stages: Stage[];
  /** ARGs declared before the first FROM, with their defaults (undefined when none). */
  globalArgs: Map<string, string | undefined>;
}

/** Splits a Dockerfile into logical instructions and build stages. */
export function parseDockerfile(text: string): ParsedDockerfile {
  const lines = text.split(/\r?\n/);
  const instructions: Instruction[] = [];
  const stages: Stage[] = [];
  const globalArgs = new Map<string, string | undefined>();
  let escape = '\\';
  let pending: { parts: string[]; line: number } | undefined;
  let stage = -1;
  let directivesAllowed = true;

  const finish = (): void => {
    if (!pending) return;
    const joined = pending.parts.join(' ').trim();
    const at = pending.line;
    pending = undefined;
    const m = /^(\S+)\s*(.*)$/s.exec(joined);
    if (!m?.[1]) return;
    const keyword = m[1].toUpperCase();
    const args = (m[2] ?? '').trim();
    if (keyword === 'FROM') {
      stage += 1;
      // FROM [--platform=...] <image> [AS <name>]
      const words = args.split(/\s+/).filter((w) => !w.startsWith('--'));
      const name = words[1]?.toUpperCase() === 'AS' ? words[2]?.toLowerCase() : undefined;
      stages.push({ index: stage, image: words[0] ?? '', name, line: at, instructions: [] });
    } else if (keyword === 'ARG' && stage === -1) {
      for (const decl of args.split(/\s+/)) {
        const eq = decl.indexOf('=');
        if (eq < 0) globalArgs.set(decl, undefined);
        else globalArgs.set(decl.slice(0, eq), unquote(decl.slice(eq + 1)));
      }
    }
    const instruction = { keyword, args, line: at, stage };
    instructions.push(instruction);
    stages.at(stage)?.instructions.push(instruction);
  };

  lines.forEach((raw, i) => {
    const lineNo = i + 1;
    if (directivesAllowed) {
      const directive = /^#\s*escape\s*=\s*(\S)\s*$/i.exec(raw);
      if (directive?.[1]) escape = directive[1];
      if (/^#\s*\w+\s*=/.test(raw)) return;
      directivesAllowed = false;
    }
    const trimmed = raw.trim();
    // Comment lines are dropped, also in the middle of a continued instruction.
    if (trimmed.startsWith('#')) return;
    if (trimmed === '' && !pending) return;
    const continued = trimmed.endsWith(escape);
    const body = continued ? trimmed.slice(0, -1) : trimmed;
    pending ??= { parts: [], line: lineNo };
    pending.parts.push(body);
    if (!continued) finish();
  });
  finish();
  return { instructions, stages, globalArgs };
}

/** Substitutes `$VAR`, `${VAR}` and `${VAR:-default}` from `vars`; names it could not resolve are returned. */
export function substitute(text: string, vars: ReadonlyMap<string, string | undefined>): { value: string; unresolved: string[] } {
  const unresolved: string[] = [];
  const value = text.replace(/\$\{([^}]*)\}|\$(\w+)/g, (_whole, braced?: string, bare?: string) => {
    const sep = braced?.indexOf(':-') ?? -1;
    const name = (sep >= 0 ? braced?.slice(0, sep) : (braced ?? bare)) ?? '';
    const fallback = sep >= 0 ? braced?.slice(sep + 2) : undefined;
    const found = vars.get(name);
    if (found !== undefined && found !== '') return found;
    if (fallback !== undefined) return fallback;
    unresolved.push(name);
    return '';
  });
  return { value, unresolved };
}

/** True when the instruction's arguments are a JSON array of strings (exec form). */
export function isExecForm(args: string): boolean {
  if (!args.startsWith('[')) return false;
  try {
    const parsed: unknown = JSON.parse(args);
    return Array.isArray(parsed) && parsed.length > 0 && parsed.every((a) => typeof a === 'string');
  } catch {
    return false;
  }
}

function unquote(s: string): string {
  return /^(["']).*\1$/.test(s) ? s.slice(1, -1) : s;
}
