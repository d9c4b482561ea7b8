import { test } from 'node:test';
import assert from 'node:assert/strict';
import { classifyAzureError } from '../../../src/wal/azure-store.js';

// Errors shaped as @azure/storage-blob's RestError: statusCode, and Azure's error code in `code`.
function restError(statusCode: number | undefined, code: string, message = `${code}\nRequestId:1\nTime:now`): Error {
  return Object.assign(new Error(message), { name: 'RestError', statusCode, code });
}

test('Azure errors map to barman-cloud-wal-restore kinds, with a message that names the fix', () => {
  const rows: [Error, string, RegExp][] = [
    [restError(404, 'BlobNotFound'), 'not-found', /: not found$/],
    [restError(404, ''), 'not-found', /: not found$/],
    [restError(404, 'ContainerNotFound'), 'other', /the container backups does not exist/],
    [restError(403, 'AuthorizationFailure'), 'other', /access denied by Azure Blob Storage \(AuthorizationFailure\): check the azureCredentials Secret/],
    [restError(403, 'AuthenticationFailed'), 'other', /check the azureCredentials Secret/],
    [restError(undefined, 'ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:1'), 'connectivity', /object store unreachable \(ECONNREFUSED\)/],
    [restError(undefined, 'REQUEST_SEND_ERROR'), 'connectivity', /unreachable \(REQUEST_SEND_ERROR\)/],
    [restError(500, 'InternalError'), 'other', /InternalError \(HTTP 500\): InternalError$/],
  ];
  for (const [err, kind, message] of rows) {
    const mapped = classifyAzureError(err, 'uploading blob k of container backups', 'backups');
    assert.equal(mapped.kind, kind, String((err as { code?: string }).code));
    assert.match(mapped.message, message);
    assert.equal(mapped.cause, err);
    // Azure's multi-line messages are cut to their first line.
    assert.doesNotMatch(mapped.message, /RequestId/);
  }
});
