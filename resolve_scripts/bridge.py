"""The transport bridge: run by the project's own Python (which has pyzmq) for a Resolve Python that has not.

    python -m resolve_scripts.bridge ADDRESS TIMEOUT_MS RETRIES

Reads one JSON object a line on stdin, ``{"header": {...}, "payloads": [base64, ...]}``, sends it to the server
with :class:`resolve_scripts.transport.ZmqTransport`, and writes one line back: ``{"header": ..., "payloads":
[...]}``, or ``{"transport_error": "one sentence"}``. Ends at end of input. One process serves a whole run.
"""

import base64
import json
import sys

from resolve_scripts.errors import TransportError
from resolve_scripts.transport import ZmqTransport


def main(argv=None):
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 3:
        sys.stderr.write("usage: python -m resolve_scripts.bridge ADDRESS TIMEOUT_MS RETRIES\n")
        return 2
    address, timeout_ms, retries = args[0], int(args[1]), int(args[2])
    try:
        transport = ZmqTransport(address, timeout_ms, retries)
    except TransportError as exc:
        sys.stderr.write(str(exc) + "\n")
        return 1
    try:
        for line in sys.stdin:
            request = json.loads(line)
            try:
                header, payloads = transport.request(
                    request["header"], [base64.b64decode(p) for p in request.get("payloads", [])]
                )
                answer = {"header": header, "payloads": [base64.b64encode(p).decode("ascii") for p in payloads]}
            except TransportError as exc:
                answer = {"transport_error": str(exc)}
            sys.stdout.write(json.dumps(answer) + "\n")
            sys.stdout.flush()
    finally:
        transport.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
