import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseGoDurationSeconds } from '../../../src/spec/go-duration.js';
import { postgresMajorFromImage } from '../../../src/spec/image-version.js';
const durations = [
    ['30s', 30],
    ['1m', 60],
    ['1m30s', 90],
    ['1.5h', 5400],
    ['500ms', 0.5],
    ['0', 0],
    ['0s', 0],
    ['-5s', -5],
    ['', undefined],
    ['30', undefined],
    ['1d', undefined],
    ['s', undefined],
    ['.s', undefined],
    ['1h 30m', undefined],
];
for (const [text, expected] of durations) {
    test(`Go duration ${JSON.stringify(text)} -> ${String(expected)}`, () => {
        const got = parseGoDurationSeconds(text);
        if (expected === undefined)
            assert.equal(got, undefined);
        else
            assert.ok(got !== undefined && Math.abs(got - expected) < 1e-9, `got ${String(got)}`);
    });
}
const images = [
    ['ghcr.io/cloudnative-pg/postgresql:16.4', 16],
    ['ghcr.io/cloudnative-pg/postgresql:18.6-system-trixie', 18],
    ['ghcr.io/cloudnative-pg/postgresql:17', 17],
    ['ghcr.io/cloudnative-pg/postgis:16-3.4', 16],
    ['postgres:9.6.24', 9],
    ['registry:5000/postgresql:15.3@sha256:0123abcd', 15],
    ['registry:5000/postgresql', undefined],
    ['postgresql@sha256:0123abcd', undefined],
    ['postgresql:latest', undefined],
    ['postgresql', undefined],
];
for (const [image, expected] of images) {
    test(`postgresMajorFromImage(${image}) -> ${String(expected)}`, () => {
        assert.equal(postgresMajorFromImage(image), expected);
    });
}
//# sourceMappingURL=value-parsers.test.js.map