// bench:gateway's floor (BENCH_FLOOR=1): the least a reverse proxy written in Node can cost, to set the
// gateway's ratio against. Node's own HTTP server and client (keep-alive, as many upstream sockets as
// the gateway's pool), the path's first segment choosing the upstream, bodies piped, hop-by-hop
// headers dropped. Nothing else: no routing table, no limiter, no logs, no metrics, no tracing, no
// security headers, no error answers beyond a bare 502. Not a gateway: a measuring stick.
//   node bench/lib/floor-proxy.mjs <port> <prefix>=<url> [<prefix>=<url> …]
//   e.g. 8090 auth=http://127.0.0.1:3001 products=http://127.0.0.1:3002
import http from 'node:http';

const [port, ...routes] = process.argv.slice(2);
const agent = new http.Agent({ keepAlive: true, maxSockets: 128 });
const upstreams = new Map(
  routes.map((route) => {
    const [prefix, url] = route.split('=');
    const { hostname, port: upstreamPort } = new URL(url);
    return [prefix, { hostname, port: Number(upstreamPort) }];
  }),
);
const HOP_BY_HOP = ['connection', 'keep-alive', 'transfer-encoding', 'upgrade', 'proxy-connection'];

http
  .createServer((req, res) => {
    if (req.url === '/readyz') {
      res.writeHead(200).end();
      return;
    }
    const upstream = upstreams.get(req.url.split('?')[0].split('/')[1]);
    if (!upstream) {
      res.writeHead(404).end();
      return;
    }
    const headers = { ...req.headers };
    for (const h of HOP_BY_HOP) delete headers[h];
    const out = http.request({ ...upstream, agent, method: req.method, path: req.url, headers }, (answer) => {
      const answerHeaders = { ...answer.headers };
      for (const h of HOP_BY_HOP) delete answerHeaders[h];
      res.writeHead(answer.statusCode ?? 502, answerHeaders);
      answer.pipe(res);
    });
    out.on('error', () => {
      if (!res.headersSent) res.writeHead(502);
      res.end();
    });
    req.pipe(out);
  })
  .listen(Number(port), '127.0.0.1');
