// Kubernetes resource.Quantity strings (spec.probes.*.maximumLag) as a number of bytes.
import { ManagerError } from '../errors.js';

const SUFFIX: ReadonlyMap<string, number> = new Map([
  ['', 1],
  ['Ki', 2 ** 10],
  ['Mi', 2 ** 20],
  ['Gi', 2 ** 30],
  ['Ti', 2 ** 40],
  ['Pi', 2 ** 50],
  ['Ei', 2 ** 60],
  ['m', 1e-3],
  ['k', 1e3],
  ['M', 1e6],
  ['G', 1e9],
  ['T', 1e12],
  ['P', 1e15],
  ['E', 1e18],
]);

/** Parses "16Mi", "1G", "1024", "1e6" (apimachinery resource.Quantity grammar, sign and decimals included). */
export function parseQuantity(text: string): number {
  const m = /^([+-]?(?:\d+\.?\d*|\.\d+))(?:([eE][+-]?\d+)|(Ki|Mi|Gi|Ti|Pi|Ei|m|k|M|G|T|P|E)?)$/.exec(text.trim());
  if (!m?.[1]) throw new ManagerError('USAGE', `'${text}' is not a Kubernetes quantity`);
  const base = Number(m[1]);
  if (m[2]) return base * 10 ** Number(m[2].slice(1));
  const suffix = m[3] ?? '';
  return base * (SUFFIX.get(suffix) ?? 1);
}
