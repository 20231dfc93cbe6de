#!/usr/bin/env python3
"""Plain HTTP on TCP port 80 with no miIO in it, for the port-80 tests: a
server (Python's http.server, HTTP/1.1 keep-alive) at 127.0.0.60:80 serving
an HTML page, a JSON document, 256 KiB of pseudo-random bytes (seeded), a
gzip file of text, and a chunked reply; a client (http.client) fetching
them on one kept-alive connection and once more on a second connection.

  serve-and-fetch.py        (root: port 80)
"""
import gzip
import http.client
import http.server
import random
import threading

ADDRESS = ("127.0.0.60", 80)
rng = random.Random(28)
FILES = {
    "/index.html": (b"<!doctype html><title>router</title><p>" + b"hello " * 400 + b"</p>", "text/html"),
    "/status.json": (b'{"uptime": 123456, "clients": [1, 2, 3], "ok": true}', "application/json"),
    "/firmware.bin": (bytes(rng.getrandbits(8) for _ in range(256 * 1024)), "application/octet-stream"),
    "/log.txt.gz": (gzip.compress(b"".join(b"line %d: all is well\n" % i for i in range(4000)), mtime=0),
                    "application/gzip"),
}


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self):
        if self.path == "/chunked":
            self.send_response(200)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            for part in (b"first part\n", b"second part\n" * 50, b""):
                self.wfile.write(b"%x\r\n%s\r\n" % (len(part), part))
            return
        body, kind = FILES[self.path]
        self.send_response(200)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def main():
    server = http.server.ThreadingHTTPServer(ADDRESS, Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    for paths in (["/index.html", "/status.json", "/firmware.bin", "/log.txt.gz", "/chunked"], ["/firmware.bin"]):
        conn = http.client.HTTPConnection(*ADDRESS, source_address=("127.0.0.1", 0))
        for path in paths:
            conn.request("GET", path)
            reply = conn.getresponse()
            body = reply.read()
            print(path, reply.status, len(body))
        conn.close()
    server.shutdown()


if __name__ == "__main__":
    main()
