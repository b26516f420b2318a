import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { bodyChunks, maxCopiedPieceBytes } from "../../core/producer/body-chunks.ts";

const bytes = (length: number, fill: number) => new Uint8Array(length).fill(fill);

describe("PutMedia body chunks", () => {
  test("each run of short pieces becomes one chunk; long pieces stay the same views", () => {
    const frame = bytes(1000, 9);
    const picture = frame.subarray(10, 900);
    const pieces = [bytes(1, 1), bytes(2, 2), bytes(4, 3), bytes(4, 4), picture, bytes(3, 5)];
    const chunks = bodyChunks(pieces);
    assert.equal(chunks.length, 3);
    assert.deepEqual([...chunks[0]], [1, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4]);
    assert.ok(chunks[1] === picture, "the frame data is not copied");
    assert.ok(chunks[2] === pieces[5], "a short piece alone is not copied either");
  });

  test("the body's bytes are the pieces' bytes, in order, whatever the sizes", () => {
    const sizes = [0, 5, maxCopiedPieceBytes - 1, maxCopiedPieceBytes, 3, 200, 1, 1];
    const pieces = sizes.map((n, i) => bytes(n, i));
    const joined = (list: Uint8Array[]) => list.flatMap((p) => [...p]);
    assert.deepEqual(joined(bodyChunks(pieces)), joined(pieces));
    assert.deepEqual(bodyChunks([]), []);
  });
});
