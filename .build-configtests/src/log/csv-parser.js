// Streaming RFC 4180 record parser for PostgreSQL's csvlog, fed arbitrary byte chunks.
//
// csvlog quotes text fields with `"`, doubles embedded quotes and keeps raw newlines and commas inside
// quotes (src/backend/utils/error/csvlog.c, appendCSVLiteral), so a record can span many lines and
// many reads. The parser works on bytes: every delimiter is ASCII and UTF-8 continuation bytes never
// look like ASCII, so a multi-byte character split across chunks is simply joined before decoding.
import { utf8Floor } from './line-splitter.js';
export const DEFAULT_MAX_RECORD_BYTES = 1024 * 1024;
/** csvlog has 26 fields; anything far beyond that is garbage, not a record. */
const MAX_FIELDS = 1024;
const QUOTE = 0x22;
const COMMA = 0x2c;
const LF = 0x0a;
const CR = 0x0d;
var State;
(function (State) {
    State[State["FieldStart"] = 0] = "FieldStart";
    State[State["Unquoted"] = 1] = "Unquoted";
    State[State["Quoted"] = 2] = "Quoted";
    State[State["QuoteInQuoted"] = 3] = "QuoteInQuoted";
})(State || (State = {}));
/** Incremental CSV record parser: push chunks, get back the records they complete. */
export class CsvRecordParser {
    max;
    buf = Buffer.alloc(4096);
    len = 0;
    fieldEnds = [];
    state = State.FieldStart;
    /** Set after an overflow: keep tracking quotes but store nothing until the record ends. */
    discarding = false;
    constructor(options = {}) {
        this.max = options.maxRecordBytes ?? DEFAULT_MAX_RECORD_BYTES;
    }
    /** Feeds one chunk; returns every record it completed, in order. */
    push(chunk) {
        const out = [];
        for (const b of chunk) {
            switch (this.state) {
                case State.FieldStart:
                    if (b === QUOTE)
                        this.state = State.Quoted;
                    else if (b === COMMA)
                        this.endField(out);
                    else if (b === LF)
                        this.endRecord(out);
                    else {
                        this.append(b, out);
                        this.state = State.Unquoted;
                    }
                    break;
                case State.Unquoted:
                    if (b === COMMA)
                        this.endField(out);
                    else if (b === LF)
                        this.endRecord(out);
                    else
                        this.append(b, out); // a stray quote in an unquoted field is kept literally (lenient)
                    break;
                case State.Quoted:
                    if (b === QUOTE)
                        this.state = State.QuoteInQuoted;
                    else
                        this.append(b, out);
                    break;
                case State.QuoteInQuoted:
                    if (b === QUOTE) {
                        this.append(QUOTE, out);
                        this.state = State.Quoted;
                    }
                    else if (b === COMMA)
                        this.endField(out);
                    else if (b === LF)
                        this.endRecord(out);
                    else if (b !== CR) {
                        // `"abc"def`: not valid CSV; keep the bytes rather than lose the record.
                        this.append(b, out);
                        this.state = State.Unquoted;
                    }
                    break;
            }
        }
        return out;
    }
    /** Flushes a final record that had no trailing newline (only at the end of a finite input). */
    end() {
        const out = [];
        if (this.len > 0 || this.fieldEnds.length > 0 || this.state !== State.FieldStart)
            this.endRecord(out);
        return out;
    }
    append(b, out) {
        if (this.discarding)
            return;
        if (this.len >= this.max) {
            // Emit what we have, flagged, then skip to the next newline outside quotes.
            out.push({ fields: this.takeFields(true), truncated: true });
            this.discarding = true;
            return;
        }
        if (this.len === this.buf.length) {
            const bigger = Buffer.alloc(Math.min(this.buf.length * 2, this.max));
            this.buf.copy(bigger, 0, 0, this.len);
            this.buf = bigger;
        }
        this.buf[this.len++] = b;
    }
    endField(out) {
        this.state = State.FieldStart;
        if (this.discarding)
            return;
        if (this.fieldEnds.length >= MAX_FIELDS) {
            // A run of commas with no newline would otherwise grow without bound.
            out.push({ fields: this.takeFields(false), truncated: true });
            this.discarding = true;
            return;
        }
        this.fieldEnds.push(this.len);
    }
    endRecord(out) {
        const wasUnquoted = this.state === State.Unquoted;
        this.state = State.FieldStart;
        if (this.discarding) {
            this.discarding = false;
            this.reset();
            return;
        }
        // RFC 4180 lines end in CRLF; drop the CR that ended an unquoted last field.
        if (wasUnquoted && this.len > 0 && this.buf[this.len - 1] === CR)
            this.len--;
        const blank = this.fieldEnds.length === 0 && this.len === 0;
        const fields = this.takeFields(false);
        if (!blank)
            out.push({ fields, truncated: false });
    }
    takeFields(truncatedMidField) {
        const ends = [...this.fieldEnds, this.len];
        let end = this.len;
        if (truncatedMidField)
            end = utf8Floor(this.buf.subarray(0, end));
        const fields = [];
        let start = 0;
        for (const e of ends) {
            const stop = Math.min(e, end);
            fields.push(this.buf.toString('utf8', start, stop));
            start = e;
        }
        this.reset();
        return fields;
    }
    reset() {
        this.len = 0;
        this.fieldEnds = [];
        // Give back a buffer that grew for one huge record.
        if (this.buf.length > 64 * 1024)
            this.buf = Buffer.alloc(4096);
    }
}
/** Parses a complete CSV text (e.g. a pgaudit message) into records, in one go. */
export function parseCsvText(text) {
    const parser = new CsvRecordParser();
    return [...parser.push(Buffer.from(text, 'utf8')), ...parser.end()];
}
//# sourceMappingURL=csv-parser.js.map