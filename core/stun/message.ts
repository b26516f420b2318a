/**
 * STUN Binding (RFC 5389): the request a client sends to learn its server-reflexive address and
 * the success response carrying XOR-MAPPED-ADDRESS and FINGERPRINT. Runtime-free bytes in, out.
 */
export const magicCookie = 0x2112a442;
export const bindingRequestType = 0x0001;
export const bindingSuccessType = 0x0101;
const xorMappedAddressType = 0x0020;
const fingerprintType = 0x8028;
const fingerprintXor = 0x5354554e;
const headerLength = 20;

export interface TransportAddress {
  family: "IPv4" | "IPv6";
  address: string;
  port: number;
}

export interface StunMessage {
  type: number;
  transactionId: Uint8Array;
  attributes: Map<number, Uint8Array>;
}

/** Parses any STUN message; undefined for bytes that are not one (wrong cookie, bad lengths). */
export function parseStunMessage(bytes: Uint8Array): StunMessage | undefined {
  if (bytes.byteLength < headerLength) return undefined;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const type = view.getUint16(0);
  const length = view.getUint16(2);
  if ((type & 0xc000) !== 0 || view.getUint32(4) !== magicCookie) return undefined;
  if (length % 4 !== 0 || headerLength + length !== bytes.byteLength) return undefined;
  const attributes = new Map<number, Uint8Array>();
  let offset = headerLength;
  while (offset + 4 <= bytes.byteLength) {
    const attrType = view.getUint16(offset);
    const attrLength = view.getUint16(offset + 2);
    if (offset + 4 + attrLength > bytes.byteLength) return undefined;
    if (!attributes.has(attrType)) {
      attributes.set(attrType, bytes.subarray(offset + 4, offset + 4 + attrLength));
    }
    offset += 4 + Math.ceil(attrLength / 4) * 4;
  }
  return { type, transactionId: bytes.slice(8, 20), attributes };
}

export function buildBindingRequest(transactionId: Uint8Array): Uint8Array {
  return withFingerprint(bindingRequestType, transactionId, []);
}

/** The success response telling the client the address its request came from. */
export function buildBindingSuccess(
  transactionId: Uint8Array,
  mapped: TransportAddress,
): Uint8Array {
  return withFingerprint(bindingSuccessType, transactionId, [
    attribute(xorMappedAddressType, xorAddress(mapped, transactionId)),
  ]);
}

/** XOR-MAPPED-ADDRESS of a Binding response, decoded. */
export function xorMappedAddress(message: StunMessage): TransportAddress | undefined {
  const value = message.attributes.get(xorMappedAddressType);
  if (!value || value.byteLength < 8) return undefined;
  const view = new DataView(value.buffer, value.byteOffset, value.byteLength);
  const port = view.getUint16(2) ^ (magicCookie >>> 16);
  const mask = xorMask(message.transactionId);
  if (value[1] === 0x01) {
    const octets = Array.from(value.subarray(4, 8), (b, i) => b ^ mask[i]);
    return { family: "IPv4", address: octets.join("."), port };
  }
  if (value[1] === 0x02 && value.byteLength >= 20) {
    const bytes = value.subarray(4, 20).map((b, i) => b ^ mask[i]);
    const groups = [];
    for (let i = 0; i < 16; i += 2) groups.push(((bytes[i] << 8) | bytes[i + 1]).toString(16));
    return { family: "IPv6", address: groups.join(":"), port };
  }
  return undefined;
}

/** True when the message's FINGERPRINT attribute is present and right. */
export function hasValidFingerprint(bytes: Uint8Array): boolean {
  if (bytes.byteLength < headerLength + 8) return false;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const at = bytes.byteLength - 8;
  if (view.getUint16(at) !== fingerprintType || view.getUint16(at + 2) !== 4) return false;
  return view.getUint32(at + 4) === ((crc32(bytes.subarray(0, at)) ^ fingerprintXor) >>> 0);
}

