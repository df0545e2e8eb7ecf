// Where a benchmark's services export their traces: a child process (its CPU is not the services')
// that takes OTLP/HTTP exports, counts their spans without parsing them and discards them. So an
// export costs a service what it costs against a real collector: the batching, the encoding, the POST.
import { type ChildProcess, spawn } from 'node:child_process';

const SINK_SOURCE = `
const http = require('node:http');
const needle = Buffer.from('"spanId"');
let spans = 0, requests = 0, bytes = 0;
http.createServer((req, res) => {
  if (req.method === 'GET') { res.end(JSON.stringify({ spans, requests, bytes })); return; }
  requests++;
  let tail = Buffer.alloc(0);
  req.on('data', (chunk) => {
    bytes += chunk.length;
    const buf = tail.length ? Buffer.concat([tail, chunk]) : chunk;
    for (let i = buf.indexOf(needle); i !== -1; i = buf.indexOf(needle, i + needle.length)) spans++;
    tail = buf.subarray(Math.max(0, buf.length - needle.length + 1));
  });
  req.on('end', () => { res.writeHead(200, { 'content-type': 'application/json' }); res.end('{}'); });
}).listen(0, '127.0.0.1', function () { process.stdout.write(this.address().port + '\\n'); });
`;

export interface SinkStats {
  spans: number;
  requests: number;
  bytes: number;
}

export interface SpanSink {
  /** The OTLP/HTTP endpoint to give as OTEL_EXPORTER_OTLP_ENDPOINT. */
  url: string;
  /** The sink's process (in a process group of its own): the caller stops it. */
  child: ChildProcess;
  stats(): Promise<SinkStats>;
}

export async function startSpanSink(): Promise<SpanSink> {
  const child = spawn(process.execPath, ['-e', SINK_SOURCE], {
    stdio: ['ignore', 'pipe', 'inherit'],
    detached: true,
  });
  const port = await new Promise<string>((resolve, reject) => {
    child.stdout!.once('data', (d: Buffer) => resolve(d.toString().trim()));
    child.once('exit', () => reject(new Error('the span sink exited')));
  });
  const url = `http://127.0.0.1:${port}`;
  return {
    url,
    child,
    stats: async () => (await fetch(url)).json() as Promise<SinkStats>,
  };
}

/**
 * The environment that makes a service export to `sinkUrl`: `export` with the sampler the chart and
 * compose.yaml leave to the default (none set: parent-based always-on when exporting), `export-<N>`
 * with parentbased_traceidratio N % (export-100: parentbased_always_on). Undefined for any other name.
 */
export function exportEnv(config: string, sinkUrl: string): Record<string, string> | undefined {
  if (config === 'export') return { OTEL_EXPORTER_OTLP_ENDPOINT: sinkUrl };
  const percent = /^export-(\d+(?:\.\d+)?)$/.exec(config)?.[1];
  if (percent === undefined) return undefined;
  return {
    OTEL_EXPORTER_OTLP_ENDPOINT: sinkUrl,
    ...(Number(percent) >= 100
      ? { OTEL_TRACES_SAMPLER: 'parentbased_always_on' }
      : {
          OTEL_TRACES_SAMPLER: 'parentbased_traceidratio',
          OTEL_TRACES_SAMPLER_ARG: String(Number(percent) / 100),
        }),
  };
}
