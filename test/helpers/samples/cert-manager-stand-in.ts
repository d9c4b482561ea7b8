// cert-manager's part in the cert-manager sample: each Certificate object of the file is issued into its
// secretName (tls.crt, tls.key, ca.crt, as cert-manager writes them), by the Issuer it names: `selfSigned`, or
// `ca` (signed with the key pair in that Issuer's Secret). Certificates are issued in dependency order.
import type { Sample } from './sample-catalog.js';
import { issueCertificate, type PemPair } from './openssl-certs.js';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Issues the sample's Certificates into Secrets through `put`; returns one note per Secret. */
export async function issueCertManagerSecrets(sample: Sample, put: (name: string, data: Record<string, string>) => void, exists: (name: string) => boolean): Promise<string[]> {
  const certificates = sample.companions.filter((d) => d.kind === 'Certificate' && isObj(d.spec));
  const issuers = new Map(sample.companions.filter((d) => d.kind === 'Issuer' || d.kind === 'ClusterIssuer').map((d) => [d.metadata?.name, d]));
  const issued = new Map<string, PemPair & { ca: string }>();
  const notes: string[] = [];
  let pending = certificates.filter((c) => !exists(String((c.spec as Obj).secretName)));
  while (pending.length > 0) {
    const before = pending.length;
    for (const cert of [...pending]) {
      const spec = cert.spec as Obj;
      const issuer = issuers.get(isObj(spec.issuerRef) ? String(spec.issuerRef.name) : '');
      const issuerSpec = isObj(issuer?.spec) ? issuer.spec : {};
      let signer: (PemPair & { ca: string }) | undefined;
      if (isObj(issuerSpec.ca)) {
        signer = issued.get(String(issuerSpec.ca.secretName));
        if (!signer) continue; // its CA is issued in a later round
      } else if (!isObj(issuerSpec.selfSigned)) {
        throw new Error(`Certificate ${String(cert.metadata?.name)}: issuer ${String(issuer?.metadata?.name)} is neither selfSigned nor ca`);
      }
      const dnsNames = Array.isArray(spec.dnsNames) ? spec.dnsNames.map(String) : [];
      const pair = await issueCertificate({
        commonName: typeof spec.commonName === 'string' ? spec.commonName : (dnsNames[0] ?? String(cert.metadata?.name)),
        isCA: spec.isCA === true,
        dnsNames,
        usages: Array.isArray(spec.usages) ? (spec.usages.filter((u) => u === 'server auth' || u === 'client auth') as ('server auth' | 'client auth')[]) : [],
        ...(signer ? { issuer: signer } : {}),
      });
      const secretName = String(spec.secretName);
      const ca = signer ? signer.cert : pair.cert;
      issued.set(secretName, { ...pair, ca });
      put(secretName, { 'tls.crt': pair.cert, 'tls.key': pair.key, 'ca.crt': ca });
      notes.push(`Secret ${secretName}: issued here for Certificate ${String(cert.metadata?.name)} (cert-manager's part)`);
      pending = pending.filter((p) => p !== cert);
    }
    if (pending.length === before) throw new Error(`Certificates ${pending.map((p) => String(p.metadata?.name)).join(', ')}: their issuers' CAs are never issued`);
  }
  return notes;
}
