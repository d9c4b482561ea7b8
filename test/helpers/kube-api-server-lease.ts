// What kube-apiserver checks on a coordination.k8s.io/v1 Lease that the other kinds of the test API server
// do not have: its MicroTime fields are parsed with metav1.RFC3339Micro (exactly six fraction digits), so a
// JavaScript Date sent as "...05.123Z" is refused with 400, as a real server refuses it
// (k8s.io/apimachinery/pkg/apis/meta/v1/micro_time.go UnmarshalJSON); a duration must be positive.

const MICRO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}(?:Z|[+-]\d\d:\d\d)$/;

/** Why this Lease body would be refused, or undefined when it is acceptable. */
export function leaseProblem(obj: Record<string, unknown>): string | undefined {
  const spec = obj.spec;
  if (spec === undefined) return undefined;
  if (typeof spec !== 'object' || spec === null || Array.isArray(spec)) return 'spec: must be an object';
  const s = spec as Record<string, unknown>;
  for (const field of ['acquireTime', 'renewTime'] as const) {
    const value = s[field]; // eslint-disable-line security/detect-object-injection -- fixed field list
    if (value === undefined || value === null) continue;
    if (typeof value !== 'string' || !MICRO.test(value)) {
      return `parsing time ${JSON.stringify(value)} as "2006-01-02T15:04:05.000000Z07:00": cannot parse as RFC3339Micro (spec.${field})`;
    }
  }
  const duration = s.leaseDurationSeconds;
  if (duration !== undefined && (typeof duration !== 'number' || !Number.isInteger(duration) || duration <= 0)) {
    return 'spec.leaseDurationSeconds: Invalid value: must be greater than 0';
  }
  for (const field of ['holderIdentity'] as const) {
    const value = s[field]; // eslint-disable-line security/detect-object-injection -- fixed field list
    if (value !== undefined && value !== null && typeof value !== 'string') return `spec.${field}: must be a string`;
  }
  return undefined;
}
