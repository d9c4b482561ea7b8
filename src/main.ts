#!/usr/bin/env node
// Entry point of the ESM bundle (`node dist/bundle/main.js`: `npm start`, and the image's launcher): turn on
// V8's compile cache in a private folder (Node >= 22.1; a no-op before), then load the CLI. Everything the CLI
// imports is compiled from the cache on the next start: on Node 24 loading the CLI takes ~40 ms less, and a
// restart spawns postgres ~20 ms sooner.
import { enableCompileCache } from './config/compile-cache.js';

enableCompileCache(process.env);
// archive_command / restore_command: run once per WAL file, so they skip the CLI (and all it loads).
const command = process.argv[2];
if (command === 'wal-archive' || command === 'wal-restore') {
  const { walCommand } = await import('./wal/wal-command.js');
  process.exit(await walCommand(process.argv.slice(2)));
}
const { main } = await import('./cli.js');
// Exit explicitly: the pino destination is synchronous, so the last line is already written.
process.exit(await main(process.argv.slice(2)));
