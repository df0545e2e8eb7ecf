# OTLP/HTTP sink: POST /v1/traces (protobuf or JSON) answered 200 with an empty export response; the
# service.name strings found in each body are counted. GET / on 16686 shows the counts as JSON,
# GET /api/services the service names as Jaeger's query API lists them.
import gzip, json, re, signal, sys, threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

counts = {"requests": 0, "bytes": 0, "services": {}}
lock = threading.Lock()
# In protobuf the attribute key "service.name" is followed by its AnyValue: tag 0x12 (value), a length,
# tag 0x0a (string_value), a length, the name. Good enough to tell the services apart.
PB = re.compile(rb"service\.name\x12.\x0a(.)", re.S)

def names(body):
    out = []
    for m in PB.finditer(body):
        n = m.group(1)[0]
        out.append(body[m.end():m.end() + n].decode("utf-8", "replace"))
    if not out and body[:1] == b"{":
        out = re.findall(r'"service\.name","value":\{"stringValue":"([^"]+)"', body.decode("utf-8", "replace"))
    return out

class Handler(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def read_body(self):
        # The OTLP exporter may send chunked and gzip-compressed bodies.
        if "chunked" in (self.headers.get("transfer-encoding") or ""):
            body = b""
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    self.rfile.readline()
                    break
                body += self.rfile.read(size)
                self.rfile.readline()
        else:
            body = self.rfile.read(int(self.headers.get("content-length") or 0))
        if self.headers.get("content-encoding") == "gzip":
            body = gzip.decompress(body)
        return body

    def do_POST(self):
        body = self.read_body()
        with lock:
            counts["requests"] += 1
            counts["bytes"] += len(body)
            for n in names(body):
                counts["services"][n] = counts["services"].get(n, 0) + 1
        ctype = self.headers.get("content-type", "application/x-protobuf")
        reply = b"{}" if "json" in ctype else b""
        self.send_response(200)
        self.send_header("content-type", ctype)
        self.send_header("content-length", str(len(reply)))
        self.end_headers()
        self.wfile.write(reply)

    def do_GET(self):
        with lock:
            if self.path.startswith("/api/services"):
                # The shape of Jaeger's query API, so a check reads both the same way.
                names_seen = sorted(counts["services"])
                body = {"data": names_seen, "total": len(names_seen)}
            else:
                body = {"standIn": "OTLP sink, not Jaeger", **counts}
            reply = json.dumps(body).encode()
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(reply)))
        self.end_headers()
        self.wfile.write(reply)

for port in (4318, 16686):
    server = ThreadingHTTPServer(("0.0.0.0", port), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
# As PID 1 the default SIGTERM disposition is ignored: exit on it, as `docker stop` expects.
signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
print("otlp sink: OTLP/HTTP on 4318, counts on 16686", flush=True)
threading.Event().wait()
