/**
 * How a NAL unit's body (or a VP8 frame) is cut into RTP payloads: as few as the budget allows, of
 * near-equal length (the first ones one byte longer), so no packet is a small leftover.
 */
export function nearEqualLengths(total: number, budget: number): number[] {
  const count = Math.ceil(total / budget);
  const base = Math.floor(total / count);
  const extra = total % count;
  return Array.from({ length: count }, (_, k) => base + (k < extra ? 1 : 0));
}
