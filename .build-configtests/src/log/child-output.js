import { describeError } from '../errors.js';
import { DEFAULT_MAX_LINE_BYTES, LineSplitter } from './line-splitter.js';
/**
 * Logs each line of `stream` at info with `logger` (e.g. namedLogger(root, 'initdb')) and the `extra`
 * fields; empty lines are dropped. Resolves when the stream ends or fails; never rejects.
 */
export async function reemitLines(stream, logger, extra = {}, options = {}) {
    const splitter = new LineSplitter(options.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES);
    const emit = (lines) => {
        for (const line of lines) {
            if (line.text === '')
                continue;
            logger.info(line.truncated ? { ...extra, truncated: true } : extra, line.text);
        }
    };
    try {
        for await (const chunk of stream) {
            emit(splitter.push(typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk));
        }
    }
    catch (err) {
        // A child's pipe breaking is not our failure: the child's exit status tells what happened.
        logger.warn({ ...extra, err: describeError(err) }, 'output stream failed');
    }
    emit(splitter.end());
}
//# sourceMappingURL=child-output.js.map