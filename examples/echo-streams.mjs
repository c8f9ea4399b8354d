// Echo server, streams style: a coroutine per connection with a StreamReader and a
// StreamWriter, like asyncio.start_server. `yield*` is `await`.
//
//   node examples/echo-streams.mjs             serve on 127.0.0.1:8890 until Ctrl-C
//   node examples/echo-streams.mjs --demo      serve, talk to it line by line, exit
import * as asyncio from "../dist/index.js";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

function* handleClient(reader, writer) {
  const peer = writer.getExtraInfo("peername");
  for (;;) {
    const line = yield* reader.readline(); // empty at EOF
    if (line.length === 0) break;
    writer.write(line);
    yield* writer.drain(); // flow control: waits while the client is not reading
  }
  console.log(`${peer[0]}:${peer[1]} done`);
  writer.close();
  yield* writer.waitClosed();
}

function* main() {
  const demo = process.argv.includes("--demo");
  const port = demo ? 0 : Number(process.argv[2] ?? 8890);
  const server = yield* asyncio.startServer(handleClient, "127.0.0.1", port);
  const [host, actualPort] = server.sockets[0].getsockname();
  console.log(`echo (streams) serving on ${host}:${actualPort}`);
  if (!demo) {
    yield* server.serveForever();
    return;
  }
  const [reader, writer] = yield* asyncio.openConnection("127.0.0.1", actualPort);
  for (const text of ["first line", "second line"]) {
    writer.write(encoder.encode(text + "\n"));
    yield* writer.drain();
    const echoed = yield* reader.readline();
    console.log(`echoed: ${JSON.stringify(decoder.decode(echoed))}`);
  }
  writer.close();
  yield* writer.waitClosed();
  server.close();
  yield* server.waitClosed();
}

await asyncio.run(main());
