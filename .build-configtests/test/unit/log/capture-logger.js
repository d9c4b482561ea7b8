// Test helper: a root logger whose JSON lines land in memory, with a wait for a condition on them.
import { EventEmitter } from 'node:events';
import { createRootLogger } from '../../../src/log/logger.js';
export function captureLogger(level = 'debug') {
    const lines = [];
    const events = new EventEmitter();
    const destination = {
        write(s) {
            for (const l of s.split('\n'))
                if (l !== '')
                    lines.push(l);
            events.emit('line');
        },
    };
    const root = createRootLogger({ level, destination });
    const entries = () => lines.map((l) => JSON.parse(l));
    const waitFor = (pred, timeoutMs = 10_000) => new Promise((resolve, reject) => {
        const check = () => {
            if (!pred(entries()))
                return;
            clearTimeout(timer);
            events.off('line', check);
            resolve();
        };
        const timer = setTimeout(() => {
            events.off('line', check);
            reject(new Error(`timed out; got ${lines.length} lines:\n${lines.join('\n')}`));
        }, timeoutMs);
        events.on('line', check);
        check();
    });
    return { root, lines, entries, waitFor };
}
//# sourceMappingURL=capture-logger.js.map