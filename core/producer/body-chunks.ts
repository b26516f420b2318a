/**
 * The pieces of a PutMedia body as the chunks written into the request: each run of short
 * pieces joined into one. A frame comes as ~6 pieces, 4 of them a few bytes (the SimpleBlock's
 * ID, size and header, an AVCC length), and a streaming fetch body costs per chunk (on Bun,
 * the upload's CPU). Pieces of `maxCopiedPieceBytes` or more, the frame data, stay the views
 * they are; the copies are a few bytes each and live until the chunk is written.
 */

/** Pieces shorter than this are copied into a chunk with their short neighbours. */
export const maxCopiedPieceBytes = 64;

export function bodyChunks(pieces: readonly Uint8Array[]): Uint8Array[] {
  const chunks: Uint8Array[] = [];
  let run: Uint8Array[] = [];
  const endRun = () => {
    if (run.length === 1) chunks.push(run[0]);
    if (run.length > 1) {
      const joined = new Uint8Array(run.reduce((n, p) => n + p.length, 0));
      let at = 0;
      for (const piece of run) {
        joined.set(piece, at);
        at += piece.length;
      }
      chunks.push(joined);
    }
    run = [];
  };
  for (const piece of pieces) {
    if (piece.length < maxCopiedPieceBytes) {
      run.push(piece);
      continue;
    }
    endRun();
    chunks.push(piece);
  }
  endRun();
  return chunks;
}
