// Client-side SCRAM-SHA-256 verifiers, so a cleartext password never travels to the server or into its logs.
// Format and defaults from PostgreSQL src/common/scram-common.c (scram_build_secret): 4096 iterations, 16-byte salt.
import { createHash, createHmac, pbkdf2Sync, randomBytes } from 'node:crypto';
const ITERATIONS = 4096;
/** True when the value already is a SCRAM-SHA-256 or md5 hash that PostgreSQL stores verbatim. */
export function isPasswordHash(value) {
    return /^SCRAM-SHA-256\$\d+:[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+:[A-Za-z0-9+/=]+$/.test(value) || /^md5[0-9a-f]{32}$/.test(value);
}
/** Builds `SCRAM-SHA-256$<iter>:<salt>$<StoredKey>:<ServerKey>` for a password (SASLprep skipped for ASCII). */
export function scramSha256Verifier(password, salt = randomBytes(16)) {
    const salted = pbkdf2Sync(password.normalize('NFKC'), salt, ITERATIONS, 32, 'sha256');
    const clientKey = createHmac('sha256', salted).update('Client Key').digest();
    const storedKey = createHash('sha256').update(clientKey).digest();
    const serverKey = createHmac('sha256', salted).update('Server Key').digest();
    return `SCRAM-SHA-256$${ITERATIONS}:${salt.toString('base64')}$${storedKey.toString('base64')}:${serverKey.toString('base64')}`;
}
//# sourceMappingURL=scram.js.map