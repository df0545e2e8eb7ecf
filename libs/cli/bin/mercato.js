#!/usr/bin/env node
// `npx mercato` from the repository: runs the TypeScript entry through tsx (as every service does).
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/main.ts');
process.exitCode = await main(process.argv);
