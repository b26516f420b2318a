/**
 * Puts `chunk` after the first `used` bytes of `buffer` and returns the buffer that holds them:
 * the same one when the chunk fits, else a new one of twice the size (or more) with the used
 * bytes copied over. For readers that keep a stream's unread bytes between chunks.
 */
export function appendBytes(
  buffer: Uint8Array<ArrayBuffer>,
  used: number,
  chunk: Uint8Array,
): Uint8Array<ArrayBuffer> {
  let out = buffer;
  if (used + chunk.length > buffer.length) {
    let size = buffer.length;
    while (size < used + chunk.length) size *= 2;
    out = new Uint8Array(size);
    out.set(buffer.subarray(0, used));
  }
  out.set(chunk, used);
  return out;
}