function xorMask(transactionId: Uint8Array): Uint8Array {
  const mask = new Uint8Array(16);
  new DataView(mask.buffer).setUint32(0, magicCookie);
  mask.set(transactionId, 4);
  return mask;
}

function xorAddress(mapped: TransportAddress, transactionId: Uint8Array): Uint8Array {
  const raw = mapped.family === "IPv4" ? ipv4Bytes(mapped.address) : ipv6Bytes(mapped.address);
  const value = new Uint8Array(4 + raw.byteLength);
  const view = new DataView(value.buffer);
  value[1] = mapped.family === "IPv4" ? 0x01 : 0x02;
  view.setUint16(2, mapped.port ^ (magicCookie >>> 16));
  const mask = xorMask(transactionId);
  raw.forEach((b, i) => (value[4 + i] = b ^ mask[i]));
  return value;
}

function ipv4Bytes(address: string): Uint8Array {
  const parts = address.split(".").map(Number);
  if (parts.length !== 4 || parts.some((p) => !Number.isInteger(p) || p < 0 || p > 255)) {
    throw new Error(`not an IPv4 address: ${address}`);
  }
  return Uint8Array.from(parts);
}

function ipv6Bytes(address: string): Uint8Array {
  const bytes = new Uint8Array(16);
  let text = address.split("%")[0];
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (dotted) {
    const v4 = ipv4Bytes(dotted[1]);
    text = text.slice(0, -dotted[1].length) +
      `${((v4[0] << 8) | v4[1]).toString(16)}:${((v4[2] << 8) | v4[3]).toString(16)}`;
  }
  const [head, tail] = text.includes("::") ? text.split("::") : [text, undefined];
  const headGroups = head ? head.split(":") : [];
  const tailGroups = tail ? tail.split(":") : [];
  const zeros = tail === undefined ? 0 : 8 - headGroups.length - tailGroups.length;
  const groups = [...headGroups, ...Array(zeros).fill("0"), ...tailGroups];
  if (groups.length !== 8 || groups.some((g) => !/^[0-9a-fA-F]{1,4}$/.test(g))) {
    throw new Error(`not an IPv6 address: ${address}`);
  }
  groups.forEach((g, i) => {
    const n = parseInt(g, 16);
    bytes[2 * i] = n >> 8;
    bytes[2 * i + 1] = n & 0xff;
  });
  return bytes;
}

function attribute(type: number, value: Uint8Array): Uint8Array {
  const out = new Uint8Array(4 + Math.ceil(value.byteLength / 4) * 4);
  const view = new DataView(out.buffer);
  view.setUint16(0, type);
  view.setUint16(2, value.byteLength);
  out.set(value, 4);
  return out;
}

function withFingerprint(type: number, transactionId: Uint8Array, attributes: Uint8Array[]) {
  const bodyLength = attributes.reduce((n, a) => n + a.byteLength, 0);
  const out = new Uint8Array(headerLength + bodyLength + 8);
  const view = new DataView(out.buffer);
  view.setUint16(0, type);
  view.setUint16(2, bodyLength + 8);
  view.setUint32(4, magicCookie);
  out.set(transactionId.subarray(0, 12), 8);
  let offset = headerLength;
  for (const a of attributes) {
    out.set(a, offset);
    offset += a.byteLength;
  }
  view.setUint16(offset, fingerprintType);
  view.setUint16(offset + 2, 4);
  view.setUint32(offset + 4, (crc32(out.subarray(0, offset)) ^ fingerprintXor) >>> 0);
  return out;
}

let crcTable: Uint32Array | undefined;

/** CRC-32 (ISO 3309), as FINGERPRINT uses. */
function crc32(bytes: Uint8Array): number {
  crcTable ??= Uint32Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  let crc = 0xffffffff;
  for (const b of bytes) crc = crcTable[(crc ^ b) & 0xff] ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}
