#!/usr/bin/python3
"""The Python peer that tools/load-test.sh measures n2v serve against: the same two requests,
answered from embeddings.npy and metadata.tsv with numpy (tools/similar.py's NumpyModel) behind
Python's own threaded HTTP/1.1 server, one thread per connection.

    GET  /v1/similar?id=MOVIEID&k=K        the K movies nearest by cosine, the query left out
    POST /v1/recommend {"liked": [MOVIEID, ...], "k": K}
                                           the K nearest the mean of the liked unit vectors

    /usr/bin/python3 tools/numpy_service.py runs/ml_small/embeddings.npy --port 8090

It prints "listening on http://HOST:PORT/" once it accepts connections (--port 0: any free port).
"""
import argparse
import json
import os
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from similar import NumpyModel  # noqa: E402


def serve(model, host, port):
    np = model.np
    token_of = {name: token for token, name in enumerate(model.names) if token > 0}

    def nearest(direction, k, skip):
        scores = model.unit @ direction
        scores[0] = -np.inf
        scores[list(skip)] = -np.inf
        best = np.argpartition(-scores, k)[:k]
        best = best[np.argsort(-scores[best], kind="stable")]
        return [{"id": model.names[t], "title": model.titles[t], "score": round(float(scores[t]), 6)} for t in best]

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive, as wrk and n2v serve use
        disable_nagle_algorithm = True  # headers and body are written apart, as n2v serve does

        def reply(self, status, body):
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self):
            url = urlsplit(self.path)
            query = parse_qs(url.query)
            token = token_of.get(query.get("id", [""])[0])
            if url.path != "/v1/similar" or token is None:
                return self.reply(404, {"error": "unknown route or movie"})
            k = int(query.get("k", ["10"])[0])
            self.reply(200, {"neighbors": nearest(model.unit[token], k, {token})})

        def do_POST(self):
            body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
            liked = {token_of.get(str(i)) for i in body.get("liked", [])} - {None}
            if self.path != "/v1/recommend" or not liked:
                return self.reply(404, {"error": "unknown route or movies"})
            mean = model.unit[sorted(liked)].sum(0)
            mean /= max(float(np.sqrt(mean @ mean)), 1e-12)
            self.reply(200, {"recommendations": nearest(mean, int(body.get("k", 10)), liked)})

        def log_message(self, *args):  # quiet: one line per request would dominate the measurement
            pass

    class Server(ThreadingHTTPServer):
        daemon_threads = True
        request_queue_size = 1024  # listen backlog (socketserver's 5 drops connection bursts), as n2v serve

    server = Server((host, port), Handler)
    print(f"listening on http://{host}:{server.server_address[1]}/", flush=True)
    server.serve_forever()


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("embeddings", help="embeddings.npy written by n2v train or n2v export (metadata.tsv beside it)")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8090)
    args = parser.parse_args()
    try:
        serve(NumpyModel(args.embeddings), args.host, args.port)
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
