// A length-prefixed request/response protocol, server and client in one file: both sides read
// with FramedProtocol (whole frames out of a read ring) and write with WriteBuffer (messages
// composed in WASM memory, the length back-patched, handed to the socket without a JS copy).
//
// Wire format: every message is
//   [int32 BE length, counting itself][int32 BE request id][body]
//   request body:  [uint8 op][UTF-8 text]      op 1: upper-case, op 2: reverse the words
//   response body: [uint8 status][UTF-8 text]  status 0: ok, 1: error (the text says why)
//
//   node examples/framed-reqresp.mjs    serve on 127.0.0.1 (a free port), run a client, exit
//
// Runs against the build (npm run build).
import * as asyncio from "../dist/index.js";

// The length counts itself (adjustment -4); strip: 4 delivers the frame without it.
const FRAMING = { lengthField: { size: 4, adjustment: -4, strip: 4 }, maxFrameSize: 64 * 1024 };
const OP_UPPER = 1;
const OP_REVERSE = 2;
const decoder = new TextDecoder();

/** [id, byte, text] of a frame (id, op/status, UTF-8 text). */
function parse(frame) {
  const id = new DataView(frame.buffer, frame.byteOffset, frame.byteLength).getUint32(0);
  return [id, frame[4], decoder.decode(frame.subarray(5))];
}

class RpcServer extends asyncio.FramedProtocol {
  constructor() {
    super(FRAMING);
    this.out = new asyncio.WriteBuffer();
  }

  frameReceived(frame) {
    // `frame` is a view into the read ring, valid during this call only (frame.slice() keeps it);
    // everything needed is decoded here.
    const [id, op, text] = parse(frame);
    let status = 0;
    let result;
    if (op === OP_UPPER) result = text.toUpperCase();
    else if (op === OP_REVERSE) result = text.split(" ").reverse().join(" ");
    else {
      status = 1;
      result = `unknown op ${op}`;
    }
    this.out.beginMessage().writeUint32BE(id).writeUint8(status); // beginMessage(): length to patch
    this.out.writeUtf8(result);
    this.out.endMessage(); // back-patches the length
    this.out.flush(this.transport); // the socket gets a view; the space returns when it is sent
  }

  frameError(error) {
    console.log(`server: bad frame (${error.message}), closing`);
    super.frameError(error); // the default closes the connection
  }

  connectionLost(exc) {
    super.connectionLost(exc);
    this.out.close();
  }
}

class RpcClient extends asyncio.FramedProtocol {
  constructor(loop) {
    super(FRAMING);
    this.loop = loop;
    this.out = new asyncio.WriteBuffer();
    this.pending = new Map(); // request id -> Future of the reply
    this.nextId = 1;
  }

  /** Sends a request; returns a Future of the reply text (an Error for status 1). */
  call(op, text) {
    const id = this.nextId++;
    const reply = this.loop.createFuture();
    this.pending.set(id, reply);
    this.out.beginMessage().writeUint32BE(id).writeUint8(op);
    this.out.writeUtf8(text);
    this.out.endMessage();
    this.out.flush(this.transport);
    return reply;
  }

  frameReceived(frame) {
    const [id, status, text] = parse(frame);
    const reply = this.pending.get(id);
    this.pending.delete(id);
    if (reply === undefined) return;
    if (status === 0) reply.setResult(text);
    else reply.setException(new Error(text));
  }

  connectionLost(exc) {
    super.connectionLost(exc);
    for (const reply of this.pending.values()) reply.setException(exc ?? new Error("connection closed"));
    this.pending.clear();
    this.out.close();
  }
}

function* main() {
  const loop = asyncio.getRunningLoop();
  const server = yield* loop.createServer(() => new RpcServer(), "127.0.0.1", 0);
  const [host, port] = server.sockets[0].getsockname();
  console.log(`server: listening on ${host}:${port}`);

  const [transport, client] = yield* loop.createConnection(() => new RpcClient(loop), host, port);

  // One round trip at a time...
  console.log(`client: ${yield* client.call(OP_UPPER, "hello, framed world")}`);
  console.log(`client: ${yield* client.call(OP_REVERSE, "one two three")}`);

  // ...or many in flight at once: replies are matched to requests by id.
  const texts = Array.from({ length: 1000 }, (_, i) => `request number ${i}`);
  const replies = yield* asyncio.gather(texts.map((t) => client.call(OP_UPPER, t)));
  const allRight = replies.every((r, i) => r === texts[i].toUpperCase());
  console.log(`client: ${replies.length} pipelined requests, every reply right: ${allRight}`);

  // An error reply becomes an exception at the caller.
  try {
    yield* client.call(42, "?");
  } catch (e) {
    console.log(`client: error reply: ${e.message}`);
  }

  transport.close();
  server.close();
  yield* server.waitClosed();
  console.log("done");
  if (!allRight) throw new Error("a reply did not match its request");
}

await asyncio.run(main());
