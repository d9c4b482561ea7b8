// Makes initdb's postgresql.conf include custom.conf and override.conf, as CNPG's configfile.EnsureIncludes
// does. Pure: the caller reads the file, calls this and writes the result back only when `changed`.
/** The files postgresql.conf must include, in CNPG's order: override.conf comes last so it wins. */
export const INCLUDED_FILES = Object.freeze(['custom.conf', 'override.conf']);
// One postgresql.conf line, reduced to what the lexer sees: everything after an unquoted '#' is a comment
// (guc-file.l), surrounding blanks do not matter.
function stripComment(line) {
    let inQuote = false;
    for (let i = 0; i < line.length; i++) {
        const ch = line.charAt(i);
        if (ch === "'")
            inQuote = !inQuote;
        else if (ch === '\\' && inQuote)
            i++;
        else if (ch === '#' && !inQuote)
            return line.slice(0, i).trim();
    }
    return line.trim();
}
// `include 'file'`, `include = 'file'` and the unquoted `include file` are the same directive to PostgreSQL
// (https://www.postgresql.org/docs/current/config-setting.html#CONFIG-INCLUDES). Only the exact relative
// name counts: an include of another path does not load our file from PGDATA.
function includedFile(line) {
    const directive = stripComment(line);
    const keyword = /^include(?=[\s='])/i.exec(directive);
    if (keyword === null)
        return undefined;
    let rest = directive.slice(keyword[0].length).trim();
    if (rest.startsWith('='))
        rest = rest.slice(1).trim();
    const quoted = /^'([^']*)'$/.exec(rest);
    if (quoted !== null)
        return quoted[1];
    return /^[^\s'#=]+$/.test(rest) ? rest : undefined;
}
/**
 * Appends `\n# load CloudNativePG <file> configuration\ninclude '<file>'\n` for each of custom.conf and
 * override.conf that the text does not already include; a commented-out include does not count.
 */
export function ensureIncludes(existingText) {
    const present = new Set();
    for (const line of existingText.split(/\r?\n/)) {
        const file = includedFile(line);
        if (file !== undefined)
            present.add(file);
    }
    const missing = INCLUDED_FILES.filter((file) => !present.has(file));
    if (missing.length === 0)
        return { text: existingText, changed: false };
    let text = existingText;
    if (text !== '' && !text.endsWith('\n'))
        text += '\n';
    for (const file of missing) {
        text += `\n# load CloudNativePG ${file} configuration\ninclude '${file}'\n`;
    }
    return { text, changed: true };
}
//# sourceMappingURL=postgresql-conf.js.map