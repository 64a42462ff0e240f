"""Twisted parses the body of every form POST for daphne, which never reads what it parsed.

`twisted.web.http.Request` reads a POST's Content-Type through the `email` package (~30 us
alone; among a busy server's other work, 6% of the ingest's samples in `py-spy`, and 0.2 ms of
CPU a message in an A/B run, bench/README.md), then decodes an urlencoded body or a multipart
upload into `request.args`, on the event loop's thread: an agent's 8 MB attachment held every
socket of the process for about 0.2 s. Daphne hands the raw body to the application and never
reads `args`, so its requests are built with Twisted's documented
`parsePOSTFormSubmission=False` ("don't parse HTTP bodies"); Django parses the body, once, on
the request's thread, and answers a malformed upload itself. Off with the rest of the runtime
tuning (`HITL_RUNTIME_TUNING=false`).
"""

from __future__ import annotations

from typing import Any

from daphne import http_protocol

STOCK_REQUEST = http_protocol.WebRequest


class UnparsedBodyRequest(STOCK_REQUEST):  # type: ignore[misc,valid-type]
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, parsePOSTFormSubmission=False, **kwargs)


def leave_bodies_to_the_application() -> None:
    # daphne's HTTPFactory.buildProtocol names the module's WebRequest for each connection.
    http_protocol.WebRequest = UnparsedBodyRequest
