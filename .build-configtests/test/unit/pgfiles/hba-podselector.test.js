import { test } from 'node:test';
import assert from 'node:assert/strict';
import { expandPodSelectors } from '../../../src/pgfiles/hba-podselector.js';
test('podselector lines: one per IP, dropped without IPs, commented when unknown', () => {
    const selectors = new Map([
        ['app-pods', ['10.0.0.1', 'fd00::2']],
        ['monitoring', []],
    ]);
    const out = expandPodSelectors([
        'hostssl mydb myuser ${podselector:app-pods} scram-sha-256',
        'hostssl postgres monitor ${podselector:monitoring} scram-sha-256',
        'host all all ${podselector:nope} md5',
        'host all all ${ipselector:x} md5',
        'host all all 10.244.0.0/16 md5',
    ], selectors);
    assert.deepEqual(out, [
        'hostssl mydb myuser 10.0.0.1/32 scram-sha-256',
        'hostssl mydb myuser fd00::2/128 scram-sha-256',
        '# host all all ${podselector:nope} md5 # pod selector not found: nope',
        '# host all all ${ipselector:x} md5 # unknown descriptor type: ipselector',
        'host all all 10.244.0.0/16 md5',
    ]);
});
//# sourceMappingURL=hba-podselector.test.js.map