import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CsvRecordParser, parseCsvText } from '../../../src/log/csv-parser.js';
import { fixture } from './fixtures.js';
function parseChunks(data, sizes, options = {}) {
    const p = new CsvRecordParser(options);
    const out = [];
    for (let i = 0; i < data.length;) {
        const n = Math.max(1, sizes());
        out.push(...p.push(data.subarray(i, i + n)));
        i += n;
    }
    return [...out, ...p.end()];
}
// Deterministic PRNG (mulberry32) so a failure can be reproduced.
function rng(seed) {
    let a = seed;
    return () => {
        a = (a + 0x6d2b79f5) | 0;
        let t = Math.imul(a ^ (a >>> 15), 1 | a);
        t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
        return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
}
const CASES = [
    { file: 'pg15-real.csv', records: 13, fields: 26 },
    { file: 'pg13-24fields.csv', records: 5, fields: 24 },
    { file: 'pg14-26fields.csv', records: 6, fields: 26 },
];
for (const c of CASES) {
    test(`${c.file}: whole, byte-by-byte and random chunks give the same records`, () => {
        const data = fixture(c.file);
        const whole = parseChunks(data, () => data.length);
        assert.equal(whole.length, c.records);
        for (const r of whole) {
            assert.equal(r.fields.length, c.fields);
            assert.equal(r.truncated, false);
        }
        assert.deepEqual(parseChunks(data, () => 1), whole);
        for (let seed = 1; seed <= 20; seed++) {
            const next = rng(seed);
            assert.deepEqual(parseChunks(data, () => Math.floor(next() * 64)), whole, `seed ${seed}`);
        }
    });
}
test('quoted fields keep newlines, commas, doubled quotes and multi-byte characters', () => {
    const data = fixture('pg14-26fields.csv');
    const records = parseChunks(data, () => 1);
    assert.equal(records[5]?.fields[19], 'selecct 1\nwith newlines\n, "quoted", é;');
    assert.equal(records[2]?.fields[13], 'password authentication failed for user "app"');
    const debug = parseChunks(fixture('pg13-24fields.csv'), () => 1)[4];
    assert.equal(debug?.fields[13], 'debug message é ü 漢字 🐘');
});
test('CRLF line ends, blank lines, and a final record without newline', () => {
    const recs = parseCsvText('a,"b\r\nc"\r\n\r\n\n"x""y",,z');
    assert.deepEqual(recs.map((r) => r.fields), [
        ['a', 'b\r\nc'],
        ['x"y', '', 'z'],
    ]);
});
test('an oversized record is emitted truncated and flagged, and the next record is intact', () => {
    const big = 'é'.repeat(100); // 200 bytes, so the cut can land inside a character
    const text = `1,"${big}\n,with ""quotes"", and newline"\n2,next\n`;
    const records = parseChunks(Buffer.from(text), () => 7, { maxRecordBytes: 52 });
    assert.equal(records.length, 2);
    assert.equal(records[0]?.truncated, true);
    assert.equal(records[0]?.fields[0], '1');
    assert.equal(records[0]?.fields[1], 'é'.repeat(25)); // 52 bytes would end in half an é
    assert.deepEqual(records[1], { fields: ['2', 'next'], truncated: false });
});
test('a run of commas without newline does not grow forever', () => {
    const p = new CsvRecordParser();
    const out = p.push(Buffer.from(','.repeat(5000) + '\nok\n'));
    assert.equal(out[0]?.truncated, true);
    assert.deepEqual(out[1], { fields: ['ok'], truncated: false });
});
//# sourceMappingURL=csv-parser.test.js.map