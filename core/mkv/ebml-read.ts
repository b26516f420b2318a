/**
 * Reading EBML's primitives: element IDs, sizes (variable-size integers), and the values of
 * small elements held whole. Every failure is an `MkvError` with one line naming the problem.
 */

/** What the MKV reader throws: `tooLarge` when an element is over the reader's bound. */
export class MkvError extends Error {
  constructor(message: string, readonly tooLarge = false) {
    super(message);
    this.name = "MkvError";
  }
}

export interface ElementHead {
  id: number;
  /** undefined: the "unknown" size (all value bits set). */
  size: number | undefined;
  /** Bytes of the ID and the size. */
  headLength: number;
}

const hex = (id: number) => `0x${id.toString(16).toUpperCase()}`;
export const idName = hex;

/** The length a VINT's first byte announces (1-8), or 0 for the invalid 0x00. */
function vintLength(first: number): number {
  for (let length = 1; length <= 8; length++) {
    if (first & (0x80 >> (length - 1))) return length;
  }
  return 0;
}

/**
 * The element head at `bytes`' start, or undefined when more bytes are needed. An ID is 1-4
 * bytes kept with its marker bits; a size is 1-8 bytes, all value bits set meaning unknown.
 */
export function readElementHead(bytes: Uint8Array): ElementHead | undefined {
  if (bytes.length === 0) return undefined;
  const idLength = vintLength(bytes[0]);
  if (idLength === 0 || idLength > 4) {
    throw new MkvError(`invalid EBML element ID starting with byte 0x${bytes[0].toString(16)}`);
  }
  if (bytes.length < idLength + 1) return undefined;
  let id = 0;
  for (let i = 0; i < idLength; i++) id = id * 256 + bytes[i];
  const sizeLength = vintLength(bytes[idLength]);
  if (sizeLength === 0) throw new MkvError(`invalid EBML size of element ${hex(id)}`);
  if (bytes.length < idLength + sizeLength) return undefined;
  let size = bytes[idLength] & (0xff >> sizeLength);
  let allOnes = size === 0xff >> sizeLength;
  for (let i = 1; i < sizeLength; i++) {
    const byte = bytes[idLength + i];
    allOnes &&= byte === 0xff;
    size = size * 256 + byte;
  }
  if (allOnes) return { id, size: undefined, headLength: idLength + sizeLength };
  if (!Number.isSafeInteger(size)) {
    throw new MkvError(`element ${hex(id)} has a size over 2^53 bytes`);
  }
  return { id, size, headLength: idLength + sizeLength };
}

export interface Child {
  id: number;
  data: Uint8Array;
}

/** The children of a master element held whole (none may have an unknown size). */
export function readChildren(bytes: Uint8Array, parent: number): Child[] {
  const children: Child[] = [];
  let at = 0;
  while (at < bytes.length) {
    const head = readElementHead(bytes.subarray(at));
    if (!head) throw new MkvError(`element ${hex(parent)} ends inside a child's header`);
    if (head.size === undefined) {
      throw new MkvError(`element ${hex(head.id)} inside ${hex(parent)} has an unknown size`);
    }
    const start = at + head.headLength;
    if (start + head.size > bytes.length) {
      throw new MkvError(`element ${hex(head.id)} overruns its parent ${hex(parent)}`);
    }
    children.push({ id: head.id, data: bytes.subarray(start, start + head.size) });
    at = start + head.size;
  }
  return children;
}

/** An unsigned integer element (0-8 bytes) that must fit a JavaScript number. */
export function readUint(child: Child): number {
  const value = readBigUint(child);
  if (value > BigInt(Number.MAX_SAFE_INTEGER)) {
    throw new MkvError(`element ${hex(child.id)} holds an integer over 2^53`);
  }
  return Number(value);
}

export function readBigUint(child: Child): bigint {
  if (child.data.length > 8) {
    throw new MkvError(`element ${hex(child.id)} is an integer of ${child.data.length} bytes`);
  }
  let value = 0n;
  for (const byte of child.data) value = (value << 8n) | BigInt(byte);
  return value;
}

export function readFloat(child: Child): number {
  const view = new DataView(child.data.buffer, child.data.byteOffset, child.data.length);
  if (child.data.length === 4) return view.getFloat32(0);
  if (child.data.length === 8) return view.getFloat64(0);
  if (child.data.length === 0) return 0;
  throw new MkvError(`element ${hex(child.id)} is a float of ${child.data.length} bytes`);
}

/** A string element; Matroska pads strings with zero bytes, which are cut. */
export function readString(child: Child): string {
  const end = child.data.indexOf(0);
  return new TextDecoder().decode(end < 0 ? child.data : child.data.subarray(0, end));
}
