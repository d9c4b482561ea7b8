import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ManagerError } from '../../../src/errors.js';
import { parseArgv, usageText, FLAG_SPEC } from '../../../src/config/flags.js';
function usageError(argv) {
    try {
        parseArgv(argv);
    }
    catch (err) {
        assert.ok(err instanceof ManagerError, `expected a ManagerError, got ${String(err)}`);
        assert.equal(err.code, 'USAGE');
        return err;
    }
    assert.fail(`parseArgv(${JSON.stringify(argv)}) did not throw`);
}
test('an unknown flag is a USAGE error naming it', () => {
    const err = usageError(['instance', 'run', '--bogus']);
    assert.match(err.message, /--bogus/);
    // node:util's advice about positionals is noise for a CLI user
    assert.doesNotMatch(err.message, /positional/);
    assert.equal(err.message.includes('\n'), false);
});
test('an unknown flag is reported even with a value and other valid flags', () => {
    const err = usageError(['instance', 'run', '--pg-data', '/x', '--frobnicate=3']);
    assert.match(err.message, /--frobnicate/);
});
test('a string flag without its value is a USAGE error naming the flag', () => {
    for (const flag of ['--pg-data', '--port', '--cluster-manifest', '--log-level']) {
        const err = usageError(['instance', 'run', flag]);
        assert.ok(err.message.includes(flag), `${flag}: ${err.message}`);
        assert.match(err.message, /missing/);
    }
});
test('a string flag followed by another flag does not swallow it as its value', () => {
    const err = usageError(['instance', 'run', '--pg-data', '--port', '5432']);
    assert.match(err.message, /--pg-data/);
});
test('a boolean flag given a value is refused, naming it', () => {
    const err = usageError(['instance', 'run', '--status-port-tls=yes']);
    assert.match(err.message, /--status-port-tls/);
});
test('an unknown command is a USAGE error listing the commands', () => {
    const err = usageError(['instance', 'explode']);
    assert.match(err.message, /instance explode/);
    assert.match(err.message, /instance run/);
});
test('known commands and flags parse, in either order', () => {
    const a = parseArgv(['instance', 'run', '--pg-data', '/data', '--status-port-tls', '--port=5433']);
    assert.equal(a.command, 'instance run');
    assert.equal(a.flags['pg-data'], '/data');
    assert.equal(a.flags['status-port-tls'], true);
    assert.equal(a.flags.port, '5433');
    const b = parseArgv(['--pod-name', 'p-1', 'instance', 'status']);
    assert.equal(b.command, 'instance status');
    assert.equal(b.flags['pod-name'], 'p-1');
    assert.equal(parseArgv(['instance', 'init']).command, 'instance init');
});
test('no command, help and -h mean help', () => {
    assert.equal(parseArgv([]).command, 'help');
    assert.equal(parseArgv(['help']).command, 'help');
    assert.equal(parseArgv(['instance', 'run', '-h']).command, 'help');
    assert.equal(parseArgv(['--help']).command, 'help');
});
test('the usage text mentions every flag', () => {
    const text = usageText();
    for (const flag of Object.keys(FLAG_SPEC)) {
        if (flag === 'help')
            continue;
        assert.ok(text.includes(`--${flag}`), `usage text lacks --${flag}`);
    }
});
//# sourceMappingURL=flags.test.js.map