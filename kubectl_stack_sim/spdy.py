"""The server side of SPDY/3.1 framing, as much as Kubernetes' port-forward protocol uses.

kubectl 1.31+ tunnels a SPDY/3.1 session through a WebSocket (subprotocol
``SPDY/3.1+portforward.k8s.io``); the client end is moby/spdystream, as the kubelet's is. The
draft-3.1 wire format implemented here:

- control frames: ``1 | version(15)=3 | type(16)``, ``flags(8) | length(24)``, payload --
  SYN_STREAM (1: stream id, associated id, priority, slot, header block), SYN_REPLY (2: stream
  id, header block), RST_STREAM (3), SETTINGS (4), PING (6, echoed), GOAWAY (7), HEADERS (8),
  WINDOW_UPDATE (9, ignored: spdystream does no flow control);
- data frames: ``0 | stream id(31)``, ``flags(8) | length(24)``, data; flag 0x01 is FIN;
- header blocks: ``count(32)``, then ``len(32) name len(32) value`` pairs, compressed by one
  zlib stream per direction primed with SPDY's dictionary and sync-flushed after each block.

:class:`Session` parses what the client sends and builds what the server answers; it does no
I/O.
"""

from __future__ import annotations

import struct
import zlib
from dataclasses import dataclass, field

VERSION = 3
SYN_STREAM, SYN_REPLY, RST_STREAM, SETTINGS, PING, GOAWAY, HEADERS, WINDOW_UPDATE = (
    1, 2, 3, 4, 6, 7, 8, 9,
)  # fmt: skip
FLAG_FIN = 0x01
# RST_STREAM status codes.
PROTOCOL_ERROR, INVALID_STREAM, REFUSED_STREAM, CANCEL = 1, 2, 3, 5


def _dictionary() -> bytes:
    """The SPDY/3 header-compression dictionary (draft 3, section 2.6.10.1): length-prefixed
    header names and values, then a run of common status codes, dates and content types."""
    words = (
        "options head post put delete trace accept accept-charset accept-encoding "
        "accept-language accept-ranges age allow authorization cache-control connection "
        "content-base content-encoding content-language content-length content-location "
        "content-md5 content-range content-type date etag expect expires from host if-match "
        "if-modified-since if-none-match if-range if-unmodified-since last-modified location "
        "max-forwards pragma proxy-authenticate proxy-authorization range referer retry-after "
        "server te trailer transfer-encoding upgrade user-agent vary via warning "
        "www-authenticate method get status 200_OK version HTTP/1.1 url public set-cookie "
        "keep-alive origin"
    )
    tail = (
        "100101201202205206300302303304305306307402405406407408409410411412413414415416417"
        "502504505203 Non-Authoritative Information204 No Content301 Moved Permanently"
        "400 Bad Request401 Unauthorized403 Forbidden404 Not Found500 Internal Server Error"
        "501 Not Implemented503 Service Unavailable"
        "Jan Feb Mar Apr May Jun Jul Aug Sept Oct Nov Dec 00:00:00 "
        "Mon, Tue, Wed, Thu, Fri, Sat, Sun, GMT"
        "chunked,text/html,image/png,image/jpg,image/gif,application/xml,"
        "application/xhtml+xml,text/plain,text/javascript,public"
        "privatemax-age=gzip,deflate,sdchcharset=utf-8charset=iso-8859-1,utf-,*,enq=0."
    )
    # "200 OK" is the one entry with a blank, written 200_OK above.
    entries = [w.replace("_", " ").encode() for w in words.split(" ")]
    return b"".join(struct.pack(">I", len(w)) + w for w in entries) + tail.encode()


DICTIONARY = _dictionary()


# A header block may not inflate beyond this (kubectl's are a few dozen bytes).
MAX_HEADER_BLOCK = 64 * 1024


class ProtocolError(Exception):
    pass


@dataclass(frozen=True)
class Frame:
    """A parsed frame: ``kind`` is a control type, or 0 for data."""

    kind: int
    flags: int
    stream_id: int = 0
    headers: dict[str, str] = field(default_factory=dict)
    data: bytes = b""
    status: int = 0


def encode_headers(headers: dict[str, str]) -> bytes:
    block = struct.pack(">I", len(headers))
    for name, value in headers.items():
        raw_name, raw_value = name.lower().encode(), value.encode()
        block += struct.pack(">I", len(raw_name)) + raw_name
        block += struct.pack(">I", len(raw_value)) + raw_value
    return block


