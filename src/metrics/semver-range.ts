// `runonserver` constraints ("<17.0.0", ">=12.0.0 <=15.0.0", ">=16 || <13") checked against the server
// version. The grammar accepts what CNPG's semver libraries accept for such ranges: comparators joined by
// spaces or commas (AND) and `||` (OR), partial versions (`16` = `16.0.0`), `x`/`*` wildcards, `~` and `^`.

export type Version = readonly [number, number, number];

type Check = (v: Version) => boolean;

/** The semver CNPG derives from server_version_num: 160004 -> 16.0.4 (and 90624 -> 9.6.24). */
export function serverSemver(versionNum: number): Version {
  if (versionNum >= 100_000) return [Math.floor(versionNum / 10_000), 0, versionNum % 10_000];
  return [Math.floor(versionNum / 10_000), Math.floor(versionNum / 100) % 100, versionNum % 100];
}

/** Compiles a constraint; throws with a message naming the bad part. */
export function parseRange(text: string): Check {
  const alternatives = text.split('||').map((alt) => alt.trim());
  if (alternatives.some((a) => a === '')) throw new Error(`invalid version range "${text}": empty alternative`);
  const compiled = alternatives.map((alt) => {
    const parts = alt.replace(/([<>=!~^]+)\s+/g, '$1').split(/[\s,]+/).filter((p) => p !== '');
    const checks = parts.map((p) => comparator(p, text));
    return (v: Version) => checks.every((c) => c(v));
  });
  return (v) => compiled.some((c) => c(v));
}

/** True when `version` satisfies `range` (throws on a malformed range). */
export function satisfies(version: Version, range: string): boolean {
  return parseRange(range)(version);
}

// eslint-disable-next-line security/detect-unsafe-regex -- anchored, each group repeats a single class once
const COMPARATOR = /^(>=|<=|==|!=|=|>|<|~|\^)?v?(\d+|[xX*])(?:\.(\d+|[xX*]))?(?:\.(\d+|[xX*]))?$/;

function comparator(part: string, whole: string): Check {
  const m = COMPARATOR.exec(part);
  if (!m) throw new Error(`invalid version range "${whole}": cannot parse "${part}"`);
  const op = m[1] ?? '=';
  const raw = [m[2], m[3], m[4]];
  // How many leading parts are fixed numbers; the rest are wildcards or absent.
  let fixed = 0;
  while (fixed < 3 && /^\d+$/.test(raw.at(fixed) ?? '')) fixed++;
  const nums = raw.map((r) => (r !== undefined && /^\d+$/.test(r) ? Number(r) : 0)) as [number, number, number];
  const base: Version = [nums[0], fixed > 1 ? nums[1] : 0, fixed > 2 ? nums[2] : 0];
  const cmp = (v: Version): number => compare(v, base);
  // The first version beyond the partial version: 16 -> 17.0.0, 16.2 -> 16.3.0.
  const next = (): Version => (fixed <= 1 ? [base[0] + 1, 0, 0] : fixed === 2 ? [base[0], base[1] + 1, 0] : [base[0], base[1], base[2] + 1]);
  if (fixed === 0) return () => true; // "*" or "x"
  switch (op) {
    case '>':
      return fixed === 3 ? (v) => cmp(v) > 0 : (v) => compare(v, next()) >= 0;
    case '>=':
      return (v) => cmp(v) >= 0;
    case '<':
      return (v) => cmp(v) < 0;
    case '<=':
      return fixed === 3 ? (v) => cmp(v) <= 0 : (v) => compare(v, next()) < 0;
    case '!=':
      return (v) => !(cmp(v) >= 0 && compare(v, next()) < 0 && (fixed < 3 || cmp(v) === 0));
    case '~': {
      const upper: Version = fixed === 1 ? [base[0] + 1, 0, 0] : [base[0], base[1] + 1, 0];
      return (v) => cmp(v) >= 0 && compare(v, upper) < 0;
    }
    case '^': {
      const upper: Version = base[0] > 0 || fixed === 1 ? [base[0] + 1, 0, 0] : [0, base[1] + 1, 0];
      return (v) => cmp(v) >= 0 && compare(v, upper) < 0;
    }
    default:
      // "=", "==" or bare: exact for a full version, the whole span for a partial one.
      return fixed === 3 ? (v) => cmp(v) === 0 : (v) => cmp(v) >= 0 && compare(v, next()) < 0;
  }
}

function compare(a: Version, b: Version): number {
  return a[0] - b[0] || a[1] - b[1] || a[2] - b[2];
}
