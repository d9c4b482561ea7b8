// Checks a CycloneDX SBOM against package-lock.json: every production package, and only those, with its exact
// version, a purl and a license. (`npm sbom --omit dev` misses production packages.)

export interface BomComponent {
  name: string;
  group?: string;
  version?: string;
  purl?: string;
  licenses?: { license?: { id?: string; name?: string }; expression?: string }[];
  components?: BomComponent[];
}

export interface Bom {
  bomFormat?: string;
  specVersion?: string;
  metadata?: { component?: { name?: string; version?: string } };
  components?: BomComponent[];
}

export interface LockFile {
  name?: string;
  version?: string;
  packages?: Record<string, { name?: string; version?: string; dev?: boolean; devOptional?: boolean; link?: boolean }>;
}

export interface SbomReport {
  problems: string[];
  /** `name version license` of each direct production dependency, for the CI log. */
  direct: string[];
  components: number;
}

/** The package name a lockfile key stands for (`node_modules/a/node_modules/@s/b` -> `@s/b`). */
export function lockKeyName(key: string): string {
  const at = key.lastIndexOf('node_modules/');
  return at < 0 ? key : key.slice(at + 'node_modules/'.length);
}

/** The production packages of a lockfile as `name@version` (dev-only entries and links left out). */
export function productionPackages(lock: LockFile): Set<string> {
  const out = new Set<string>();
  for (const [key, entry] of Object.entries(lock.packages ?? {})) {
    if (key === '' || entry.dev === true || entry.devOptional === true || entry.link === true) continue;
    out.add(`${entry.name ?? lockKeyName(key)}@${entry.version ?? '?'}`);
  }
  return out;
}

/** All components, nested ones included, flattened. */
export function flattenComponents(components: BomComponent[] = []): BomComponent[] {
  return components.flatMap((c) => [c, ...flattenComponents(c.components)]);
}

/** A component's license in one string, or undefined when it has none. */
export function licenseOf(c: BomComponent): string | undefined {
  const parts = (c.licenses ?? []).map((l) => l.expression ?? l.license?.id ?? l.license?.name).filter((x): x is string => !!x);
  return parts.length > 0 ? parts.join(' OR ') : undefined;
}

/** Compares the SBOM with the lockfile and the manifest's direct dependencies. */
export function checkSbom(bom: Bom, lock: LockFile, directDeps: readonly string[]): SbomReport {
  const problems: string[] = [];
  if (bom.bomFormat !== 'CycloneDX') problems.push(`bomFormat is ${String(bom.bomFormat)}, not CycloneDX`);
  if (!bom.specVersion) problems.push('no specVersion');
  const meta = bom.metadata?.component;
  if (meta?.name !== lock.name || meta?.version !== lock.version) {
    problems.push(`metadata.component is ${meta?.name}@${meta?.version}, expected ${lock.name}@${lock.version}`);
  }
  const flat = flattenComponents(bom.components);
  const byKey = new Map(flat.map((c) => [`${c.group ? `${c.group}/` : ''}${c.name}@${c.version ?? '?'}`, c]));
  const wanted = productionPackages(lock);
  for (const key of wanted) if (!byKey.has(key)) problems.push(`production package ${key} is missing`);
  for (const [key, c] of byKey) {
    if (!wanted.has(key)) problems.push(`${key} is not a production package of the lockfile`);
    if (!licenseOf(c)) problems.push(`${key} has no license`);
    if (!c.purl) problems.push(`${key} has no purl`);
  }
  const direct: string[] = [];
  for (const name of directDeps) {
    const version = lock.packages?.[`node_modules/${name}`]?.version;
    const c = version ? byKey.get(`${name}@${version}`) : undefined;
    if (!c) problems.push(`direct dependency ${name}${version ? `@${version}` : ''} is missing`);
    else direct.push(`${name} ${version ?? '?'} ${licenseOf(c) ?? 'NO LICENSE'}`);
  }
  return { problems, direct, components: flat.length };
}
