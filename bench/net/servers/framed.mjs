#!/usr/bin/env node
// wasyncio framed echo server: a FramedProtocol parses length-prefixed frames (4-byte big-endian
// length, then that many bytes) out of its read ring and echoes each whole frame, header included
// (the load generator's --framed mode sends and verifies exactly that). Contract: see raw-node.mjs.
//
//   --core wasm|js      the loop core (default wasm)
//   --parser wasm|js    the frame parser's core (default: the loop core)
//   --reply write|wbuf  how a frame goes back (default write):
//       write: transport.write(frame): the frame is a view of the read ring, so the transport
//              copies it (one Buffer.allocUnsafe + memcpy), then hands the copy to the socket;
//       wbuf:  WriteBuffer.writeBytes(frame) (one memcpy into the connection's WASM write ring),
//              then flush(transport) at the end of each read: the socket gets a view of the write
//              ring, no JS copy, and the space comes back when the host reports the write done.
//   Measured on this project's machine (Node 20.20, 10 connections, 64-byte frames, one in
//   flight each): the two are within noise of each other in requests/s and server CPU per
//   request (docs/framing.md), so the simpler one, write, is the default and the framed-wasm row;
//   framed-wbuf-wasm is the other.
import { argValue, runServer } from "../../support/server.mjs";
import { coreName, loadWasyncio, newLoop, serveOnLoop } from "../../support/wasyncio.mjs";

runServer(async () => {
  const asyncio = await loadWasyncio(["EventLoop", "FramedProtocol", "WriteBuffer"]);
  const core = coreName(argValue("--core", "wasm"));
  const parser = argValue("--parser", core);
  const reply = argValue("--reply", "write");
  if (reply !== "write" && reply !== "wbuf") throw new Error(`--reply must be write or wbuf, got ${reply}`);
  const loop = newLoop(asyncio, core);
  const framing = { lengthField: { size: 4 }, maxFrameSize: 64 * 1024 * 1024 + 4, core: parser };

  class Echo extends asyncio.FramedProtocol {
    constructor() {
      super(framing);
    }
    /** @param {Uint8Array} frame */
    frameReceived(frame) {
      this.transport.write(frame);
    }
  }

  class EchoWriteBuffer extends asyncio.FramedProtocol {
    constructor() {
      super(framing);
      this.wb = new asyncio.WriteBuffer();
    }
    /** @param {Uint8Array} frame */
    frameReceived(frame) {
      this.wb.writeBytes(frame);
    }
    /** @param {number} n */
    bufferUpdated(n) {
      super.bufferUpdated(n); // delivers every whole frame
      this.wb.flush(this.transport); // one write for all the replies of this read
    }
    /** @param {Error | null} exc */
    connectionLost(exc) {
      super.connectionLost(exc);
      this.wb.close();
    }
  }

  const Protocol = reply === "wbuf" ? EchoWriteBuffer : Echo;
  const server = await loop.runUntilComplete(loop.createServer(() => new Protocol(), "127.0.0.1", Number(argValue("--port", "0"))));
  return serveOnLoop(loop, server);
});
