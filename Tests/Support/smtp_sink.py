"""An SMTP sink for the tests: aiosmtpd's SMTP server storing every message in a maildir.

    python smtp_sink.py MAILDIR PORT     (PORT 0: the system picks a free one)

Prints the port it listens on, then serves until it is stopped.
"""
import asyncio
import sys

from aiosmtpd.handlers import Mailbox
from aiosmtpd.smtp import SMTP


async def main(directory, port):
    handler = Mailbox(directory)
    server = await asyncio.get_running_loop().create_server(lambda: SMTP(handler), "127.0.0.1", port)
    print(server.sockets[0].getsockname()[1], flush=True)
    await server.serve_forever()


asyncio.run(main(sys.argv[1], int(sys.argv[2])))
