// ${podselector:NAME} expansion in user pg_hba lines (CNPG pkg/postgres/hba/hba.go):
// one line per resolved pod IP as /32 or /128; a known selector with no IPs drops the line; an unknown
// descriptor or selector name turns the line into a comment carrying the error.
import { isIPv6 } from 'node:net';

const TOKEN = /\$\{([^:}]+):([^}]+)\}/;

/** Expands the lines; `selectors` maps each selector name the Cluster defines to its pod IPs (maybe none). */
export function expandPodSelectors(lines: readonly string[], selectors: ReadonlyMap<string, readonly string[]>): string[] {
  const out: string[] = [];
  for (const line of lines) {
    const match = TOKEN.exec(line);
    if (!match) {
      out.push(line);
      continue;
    }
    const [token, kind, name] = match as unknown as [string, string, string];
    if (kind !== 'podselector') {
      out.push(`# ${line} # unknown descriptor type: ${kind}`);
      continue;
    }
    const ips = selectors.get(name);
    if (ips === undefined) {
      out.push(`# ${line} # pod selector not found: ${name}`);
      continue;
    }
    for (const ip of ips) out.push(line.replace(token, `${ip}/${isIPv6(ip) ? 128 : 32}`));
  }
  return out;
}
