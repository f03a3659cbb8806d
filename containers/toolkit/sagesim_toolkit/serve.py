"""`serve`: what SageMaker runs for an endpoint or a batch transform (`docker run <image> serve`).

An HTTP server on port 8080 (SAGEMAKER_BIND_TO_PORT overrides; the runtime uses host networking):
GET /ping (200 once the model is loaded), POST /invocations, GET /execution-parameters."""
import json
import os
import signal
import sys
import threading
import time
import traceback
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from . import algorithms, content, handlers, paths

DEFAULT_PORT = 8080
DEFAULT_MAX_PAYLOAD_MB = 6


class InvocationError(Exception):
    def __init__(self, status, message):
        super().__init__(message)
        self.status = status


class ModelService:
    """The loaded model and the handler chain around it."""

    def __init__(self, chain, default_accept):
        self.chain = chain
        self.default_accept = default_accept
        self.model = None

    def load(self):
        if self.chain.model_fn is None:
            raise RuntimeError(
                "no model_fn: this image has no default way to load %s; provide model_fn in your inference script"
                % paths.MODEL_DIR
            )
        self.model = self.chain.model_fn(paths.MODEL_DIR)

    def accept_of(self, header):
        accept = content.media_type(header)
        if not accept or accept == "*/*":
            return self.default_accept
        # "text/csv, application/json" -> the first one listed.
        return accept.split(",", 1)[0].strip()

    def invoke(self, body, content_type, accept_header):
        chain = self.chain
        accept = self.accept_of(accept_header)
        user = bool(chain.user_hooks)
        try:
            if chain.transform_fn is not None and "transform_fn" in chain.user_hooks:
                result = chain.transform_fn(self.model, chain.body_for_user(body, content_type), content_type, accept)
                return self._finish(result, accept)
            data_in = chain.body_for_user(body, content_type) if "input_fn" in chain.user_hooks else body
            data = chain.input_fn(data_in, content_type)
        except content.UnsupportedContentType as error:
            raise InvocationError(415, str(error)) from error
        except content.UnsupportedAccept as error:
            raise InvocationError(406, str(error)) from error
        except (ValueError, TypeError) as error:
            raise InvocationError(400, "cannot read the %s payload: %s" % (content_type, error)) from error
        try:
            prediction = chain.predict_fn(data, self.model)
        except Exception as error:
            status = 500 if user else 400
            raise InvocationError(status, "Unable to evaluate payload provided: %s" % error) from error
        try:
            result = chain.output_fn(prediction, accept)
        except content.UnsupportedAccept as error:
            raise InvocationError(406, str(error)) from error
        return self._finish(result, accept)

    @staticmethod
    def _finish(result, accept):
        if isinstance(result, tuple) and len(result) == 2:
            body, mime = result
        else:
            body, mime = result, accept
        if body is None:
            body = b""
        if isinstance(body, str):
            body = body.encode("utf-8")
        elif not isinstance(body, (bytes, bytearray)):
            body, mime = content.encode(body, accept)
            body = body.encode("utf-8") if isinstance(body, str) else body
        return bytes(body), mime or accept


def _max_payload_mb():
    try:
        return int(os.environ.get("SAGEMAKER_MAX_PAYLOAD_IN_MB", DEFAULT_MAX_PAYLOAD_MB))
    except ValueError:
        return DEFAULT_MAX_PAYLOAD_MB


def make_handler(service):
    max_payload = _max_payload_mb()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        server_version = "sagesim-serve"

        def log_message(self, fmt, *args):  # pings every second would drown the log
            if self.path != "/ping":
                sys.stderr.write("%s\n" % (fmt % args))

        def _send(self, status, body=b"", mime="text/plain"):
            if isinstance(body, str):
                body = body.encode("utf-8")
            self.send_response(status)
            self.send_header("Content-Type", mime)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if body:
                self.wfile.write(body)

        def do_GET(self):
            if self.path == "/ping":
                self._send(200 if service.model is not None else 503)
            elif self.path == "/execution-parameters":
                parameters = {
                    "MaxConcurrentTransforms": os.cpu_count() or 1,
                    "BatchStrategy": "MULTI_RECORD",
                    "MaxPayloadInMB": max_payload,
                }
                self._send(200, json.dumps(parameters), "application/json")
            else:
                self._send(404, "not found: %s\n" % self.path)

        def do_POST(self):
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            if self.path != "/invocations":
                self._send(404, "not found: %s\n" % self.path)
                return
            if not body:
                self._send(204)
                return
            if length > max_payload * 1024 * 1024:
                self._send(413, "payload of %d bytes is over MaxPayloadInMB=%d\n" % (length, max_payload))
                return
            content_type = self.headers.get("Content-Type") or "text/csv"
            try:
                out, mime = service.invoke(body, content_type, self.headers.get("Accept"))
                self._send(200, out, mime)
            except InvocationError as error:
                sys.stderr.write("invocation failed (%d): %s\n" % (error.status, error))
                if error.status >= 500 and error.__cause__ is not None:
                    traceback.print_exception(error.__cause__, file=sys.stderr)
                self._send(error.status, str(error) + "\n")
            except Exception as error:  # the handler chain's own bug
                traceback.print_exc()
                self._send(500, "internal error: %s\n" % error)

    return Handler


def main():
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    algorithm = algorithms.load()
    defaults = algorithm.default_handlers() if algorithm is not None and hasattr(algorithm, "default_handlers") else {}
    default_accept = os.environ.get(
        "SAGEMAKER_DEFAULT_INVOCATIONS_ACCEPT",
        getattr(algorithm, "DEFAULT_ACCEPT", content.JSON) if algorithm is not None else content.JSON,
    )
    port = int(os.environ.get("SAGEMAKER_BIND_TO_PORT", DEFAULT_PORT))
    host = os.environ.get("SAGESIM_BIND_HOST", "0.0.0.0")
    started = time.time()
    try:
        chain = handlers.build(defaults)
        if chain.user_hooks:
            print("using %s from %s" % (", ".join(chain.user_hooks), chain.user_module_path), flush=True)
        service = ModelService(chain, default_accept)
        service.load()
    except Exception:
        # Exiting (rather than failing every /ping) lets the runtime report the cause at once.
        sys.stderr.write("cannot load the model from %s:\n%s" % (paths.MODEL_DIR, traceback.format_exc()))
        sys.stderr.flush()
        return 1
    server = ThreadingHTTPServer((host, port), make_handler(service))
    server.daemon_threads = True
    print(
        "model loaded in %.1fs; serving /ping and /invocations on %s:%d (%s)"
        % (time.time() - started, host, port, algorithms.name() or "custom"),
        flush=True,
    )
    try:
        server.serve_forever(poll_interval=0.2)
    finally:
        threading.Thread(target=server.shutdown, daemon=True).start()
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
