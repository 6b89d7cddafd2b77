#!/usr/bin/env node
// The `chainlab` command: kernelspec installer and kernel entry point (see src/jupyter/cli.ts).
"use strict";
let cli;
try {
  cli = require("../lib/jupyter/cli");
} catch (e) {
  console.error("chainlab: the library is not built (kernel/lib is missing); run `npm run build` first.\n" + e.message);
  process.exit(1);
}
const code = cli.main(process.argv.slice(2));
// -1: the kernel is running and keeps the process alive.
if (code >= 0) process.exitCode = code;
