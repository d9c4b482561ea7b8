// Reads a file that stands in for a Kubernetes object, refusing what the API server would never hand over: a
// file over its limit (checked before it is read whole), something that is not a regular file (a FIFO would
// block the read forever, a device never ends), and, for text, bytes that are not UTF-8.
import { constants, type Stats } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { formatBytes } from '../config/limits.js';

/**
 * Why a file was refused: `reason` continues a sentence about the file ("is a FIFO, not a regular file"), so a
 * caller can say what the file is ("the Cluster manifest ..."); the message is the path and the reason.
 * `code` is the errno when reading itself failed.
 */
export class FileReadError extends Error {
  readonly path: string;
  readonly reason: string;
  readonly code: string | undefined;

  constructor(path: string, reason: string, options: { cause?: unknown; code?: string } = {}) {
    super(`${path} ${reason}`, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'FileReadError';
    this.path = path;
    this.reason = reason;
    this.code = options.code;
  }
}

function kindOf(info: Stats): string {
  if (info.isFIFO()) return 'a FIFO';
  if (info.isDirectory()) return 'a directory';
  if (info.isCharacterDevice()) return 'a character device';
  if (info.isBlockDevice()) return 'a block device';
  if (info.isSocket()) return 'a socket';
  return 'of an unknown type';
}

/** "1.5 MiB (1572864 bytes)", or "900 bytes". */
function sizeOf(bytes: number): string {
  const short = formatBytes(bytes);
  return short === `${bytes} bytes` ? short : `${short} (${bytes} bytes)`;
}

function checkRegular(path: string, info: Stats, limit: number): void {
  if (!info.isFile()) throw new FileReadError(path, `is ${kindOf(info)}, not a regular file`);
  if (info.size > limit) {
    throw new FileReadError(path, `is ${sizeOf(info.size)}, over the limit of ${sizeOf(limit)}`);
  }
}

/**
 * The bytes of a regular file of at most `limit` bytes. stat() first, so a FIFO or a device is never opened;
 * then an O_NONBLOCK open (a FIFO swapped in meanwhile cannot block it) and fstat() of what was opened; then
 * at most limit + 1 bytes, so a file that grew after the fstat is refused rather than read to its end.
 */
export async function readBounded(path: string, limit: number): Promise<Buffer> {
  try {
    // eslint-disable-next-line security/detect-non-literal-fs-filename -- a file the caller was configured with
    checkRegular(path, await stat(path), limit);
    // eslint-disable-next-line security/detect-non-literal-fs-filename -- same file
    const handle = await open(path, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY);
    try {
      const info = await handle.stat();
      checkRegular(path, info, limit);
      // Room for the size seen plus one byte, growing (up to limit + 1) only if the file grows while read.
      let buffer = Buffer.allocUnsafe(Math.min(info.size, limit) + 1);
      let length = 0;
      for (;;) {
        if (length === buffer.length) {
          if (length > limit) throw new FileReadError(path, `grew past the limit of ${sizeOf(limit)} while it was read`);
          const larger = Buffer.allocUnsafe(Math.min(buffer.length * 2, limit + 1));
          buffer.copy(larger, 0, 0, length);
          buffer = larger;
        }
        const { bytesRead } = await handle.read(buffer, length, buffer.length - length, null);
        if (bytesRead === 0) break;
        length += bytesRead;
      }
      return buffer.subarray(0, length);
    } finally {
      await handle.close();
    }
  } catch (err) {
    if (err instanceof FileReadError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    throw new FileReadError(path, `cannot be read (${err instanceof Error ? err.message : String(err)})`, { cause: err, code });
  }
}

const STRICT_UTF8 = new TextDecoder('utf-8', { fatal: true });

/** The text of UTF-8 bytes (a leading byte-order mark dropped); anything else is refused naming the byte offset. */
export function decodeUtf8(bytes: Uint8Array, path: string): string {
  try {
    return STRICT_UTF8.decode(bytes);
  } catch (err) {
    const offset = firstInvalidUtf8(bytes);
    const byte = bytes.at(offset) ?? 0;
    const hint =
      (bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff)
        ? ': it starts with a UTF-16 byte-order mark; save it as UTF-8'
        : ' (Latin-1 or another legacy encoding? save it as UTF-8)';
    const hex = byte.toString(16).toUpperCase().padStart(2, '0');
    throw new FileReadError(path, `is not UTF-8: invalid byte 0x${hex} at byte offset ${offset}${hint}`, { cause: err });
  }
}

/** Offset of the first byte that does not start a well-formed UTF-8 sequence (RFC 3629, section 4); the length if none. */
export function firstInvalidUtf8(bytes: Uint8Array): number {
  let i = 0;
  while (i < bytes.length) {
    const lead = bytes.at(i) ?? 0;
    let need: number;
    let min = 0x80;
    let max = 0xbf;
    if (lead < 0x80) need = 0;
    else if (lead >= 0xc2 && lead <= 0xdf) need = 1;
    else if (lead >= 0xe0 && lead <= 0xef) {
      need = 2;
      if (lead === 0xe0) min = 0xa0; // no overlong forms
      if (lead === 0xed) max = 0x9f; // no UTF-16 surrogates
    } else if (lead >= 0xf0 && lead <= 0xf4) {
      need = 3;
      if (lead === 0xf0) min = 0x90;
      if (lead === 0xf4) max = 0x8f; // nothing above U+10FFFF
    } else return i;
    for (let k = 1; k <= need; k++) {
      const next = bytes.at(i + k);
      const lo = k === 1 ? min : 0x80;
      const hi = k === 1 ? max : 0xbf;
      if (next === undefined || next < lo || next > hi) return i;
    }
    i += need + 1;
  }
  return bytes.length;
}
