// Turns MJML documents into HTML in a worker thread (src/domain/mjml.ts starts it: at build time, and at start only for a body the build did not compile): mjml is
// big (17 MB of heap, ~75 MB of RSS, 0.5 s to load) and needed only for that, so it lives in this
// thread and is gone with it. Plain JavaScript beside the sources: it runs as it is from the sources
// and from the image (scripts/build counts its imports among the service's run-time packages).
// workerData: { documents: [{ name, mjml }] } → posts [{ name, html, errors: string[] } | { name, error }].
import { parentPort, workerData } from 'node:worker_threads';
import mjml2html from 'mjml';

const results = [];
for (const { name, mjml } of workerData.documents) {
  try {
    const result = await mjml2html(mjml, { validationLevel: 'strict' });
    results.push({ name, html: result.html, errors: result.errors.map((e) => e.formattedMessage) });
  } catch (err) {
    results.push({ name, error: err instanceof Error ? err.message : String(err) });
  }
}
parentPort.postMessage(results);
