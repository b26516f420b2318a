/** RTP timestamps: 32 bits that wrap around, compared as serial numbers (RFC 3550). */

/** True when timestamp `a` comes after `b` (less than half the 32-bit circle ahead). */
export function timestampNewer(a: number, b: number): boolean {
  const ahead = (a - b) >>> 0;
  return ahead !== 0 && ahead < 0x80000000;
}
