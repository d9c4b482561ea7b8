// The postgresql.conf grammar for one `name = 'value'` line: which names are legal and how a value is quoted.
// Grammar: src/backend/utils/misc/guc-file.l (PostgreSQL 15). A quoted STRING there is
//   \'([^'\\\n]|\\.|\'\')*\'
// so inside quotes a raw newline is illegal, `''` is a quote, and a backslash escapes the next character.
// GUC_scanstr() in the same file then turns \b \f \n \r \t into the control characters and drops the
// backslash before anything else, which is why `\\` reads back as one backslash.
import { ManagerError } from '../errors.js';
import { isValidParameterName } from '../spec/parameters.js';
const ESCAPES = new Map([
    ['\\', '\\\\'],
    ["'", "''"],
    ['\n', '\\n'],
    ['\r', '\\r'],
    ['\t', '\\t'],
    ['\b', '\\b'],
    ['\f', '\\f'],
]);
/** Quotes a value for postgresql.conf: \ -> \\, ' -> '', newline/CR/tab/backspace/formfeed -> \n \r \t \b \f. */
export function escapePostgresConfLiteral(value) {
    if (value.includes('\0')) {
        // A NUL ends the C string GUC_scanstr builds, so the setting would be silently truncated.
        throw new ManagerError('CONFIG_WRITE', 'a configuration value contains a NUL character');
    }
    return `'${value.replace(/[\\'\n\r\t\b\f]/g, (ch) => ESCAPES.get(ch) ?? ch)}'`;
}
/**
 * Normalises a parameter name: GUC names are case-insensitive (guc.c guc_name_compare), so we lower-case
 * them to make `PORT` hit the same fixed-parameter check and the same sorted line as `port`.
 */
export function normaliseParameterName(name) {
    if (!isValidParameterName(name)) {
        throw new ManagerError('INVALID_MANIFEST', `invalid PostgreSQL parameter name: ${JSON.stringify(name)}`);
    }
    return name.toLowerCase();
}
/** Renders one `name = 'value'` line, newline-terminated. */
export function renderConfLine(name, value) {
    return `${name} = ${escapePostgresConfLiteral(value)}\n`;
}
//# sourceMappingURL=conf-literal.js.map