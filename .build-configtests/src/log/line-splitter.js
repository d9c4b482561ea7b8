// Splits a byte stream into text lines with a bounded buffer (CNPG's line pipes cap lines at 1 MiB).
// Works on bytes and decodes whole lines only, so a UTF-8 character split across chunks stays intact.
export const DEFAULT_MAX_LINE_BYTES = 1024 * 1024;
const LF = 0x0a;
const CR = 0x0d;
/** Incremental line splitter: push chunks, get back the lines they complete. */
export class LineSplitter {
    max;
    parts = [];
    size = 0;
    /** After a truncated line: drop bytes until the next newline. */
    skipping = false;
    constructor(maxLineBytes = DEFAULT_MAX_LINE_BYTES) {
        this.max = maxLineBytes;
    }
    /** Feeds one chunk; returns the lines it completed, without their line terminators. */
    push(chunk) {
        const out = [];
        let start = 0;
        while (start < chunk.length) {
            const nl = chunk.indexOf(LF, start);
            const stop = nl === -1 ? chunk.length : nl;
            if (this.skipping) {
                if (nl !== -1)
                    this.skipping = false;
            }
            else {
                this.add(chunk.subarray(start, stop), out);
                if (nl !== -1 && !this.skipping)
                    out.push({ text: this.take(), truncated: false });
                else if (nl !== -1)
                    this.skipping = false;
            }
            if (nl === -1)
                break;
            start = nl + 1;
        }
        return out;
    }
    /** The last line when the input ended without a newline. */
    end() {
        if (this.skipping || this.size === 0) {
            this.skipping = false;
            this.parts = [];
            this.size = 0;
            return [];
        }
        return [{ text: this.take(), truncated: false }];
    }
    add(piece, out) {
        if (this.size + piece.length <= this.max) {
            if (piece.length > 0)
                this.parts.push(piece);
            this.size += piece.length;
            return;
        }
        const room = this.max - this.size;
        this.parts.push(piece.subarray(0, room));
        this.size += room;
        const all = Buffer.concat(this.parts);
        this.parts = [];
        this.size = 0;
        out.push({ text: all.toString('utf8', 0, utf8Floor(all)), truncated: true });
        this.skipping = true;
    }
    take() {
        let all = Buffer.concat(this.parts);
        this.parts = [];
        this.size = 0;
        if (all.length > 0 && all[all.length - 1] === CR)
            all = all.subarray(0, all.length - 1);
        return all.toString('utf8');
    }
}
/** Length of `buf` cut back so that it does not end inside a UTF-8 sequence. */
export function utf8Floor(buf) {
    const end = buf.length;
    let i = end;
    while (i > 0 && end - i < 3 && ((buf[i - 1] ?? 0) & 0xc0) === 0x80)
        i--;
    if (i === 0)
        return end;
    const lead = buf[i - 1] ?? 0;
    const need = lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : lead >= 0xc0 ? 2 : 1;
    return end - (i - 1) >= need ? end : i - 1;
}
//# sourceMappingURL=line-splitter.js.map