#!/usr/bin/env node
// Entry of archive_command / restore_command (`node wal-main.js wal-archive ... %p`), bundled as one file of
// its own (scripts/bundle.mjs): PostgreSQL starts it once per WAL segment, so it loads one small module and
// node:http, nothing of the manager (main.js serves the same subcommands, through more modules).
import { walCommand } from './wal/wal-command.js';

process.exit(await walCommand(process.argv.slice(2)));
