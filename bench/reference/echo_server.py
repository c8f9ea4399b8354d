#!/usr/bin/env python3
"""CPython reference echo server for the network suite: an asyncio Protocol
whose data_received writes the data back. `--uvloop` runs it on uvloop.

Same contract as bench/net/servers/*.mjs: listens on 127.0.0.1 (port 0 or
--port N), prints the port alone on a line on stdout, exits on SIGTERM or when
stdin closes. Without uvloop it prints "@@not-installed <reason>" and exits 3.
"""

import argparse
import asyncio
import signal
import sys
import threading


class Echo(asyncio.Protocol):
    def connection_made(self, transport):
        self.transport = transport

    def data_received(self, data):
        self.transport.write(data)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--uvloop", action="store_true")
    p.add_argument("--port", type=int, default=0)
    a = p.parse_args()
    if a.uvloop:
        try:
            import uvloop  # noqa: PLC0415
        except ImportError as e:
            print(f"@@not-installed uvloop is not importable by {sys.executable} ({e})", flush=True)
            sys.exit(3)
        loop = uvloop.new_event_loop()
    else:
        loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    server = loop.run_until_complete(loop.create_server(Echo, "127.0.0.1", a.port))
    loop.add_signal_handler(signal.SIGTERM, loop.stop)

    def watch_stdin():
        try:
            while sys.stdin.buffer.read(65536):
                pass
        finally:
            loop.call_soon_threadsafe(loop.stop)

    threading.Thread(target=watch_stdin, daemon=True).start()
    print(server.sockets[0].getsockname()[1], flush=True)
    try:
        loop.run_forever()
    finally:
        server.close()
        loop.close()


if __name__ == "__main__":
    main()
