// pg_hba.conf holds the LDAP bind password (ldapbindpasswd="..."), and postgres quotes the matched line
// verbatim in the DETAIL of every failed login ("Connection matched pg_hba.conf line N: "<line>"", see
// src/backend/libpq/auth.c auth_failed). Re-emitted postgres lines pass through here first.

// A quoted value ends at the first lone `"` (`""` is an escaped quote, pg_hba.conf grammar); an unquoted
// one at the next blank or quote (the DETAIL wraps the whole line in quotes).
const LDAP_BIND_PASSWORD = /(ldapbindpasswd\s*=\s*)("(?:[^"]|"")*(?:"|$)|[^\s"]*)/gi;

/** Replaces every ldapbindpasswd value in `text` with [REDACTED]. */
export function scrubSecrets(text: string): string {
  if (!/ldapbindpasswd/i.test(text)) return text;
  return text.replace(LDAP_BIND_PASSWORD, '$1[REDACTED]');
}

/** Scrubs every string value of a flat record in place and returns it. */
export function scrubRecord<T extends Record<string, unknown>>(record: T): T {
  for (const [key, value] of Object.entries(record)) {
    if (typeof value === 'string') Object.assign(record, { [key]: scrubSecrets(value) });
  }
  return record;
}
