// Go's time.ParseDuration grammar, which metav1.Duration fields such as monitoring.metricsQueriesTTL use
// (https://pkg.go.dev/time#ParseDuration): "30s", "1m30s", "1.5h", "500ms", or a bare "0".
const UNIT_SECONDS = new Map([
    ['ns', 1e-9],
    ['us', 1e-6],
    ['\u00b5s', 1e-6],
    ['\u03bcs', 1e-6],
    ['ms', 1e-3],
    ['s', 1],
    ['m', 60],
    ['h', 3600],
]);
const SIGN = /^[-+]/;
const TERM = /^([\d.]+)([^\d.]+)/;
/** Parses a Go duration string into seconds; undefined when it is not one. */
export function parseGoDurationSeconds(text) {
    const negative = text.startsWith('-');
    let rest = text.replace(SIGN, '');
    if (rest === '0')
        return 0;
    if (rest === '')
        return undefined;
    let total = 0;
    while (rest !== '') {
        const match = TERM.exec(rest);
        const number = match?.[1];
        const unit = match?.[2];
        if (match === null || number === undefined || unit === undefined || !isDecimal(number))
            return undefined;
        // Go stops the unit at the next digit or dot, so "1h30m" is two terms and "1x" an unknown unit.
        const factor = UNIT_SECONDS.get(unit);
        if (factor === undefined)
            return undefined;
        total += Number(number) * factor;
        rest = rest.slice(match[0].length);
    }
    return negative ? -total : total;
}
// Go accepts "1", "1.5", "1." and ".5" before a unit, but not "." or two dots.
function isDecimal(text) {
    return text !== '.' && text.indexOf('.') === text.lastIndexOf('.');
}
//# sourceMappingURL=go-duration.js.map