// The report: sections, one line per check (ok / FAIL / note), and the closing count. Every check
// goes through pass, fail or expectNone, which keep the count.
let checks = 0;
const failures: string[] = [];
let section = '';

export function begin(name: string): void {
  section = name;
  console.log(`\n== ${name}`);
}
export function pass(what: string): void {
  checks++;
  console.log(`  ok   ${what}`);
}
export function fail(what: string, detail?: string): void {
  checks++;
  failures.push(`[${section}] ${what}`);
  console.log(`  FAIL ${what}`);
  if (detail) console.log(detail.replace(/^/gm, '       '));
}
/** One check made of many small assertions: passes when `problems` is empty. */
export function expectNone(what: string, problems: string[]): void {
  if (problems.length === 0) pass(what);
  else fail(what, problems.join('\n'));
}
export function note(what: string): void {
  console.log(`  note ${what}`);
}

/** Prints the count and every failure; exit code 1 when any check failed. */
export function summarize(): void {
  console.log(
    `\ncheck-deploy: ${checks - failures.length} of ${checks} checks passed, ${failures.length} failed`,
  );
  if (failures.length) {
    for (const f of failures) console.log(`  FAILED ${f}`);
    process.exitCode = 1;
  }
}
