#!/usr/bin/env node
// Plays the operator's switchover for ha.mjs: started once, as the run user (the managers must still read and
// lock the status file), before any clock runs. For each instance name read from stdin it writes
// status.targetPrimary through the same locked writer and patch as `local-cluster switchover` (status-lock.ts,
// operator-rules.ts switchoverPatch), and prints when it began and finished the write on the monotonic clock
// every process of the machine shares (process.hrtime, CLOCK_MONOTONIC), so ha.mjs starts its clock there.
// Usage: target-writer.mjs STATUS_FILE NAME,NAME,...
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { join } from 'node:path';

const root = new URL('../../../', import.meta.url).pathname;
const { patchStatusFile } = await import(join(root, 'dist/src/source/status-lock.js'));
const { switchoverPatch } = await import(join(root, 'dist/src/local-cluster/operator-rules.js'));
const [statusFile, names] = process.argv.slice(2);
const now = () => Number(process.hrtime.bigint() / 1000n) / 1000; // ms, as lib-node.mjs now()

for await (const target of createInterface({ input: process.stdin })) {
  try {
    const status = JSON.parse(readFileSync(statusFile, 'utf8'));
    const patch = switchoverPatch(names.split(','), status, target, Date.now());
    const t0 = now();
    await patchStatusFile(statusFile, patch);
    console.log(JSON.stringify({ target, t0, t1: now() }));
  } catch (err) {
    console.log(JSON.stringify({ target, error: String(err?.message ?? err) }));
  }
}
