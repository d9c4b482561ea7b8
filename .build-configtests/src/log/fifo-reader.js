// Creates a log FIFO and reads it without ever blocking the event loop or libuv's threadpool.
//
// We open the FIFO O_RDWR|O_NONBLOCK (Linux fifo(7): opening read-write always succeeds) so that:
// - open() returns at once even with no writer yet; an O_RDONLY open would block a threadpool thread;
// - we hold a writer ourselves, so a postmaster restart never makes us see EOF and reopen.
// The fd is handed to net.Socket, which wraps it in a libuv pipe handle (uv_pipe_open) and reads it
// with epoll on the main loop, like process.stdin on a pipe. Verified on Node 20 (test/unit/log).
import { constants, promises as fsp, closeSync, openSync } from 'node:fs';
import { Socket } from 'node:net';
import { dirname } from 'node:path';
import { wrap } from '../errors.js';
import { osCalls } from '../native/os-calls.js';
/** Makes sure `path` is a FIFO (mode 0600, parent 0700), replacing any other entry found there. */
export async function ensureFifo(path, logger) {
    // eslint-disable-next-line security/detect-non-literal-fs-filename -- our own log directory from config
    await fsp.mkdir(dirname(path), { recursive: true, mode: 0o700 });
    let st;
    try {
        // eslint-disable-next-line security/detect-non-literal-fs-filename -- our own log FIFO path
        st = await fsp.lstat(path);
    }
    catch (err) {
        if (err.code !== 'ENOENT')
            throw wrap('INTERNAL', `while checking log FIFO ${path}`, err);
    }
    if (st?.isFIFO())
        return;
    if (st) {
        logger?.warn({ path }, 'Log FIFO path held by a non-FIFO entry, removing it');
        await fsp.rm(path, { recursive: true, force: true });
    }
    try {
        osCalls().mkfifo(path, 0o600);
    }
    catch (err) {
        // Another reader of the same dir may have won the race; that is fine if it made a FIFO.
        // eslint-disable-next-line security/detect-non-literal-fs-filename -- our own log FIFO path
        const again = await fsp.lstat(path).catch(() => undefined);
        if (!again?.isFIFO())
            throw wrap('INTERNAL', `while creating log FIFO ${path}`, err);
    }
}
/** Creates (if needed) and opens a FIFO for reading; the stream never ends on its own. */
export async function openFifoStream(path, options = {}) {
    const { logger, signal } = options;
    signal?.throwIfAborted();
    await ensureFifo(path, logger);
    signal?.throwIfAborted();
    let fd;
    try {
        // Synchronous on purpose: with O_NONBLOCK this open cannot block. libuv adds O_CLOEXEC itself,
        // so postgres and other children never inherit the fd.
        // eslint-disable-next-line security/detect-non-literal-fs-filename -- our own log FIFO path
        fd = openSync(path, constants.O_RDWR | constants.O_NONBLOCK);
    }
    catch (err) {
        throw wrap('INTERNAL', `while opening log FIFO ${path}`, err);
    }
    let socket;
    try {
        socket = new Socket({ fd, readable: true, writable: false });
    }
    catch (err) {
        closeSync(fd);
        throw wrap('INTERNAL', `while attaching log FIFO ${path}`, err);
    }
    if (signal) {
        const onAbort = () => {
            socket.destroy();
        };
        signal.addEventListener('abort', onAbort, { once: true });
        socket.once('close', () => signal.removeEventListener('abort', onAbort));
    }
    return socket;
}
//# sourceMappingURL=fifo-reader.js.map