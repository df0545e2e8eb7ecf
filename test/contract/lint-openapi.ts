// `npm run lint:openapi`: starts the system, lints the gateway's merged document with Spectral,
// prints every error and the counts; exits 1 on any error. `npm run lint:openapi -- FILE` lints a
// saved document instead (e.g. curl http://localhost:8080/docs/json > openapi.json).
import { readFile } from 'node:fs/promises';
import { countBySeverity, describe, fetchMergedDocument, lintOpenApi } from './openapi.ts';

const file = process.argv[2];
const document = file ? JSON.parse(await readFile(file, 'utf8')) : await fetchMergedDocument();
const results = await lintOpenApi(document);
for (const r of results.filter((x) => x.severity <= 1))
  console.log(`${r.severity === 0 ? 'error  ' : 'warning'} ${describe(r)}`);
const { errors, warnings } = countBySeverity(results);
console.log(`spectral: ${errors} errors, ${warnings} warnings`);
process.exit(errors > 0 ? 1 : 0);
