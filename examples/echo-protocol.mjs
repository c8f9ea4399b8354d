// Echo server, Protocol style: the transport calls dataReceived() with bytes that are the
// protocol's to keep, and the protocol writes them back.
//
//   node examples/echo-protocol.mjs            serve on 127.0.0.1:8888 until Ctrl-C
//   node examples/echo-protocol.mjs 9000       another port
//   node examples/echo-protocol.mjs --demo     serve on a free port, echo once with a client, exit
//
// Runs against the build (npm run build); also under `deno run -A` and `bun`.
import * as asyncio from "../dist/index.js";

class EchoProtocol extends asyncio.Protocol {
  connectionMade(transport) {
    this.transport = transport;
    const [host, port] = transport.getExtraInfo("peername");
    console.log(`connection from ${host}:${port}`);
  }

  dataReceived(data) {
    this.transport.write(data);
  }

  eofReceived() {
    // false: close our side too once everything is written
    return false;
  }

  connectionLost(exc) {
    console.log(exc ? `connection lost: ${exc.message}` : "connection closed");
  }
}

function* main() {
  const demo = process.argv.includes("--demo");
  const port = demo ? 0 : Number(process.argv[2] ?? 8888);
  const loop = asyncio.getRunningLoop();
  const server = yield* loop.createServer(() => new EchoProtocol(), "127.0.0.1", port);
  const [host, actualPort] = server.sockets[0].getsockname();
  console.log(`echo (Protocol) serving on ${host}:${actualPort}`);
  if (!demo) {
    yield* server.serveForever();
    return;
  }
  // A client, also a Protocol: send, collect the echo, close.
  const done = loop.createFuture();
  const decoder = new TextDecoder();
  class Client extends asyncio.Protocol {
    text = "";
    dataReceived(data) {
      this.text += decoder.decode(data, { stream: true });
      if (this.text.endsWith("\n")) done.setResult(this.text);
    }
  }
  const [transport] = yield* loop.createConnection(() => new Client(), "127.0.0.1", actualPort);
  transport.write(new TextEncoder().encode("hello, asyncio\n"));
  console.log(`echoed: ${JSON.stringify(yield* done)}`);
  transport.close();
  server.close();
  yield* server.waitClosed();
}

await asyncio.run(main());
