export function fakeSecretStore() {
    const secrets = new Map();
    let version = 0;
    const store = {
        secrets,
        getSecret(name) {
            return Promise.resolve(secrets.get(name));
        },
        createSecret(name, data) {
            if (secrets.has(name))
                return Promise.reject(new Error(`secrets "${name}" already exists`));
            secrets.set(name, {
                name,
                data: { ...data },
                resourceVersion: String(++version),
                annotations: {},
            });
            return Promise.resolve();
        },
        put(name, data) {
            const bytes = Object.fromEntries(Object.entries(data).map(([k, v]) => [k, Buffer.from(v)]));
            const secret = {
                name,
                data: bytes,
                resourceVersion: String(++version),
                annotations: {},
            };
            secrets.set(name, secret);
            return secret;
        },
    };
    return store;
}
export function captureLog() {
    const lines = [];
    return {
        lines,
        info: (fields, msg) => void lines.push({ level: 'info', fields, msg }),
        warn: (fields, msg) => void lines.push({ level: 'warn', fields, msg }),
    };
}
//# sourceMappingURL=fake-secrets.js.map