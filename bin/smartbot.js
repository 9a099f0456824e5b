#!/usr/bin/env node
// Entry point for `npx smartbot`. The toolchain is TypeScript compiled to dist/ by `npm ci`
// (the prepare script) or `npm run build`.
import { existsSync } from 'node:fs';

const entry = new URL('../dist/cli/main.js', import.meta.url);
if (!existsSync(entry)) {
  process.stderr.write('smartbot: the toolchain is not built yet; run `npm ci` or `npm run build` first\n');
  process.exit(2);
}
const { main } = await import(entry.href);
const { runMain } = await import(new URL('../dist/contract/run-main.js', import.meta.url).href);
runMain('smartbot', (argv) => main(argv));
