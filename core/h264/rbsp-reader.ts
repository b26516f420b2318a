/**
 * Bit reader over a NAL unit's RBSP: skips emulation-prevention bytes (the 03 in 00 00 03) as
 * it goes, and reads fixed-width fields and Exp-Golomb codes (H.264 9.1). H.265 has the same
 * RBSP rules (H.265 7.4.2, 9.2) with a two-byte NAL header, so it reads H.265 too.
 */
export class RbspReader {
  #bytes: Uint8Array;
  #byte: number;
  #bit = 0; // bits of bytes[#byte] already read, from the most significant
  #zeros = 0; // zero bytes just passed, to spot emulation prevention

  /** Reads `bytes` from `start` (by default after the one-byte NAL header). */
  constructor(bytes: Uint8Array, start = 1) {
    this.#bytes = bytes;
    this.#byte = start;
  }

  readBit(): number {
    if (this.#bit === 0) this.#skipEmulationPrevention();
    if (this.#byte >= this.#bytes.length) throw new RangeError("RBSP ended early");
    const bit = (this.#bytes[this.#byte] >> (7 - this.#bit)) & 1;
    if (++this.#bit === 8) {
      this.#zeros = this.#bytes[this.#byte] === 0 ? this.#zeros + 1 : 0;
      this.#bit = 0;
      this.#byte++;
    }
    return bit;
  }

  readBits(count: number): number {
    let value = 0;
    for (let i = 0; i < count; i++) value = value * 2 + this.readBit();
    return value;
  }

  readFlag(): boolean {
    return this.readBit() === 1;
  }

  /** ue(v): unsigned Exp-Golomb. */
  readUe(): number {
    let leadingZeros = 0;
    while (this.readBit() === 0) {
      if (++leadingZeros > 31) throw new RangeError("Exp-Golomb code longer than 32 bits");
    }
    return 2 ** leadingZeros - 1 + this.readBits(leadingZeros);
  }

  /** se(v): signed Exp-Golomb (1, -1, 2, -2, ...). */
  readSe(): number {
    const k = this.readUe();
    return k % 2 === 1 ? (k + 1) / 2 : -(k / 2);
  }

  #skipEmulationPrevention() {
    if (this.#zeros >= 2 && this.#bytes[this.#byte] === 3) {
      this.#byte++;
      this.#zeros = 0;
    }
  }
}
