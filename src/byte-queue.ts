/**
 * ByteQueue: the StreamReader's buffer. Python's asyncio uses a bytearray (append at the end,
 * delete at the front, find from an offset); done naively in JS that is O(n²) on many small
 * chunks. Here:
 *
 * * appending keeps the chunk (no copy: received data is the receiver's to keep);
 * * taking a whole chunk returns it as is (a stream echo copies nothing); taking part of one, or
 *   across chunks, copies exactly the bytes taken;
 * * searching needs contiguous bytes, so chunks are merged into one growable buffer (capacity
 *   doubles), and only when a search spans them: each byte is copied O(1) times amortised, and
 *   the caller passes where its previous search stopped so nothing is scanned twice.
 * @module
 */
import { Buffer } from "node:buffer";
import { clearArray } from "./arrays.js";

const MIN_MERGE_CAPACITY = 4096;

export class ByteQueue {
  /** Live chunks are `_chunks[_head..]`; `_chunks[_head]` starts at `_offset`. */
  private _chunks: Uint8Array[] = [];
  private _head = 0;
  private _offset = 0;
  private _length = 0;
  /** Backing store of the merged head chunk (spare capacity after it), or null. */
  private _merge: Uint8Array | null = null;

  /** Bytes queued. */
  get length(): number {
    return this._length;
  }

  /** Appends `data` (kept by reference: the caller hands it over). */
  push(data: Uint8Array): void {
    if (data.length === 0) return;
    this._chunks.push(data);
    this._length += data.length;
  }

  /** Drops everything. */
  clear(): void {
    this._chunks = [];
    this._head = 0;
    this._offset = 0;
    this._length = 0;
    this._merge = null;
  }

  /** Removes and returns the first `n` bytes (`n <= length`); a whole chunk comes back uncopied. */
  take(n: number): Uint8Array {
    if (n <= 0) return new Uint8Array(0);
    if (n > this._length) n = this._length;
    const first = this._chunks[this._head]!;
    const avail = first.length - this._offset;
    if (n === avail && this._offset === 0) {
      this._dropHead();
      this._length -= n;
      return first;
    }
    // Copies go to Buffer.allocUnsafe: no zero fill, pooled when small (measured faster than
    // Uint8Array.prototype.slice / new Uint8Array for stream-sized chunks).
    if (n <= avail) {
      const out = Buffer.allocUnsafe(n);
      out.set(first.subarray(this._offset, this._offset + n));
      this._advance(n);
      return out;
    }
    const out = Buffer.allocUnsafe(n);
    let filled = 0;
    while (filled < n) {
      const chunk = this._chunks[this._head]!;
      const part = Math.min(chunk.length - this._offset, n - filled);
      out.set(chunk.subarray(this._offset, this._offset + part), filled);
      filled += part;
      this._advance(part);
    }
    return out;
  }

  /** Removes the first `n` bytes. */
  drop(n: number): void {
    n = Math.min(n, this._length);
    while (n > 0) {
      const chunk = this._chunks[this._head]!;
      const part = Math.min(chunk.length - this._offset, n);
      this._advance(part);
      n -= part;
    }
  }

  private _advance(n: number): void {
    this._offset += n;
    this._length -= n;
    if (this._offset === this._chunks[this._head]!.length) this._dropHead();
  }

  private _dropHead(): void {
    if (this._chunks[this._head]!.buffer === this._merge?.buffer) this._merge = null;
    this._chunks[this._head] = EMPTY;
    this._head++;
    this._offset = 0;
    if (this._head === this._chunks.length) {
      clearArray(this._chunks);
      this._head = 0;
    } else if (this._head >= 64 && this._head * 2 >= this._chunks.length) {
      this._chunks = this._chunks.slice(this._head);
      this._head = 0;
    }
  }

  /** All queued bytes as one view (valid until the next change); merges chunks if needed. */
  private _contiguous(): Uint8Array {
    if (this._length === 0) return EMPTY;
    if (this._chunks.length - this._head > 1) this._mergeAll();
    const head = this._chunks[this._head]!;
    return head.subarray(this._offset);
  }

  private _mergeAll(): void {
    const head = this._chunks[this._head]!;
    const merge = this._merge;
    let used: number; // bytes of the merge buffer in use (from its start)
    let target: Uint8Array;
    let base: number; // where the live bytes start in target
    if (merge !== null && head.buffer === merge.buffer && head.byteOffset === merge.byteOffset && merge.length - head.length >= this._length - (head.length - this._offset)) {
      // Room after the merged head: append the other chunks there.
      target = merge;
      used = head.length;
      base = this._offset;
    } else {
      const capacity = Math.max(MIN_MERGE_CAPACITY, 2 * this._length);
      target = Buffer.allocUnsafeSlow(capacity);
      target.set(head.subarray(this._offset), 0);
      used = head.length - this._offset;
      base = 0;
    }
    for (let i = this._head + 1; i < this._chunks.length; i++) {
      const chunk = this._chunks[i]!;
      target.set(chunk, used);
      used += chunk.length;
    }
    this._merge = target;
    this._chunks = [target.subarray(0, used)];
    this._head = 0;
    this._offset = base;
  }

  /**
   * Index (from the queue's start) of the first `sep` at or after `from`, or -1.
   * Passing where the previous search gave up (length - sep.length + 1) scans each byte once.
   */
  indexOf(sep: Uint8Array, from: number): number {
    const m = sep.length;
    if (m === 0 || this._length - from < m) return -1;
    const data = this._contiguous();
    return indexOfBytes(data, sep, Math.max(0, from));
  }

  /** Whether `sep` occurs at `at`. */
  startsWith(sep: Uint8Array, at: number): boolean {
    if (at + sep.length > this._length) return false;
    const data = this._contiguous();
    for (let i = 0; i < sep.length; i++) if (data[at + i] !== sep[i]) return false;
    return true;
  }
}

const EMPTY = new Uint8Array(0);

/** First index of `needle` in `hay` at or after `from`, or -1 (native scan for the first byte). */
export function indexOfBytes(hay: Uint8Array, needle: Uint8Array, from: number): number {
  const m = needle.length;
  const first = needle[0]!;
  if (m === 1) return hay.indexOf(first, from);
  const last = hay.length - m;
  let i = from;
  while (i <= last) {
    i = hay.indexOf(first, i);
    if (i < 0 || i > last) return -1;
    let j = 1;
    while (j < m && hay[i + j] === needle[j]) j++;
    if (j === m) return i;
    i++;
  }
  return -1;
}