def decode_headers(block: bytes) -> dict[str, str]:
    try:
        (count,) = struct.unpack_from(">I", block, 0)
        offset, headers = 4, {}
        for _ in range(count):
            (size,) = struct.unpack_from(">I", block, offset)
            name = block[offset + 4 : offset + 4 + size].decode()
            offset += 4 + size
            (size,) = struct.unpack_from(">I", block, offset)
            headers[name] = block[offset + 4 : offset + 4 + size].decode()
            offset += 4 + size
    except (struct.error, UnicodeDecodeError) as exc:
        raise ProtocolError(f"bad header block: {exc}") from None
    return headers


class Session:
    """One SPDY session's framing state: feed it the client's bytes, take parsed frames;
    build the server's frames with the ``*_frame`` methods."""

    def __init__(self) -> None:
        self._buffer = b""
        self._inflate = zlib.decompressobj(zdict=DICTIONARY)
        self._deflate = zlib.compressobj(
            9, zlib.DEFLATED, 15, 8, zlib.Z_DEFAULT_STRATEGY, DICTIONARY
        )

    def feed(self, data: bytes) -> list[Frame]:
        self._buffer += data
        frames = []
        while len(self._buffer) >= 8:
            first, second = struct.unpack_from(">II", self._buffer, 0)
            length = second & 0xFFFFFF
            if len(self._buffer) < 8 + length:
                break
            payload = self._buffer[8 : 8 + length]
            self._buffer = self._buffer[8 + length :]
            flags = second >> 24
            if first & 0x80000000:
                version, kind = (first >> 16) & 0x7FFF, first & 0xFFFF
                try:
                    frames.append(self._control(version, kind, flags, payload))
                except struct.error:
                    raise ProtocolError(f"short control frame of type {kind}") from None
            else:
                frames.append(Frame(0, flags, first & 0x7FFFFFFF, data=payload))
        return frames

    def _control(self, version: int, kind: int, flags: int, payload: bytes) -> Frame:
        if version != VERSION:
            raise ProtocolError(f"unsupported SPDY version {version}")
        if kind in (SYN_STREAM, HEADERS):
            (stream_id,) = struct.unpack_from(">I", payload, 0)
            block = self._headers(payload[10:] if kind == SYN_STREAM else payload[4:])
            return Frame(kind, flags, stream_id & 0x7FFFFFFF, headers=decode_headers(block))
        if kind in (RST_STREAM, GOAWAY, WINDOW_UPDATE):
            stream_id, value = struct.unpack_from(">II", payload, 0)
            return Frame(kind, flags, stream_id & 0x7FFFFFFF, status=value)
        if kind == PING:
            return Frame(kind, flags, data=payload)
        return Frame(kind, flags, data=payload)

    def _headers(self, compressed: bytes) -> bytes:
        try:
            block = self._inflate.decompress(compressed, MAX_HEADER_BLOCK)
        except zlib.error as exc:
            raise ProtocolError(f"bad header compression: {exc}") from None
        if self._inflate.unconsumed_tail:
            raise ProtocolError("header block too large")
        return block

    @staticmethod
    def _control_frame(kind: int, flags: int, payload: bytes) -> bytes:
        head = struct.pack(">II", 0x80000000 | (VERSION << 16) | kind, (flags << 24) | len(payload))
        return head + payload

    def reply_frame(self, stream_id: int, headers: dict[str, str] | None = None) -> bytes:
        block = self._deflate.compress(encode_headers(headers or {}))
        block += self._deflate.flush(zlib.Z_SYNC_FLUSH)
        return self._control_frame(SYN_REPLY, 0, struct.pack(">I", stream_id) + block)

    def reset_frame(self, stream_id: int, status: int) -> bytes:
        return self._control_frame(RST_STREAM, 0, struct.pack(">II", stream_id, status))

    def ping_frame(self, ping: Frame) -> bytes:
        return self._control_frame(PING, 0, ping.data)

    def goaway_frame(self, last_stream_id: int) -> bytes:
        return self._control_frame(GOAWAY, 0, struct.pack(">II", last_stream_id, 0))

    @staticmethod
    def data_frame(stream_id: int, data: bytes, *, fin: bool = False) -> bytes:
        flags = FLAG_FIN if fin else 0
        return struct.pack(">II", stream_id & 0x7FFFFFFF, (flags << 24) | len(data)) + data
