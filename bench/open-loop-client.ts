// Open-loop load: requests start at a steady rate whether or not earlier ones have answered (as real
// clients do), at most `connections` in flight. autocannon's -R sends each second's quota in a burst,
// which measures queueing behind the burst rather than latency at that rate.
//   node --import tsx bench/open-loop-client.ts <url> <rate> <seconds> <connections> <headers JSON> <body>
import { Agent, request } from 'node:http';

const [url, rateArg, secondsArg, connectionsArg, headersJson, body] = process.argv.slice(2);
const rate = Number(rateArg);
const seconds = Number(secondsArg);
const agent = new Agent({ keepAlive: true, maxSockets: Number(connectionsArg) });
const headers = { ...JSON.parse(headersJson!), 'content-length': Buffer.byteLength(body!) };
const latencies: number[] = [];
let non2xx = 0;
let errors = 0;

const send = () =>
  new Promise<void>((resolve) => {
    const started = performance.now();
    const req = request(url!, { method: 'POST', agent, headers }, (res) => {
      res.resume();
      res.on('end', () => {
        // Time from the scheduled start, so waiting for a free connection counts too.
        latencies.push(performance.now() - started);
        if (res.statusCode! < 200 || res.statusCode! >= 300) non2xx++;
        resolve();
      });
    });
    req.on('error', () => {
      errors++;
      resolve();
    });
    req.end(body);
  });

const total = Math.round(rate * seconds);
const inflight: Promise<void>[] = [];
const start = performance.now();
for (let i = 0; i < total; i++) {
  const due = start + (i * 1000) / rate;
  const wait = due - performance.now();
  if (wait > 0) await new Promise((r) => setTimeout(r, wait));
  inflight.push(send());
}
await Promise.all(inflight);
const elapsed = (performance.now() - start) / 1000;
latencies.sort((a, b) => a - b);
const pct = (p: number) =>
  Number(latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))]!.toFixed(1));
agent.destroy();
console.log(
  JSON.stringify({
    requests: { average: Number((latencies.length / elapsed).toFixed(1)) },
    '2xx': latencies.length - non2xx,
    non2xx,
    errors,
    latency: { p50: pct(50), p90: pct(90), p99: pct(99), max: pct(100) },
  }),
);
