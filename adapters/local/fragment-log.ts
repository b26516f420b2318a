/**
 * `--data-dir`: the fragment store written down, per stream an append-only run of segment files
 * of records (fragment-record.ts), `fragments/<hash of the stream ARN>/<first fragment
 * number>.kvsf`. A record is durable once written and flushed (fdatasync); `write` resolves then.
 * Opening scans every segment: a torn or corrupt tail (a crash mid-write) is cut off with a log
 * line, so nothing half-written is served. Fragments leave by whole segments: one is unlinked
 * when the store no longer keeps any of its fragments, which a crash cannot leave half done.
 *
 * Opening loads every fragment into memory (the frame data stay views of each segment's bytes);
 * the store's byte cap bounds that, as it bounds a store without a log.
 */
import { createHash } from "node:crypto";
import {
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  truncateSync,
  unlinkSync,
} from "node:fs";
import { type FileHandle, open } from "node:fs/promises";
import { join } from "node:path";
import { compareFragmentNumbers, type StoredFragment } from "../../core/fragments/fragment.ts";
import type { FragmentLog, RecoveredFragment } from "../../core/fragments/fragment-store.ts";
import { decodeRecord, encodeRecord } from "./fragment-record.ts";
import { syncDirectory } from "./state-file.ts";

/** A new segment is begun once the current one holds this much: what one unlink frees. */
export const defaultSegmentBytes = 16 * 1024 * 1024;

const segmentSuffix = ".kvsf";

interface Segment {
  path: string;
  /** The number of the newest fragment in it. */
  last: string;
  bytes: number;
}

interface StreamFiles {
  dir: string;
  segments: Segment[];
  /** The newest segment, open for appending. */
  handle?: FileHandle;
  /** The stream's operations run one after another, in call order. */
  pending: Promise<void>;
}

export interface FragmentLogOptions {
  onWarning: (line: string) => void;
  segmentBytes?: number;
}

export class FragmentLogFiles implements FragmentLog {
  readonly #root: string;
  readonly #streams: Map<string, StreamFiles>;
  readonly #options: FragmentLogOptions;

  constructor(root: string, streams: Map<string, StreamFiles>, options: FragmentLogOptions) {
    this.#root = root;
    this.#streams = streams;
    this.#options = options;
  }

  write(streamArn: string, fragment: StoredFragment): Promise<void> {
    return this.#queue(streamArn, async (files) => {
      const record = encodeRecord(streamArn, fragment);
      let segment = files.segments.at(-1);
      if (!files.handle || !segment || segment.bytes >= this.#segmentBytes) {
        await files.handle?.close();
        files.handle = undefined;
        mkdirSync(files.dir, { recursive: true });
        const path = join(files.dir, `${fragment.fragmentNumber}${segmentSuffix}`);
        files.handle = await open(path, "a");
        syncDirectory(files.dir);
        syncDirectory(this.#root);
        files.segments.push(segment = { path, last: fragment.fragmentNumber, bytes: 0 });
      }
      try {
        await files.handle.write(record);
        await files.handle.datasync();
      } catch (error) {
        // Take back what may have been written, so that later records do not follow a torn
        // one; the next write begins a new segment.
        await files.handle.truncate(segment.bytes).catch(() => {});
        await files.handle.close().catch(() => {});
        files.handle = undefined;
        throw error;
      }
      segment.bytes += record.length;
      segment.last = fragment.fragmentNumber;
    });
  }

  dropThrough(streamArn: string, fragmentNumber: string): void {
    this.#background(streamArn, async (files) => {
      while (
        files.segments.length > 0 &&
        compareFragmentNumbers(files.segments[0].last, fragmentNumber) <= 0
      ) {
        if (files.segments.length === 1) {
          await files.handle?.close();
          files.handle = undefined;
        }
        unlinkSync(files.segments.shift()!.path);
      }
    });
  }

  deleteStream(streamArn: string): void {
    this.#background(streamArn, async (files) => {
      await files.handle?.close();
      files.handle = undefined;
      files.segments = [];
      rmSync(files.dir, { recursive: true, force: true });
    });
  }

  /** Waits for every pending write and closes the files. */
  async close(): Promise<void> {
    await Promise.all([...this.#streams.values()].map(async (files) => {
      await files.pending;
      await files.handle?.close();
      files.handle = undefined;
    }));
  }

  get #segmentBytes(): number {
    return this.#options.segmentBytes ?? defaultSegmentBytes;
  }

  #queue(streamArn: string, operation: (files: StreamFiles) => Promise<void>): Promise<void> {
    let files = this.#streams.get(streamArn);
    if (!files) {
      files = {
        dir: join(this.#root, streamDirName(streamArn)),
        segments: [],
        pending: Promise.resolve(),
      };
      this.#streams.set(streamArn, files);
    }
    const stream = files;
    const done = stream.pending.then(() => operation(stream));
    stream.pending = done.catch(() => {});
    return done;
  }

  #background(streamArn: string, operation: (files: StreamFiles) => Promise<void>): void {
    this.#queue(streamArn, operation).catch((error) =>
      this.#options.onWarning(
        `fragment log: could not remove fragments of ${streamArn}: ${(error as Error).message}`,
      )
    );
  }
}

/** A stream's directory: ARNs are up to 1024 characters and hold '/' and ':'. */
function streamDirName(streamArn: string): string {
  return createHash("sha256").update(streamArn).digest("hex").slice(0, 32);
}

/** Opens (creating it) the log in `dataDir`: what it held, and the log to go on writing. */
export function openFragmentLog(
  dataDir: string,
  options: FragmentLogOptions,
): { log: FragmentLogFiles; recovered: RecoveredFragment[] } {
  const root = join(dataDir, "fragments");
  mkdirSync(root, { recursive: true });
  const streams = new Map<string, StreamFiles>();
  const recovered: RecoveredFragment[] = [];
  for (const name of readdirSync(root).sort()) {
    const dir = join(root, name);
    if (!statSync(dir).isDirectory()) continue;
    const segments: Segment[] = [];
    let streamArn: string | undefined;
    for (const file of readdirSync(dir).filter((f) => f.endsWith(segmentSuffix)).sort()) {
      const path = join(dir, file);
      const { bytes, fragments, arn } = scanSegment(path, options.onWarning);
      if (fragments.length === 0) {
        unlinkSync(path);
        continue;
      }
      streamArn = arn;
      for (const fragment of fragments) recovered.push({ streamArn: arn, fragment });
      segments.push({ path, last: fragments[fragments.length - 1].fragmentNumber, bytes });
    }
    if (streamArn) streams.set(streamArn, { dir, segments, pending: Promise.resolve() });
  }
  return { log: new FragmentLogFiles(root, streams, options), recovered };
}

/** A segment's whole records; a tail that is not one is cut off the file. */
function scanSegment(path: string, onWarning: (line: string) => void) {
  const file = readFileSync(path);
  // A plain Uint8Array, not a Buffer: the frames read back are views of it.
  const bytes = new Uint8Array(file.buffer, file.byteOffset, file.byteLength);
  const fragments: StoredFragment[] = [];
  let arn = "";
  let offset = 0;
  while (offset < bytes.length) {
    const record = decodeRecord(bytes, offset);
    if ("problem" in record) {
      truncateSync(path, offset);
      onWarning(
        `fragment log: ${path}: cut off its last ${bytes.length - offset} bytes at byte ` +
          `${offset} (${record.problem}): a write that did not finish`,
      );
      break;
    }
    fragments.push(record.fragment);
    arn = record.streamArn;
    offset = record.end;
  }
  return { bytes: offset, fragments, arn };
}
