"""A fake AI provider on 127.0.0.1 speaking OpenAI's wire format (SSE when asked to stream),
for the classroom hub's tests: it records the Authorization header and the body of every
request it gets, and streams its answer in pieces a moment apart."""
import json
import re
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class FakeUpstream:
    """The provider, serving at self.url (…/v1) until stop(); self.auth and self.bodies are
    what each request brought, in order. A streamed answer comes in `pieces` pieces `gap`
    seconds apart (the first one at once with first_at_once)."""

    def __init__(self, answer, pieces=40, gap=0.15, first_at_once=False):
        self.answer_text, self.pieces, self.gap, self.first_at_once = answer, pieces, gap, first_at_once
        self.bodies = []
        self.auth = []
        self.active = 0
        self.max_active = 0
        self.lock = threading.Lock()
        up = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                body = json.dumps({"data": [{"id": "openai/gpt-oss-120b:free", "object": "model"}]}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_POST(self):
                req = json.loads(self.rfile.read(int(self.headers.get("Content-Length", "0"))) or b"{}")
                with up.lock:
                    up.auth.append(self.headers.get("Authorization"))
                    up.bodies.append(req)
                    up.active += 1
                    up.max_active = max(up.max_active, up.active)
                try:
                    self.answer(req)
                finally:
                    with up.lock:
                        up.active -= 1

            def answer(self, req):
                model = req.get("model", "m")
                words = re.findall(r"\S+\s*", up.answer_text)
                pieces = [words[i * len(words) // up.pieces:(i + 1) * len(words) // up.pieces] for i in range(up.pieces)]
                if not req.get("stream"):
                    time.sleep(up.pieces * up.gap)
                    body = json.dumps({
                        "id": "fake-1", "object": "chat.completion", "created": int(time.time()), "model": model,
                        "choices": [{"index": 0, "message": {"role": "assistant", "content": up.answer_text}, "finish_reason": "stop"}],
                        "usage": {"prompt_tokens": 30, "completion_tokens": len(words), "total_tokens": 30 + len(words)},
                    }).encode()
                    self.send_response(200)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                    return
                self.send_response(200)
                self.send_header("Content-Type", "text/event-stream")
                self.send_header("Cache-Control", "no-cache")
                self.send_header("Connection", "close")
                self.end_headers()
                self.wfile.write(b": OPENROUTER PROCESSING\n\n")

                def chunk(delta, finish=None, usage=None):
                    c = {"id": "fake-1", "object": "chat.completion.chunk", "created": int(time.time()), "model": model,
                         "choices": [] if usage else [{"index": 0, "delta": delta, "finish_reason": finish}]}
                    if usage:
                        c["usage"] = usage
                    self.wfile.write(b"data: " + json.dumps(c).encode() + b"\n\n")
                    self.wfile.flush()

                chunk({"role": "assistant", "content": ""})
                for i, p in enumerate(pieces):
                    if i or not up.first_at_once:  # first_at_once: the first token is the server's own time
                        time.sleep(up.gap)
                    if p:
                        chunk({"content": "".join(p)})
                chunk({}, finish="stop")
                if (req.get("stream_options") or {}).get("include_usage"):
                    chunk(None, usage={"prompt_tokens": 30, "completion_tokens": len(words), "total_tokens": 30 + len(words)})
                self.wfile.write(b"data: [DONE]\n\n")
                self.wfile.flush()

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/v1"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()
