/**
 * The KVS stream calls a producer makes, in producer-c's order (spec §6.5): DescribeStream (or
 * CreateStream when asked), GetDataEndpoint, and ListFragments on the producer timestamps
 * after a cut, so fragments the service already has are not sent twice.
 */
import { KvsError } from "../../core/aws/errors.ts";
import { callKvs, type KvsHttpOptions } from "../aws/kvs-http.ts";

export interface StreamInfo {
  name: string;
  arn: string;
  /** 0: the stream keeps nothing (RECEIVED is the last acknowledgement). */
  retentionHours: number;
}

export interface StreamApiOptions extends KvsHttpOptions {
  controlPlaneUrl: string;
}

export interface CreateStreamSettings {
  retentionHours: number;
}

/** ListFragments pages at most this many (the API's own maximum). */
const listPageSize = 1000;

/** ListFragments pages read after one cut: a stream's fragments in a bounded window. */
const maxListPages = 10;

/** Polls of a CREATING stream before giving up (about 10 s). */
const activeWaits = 30;

export class StreamApi {
  readonly #options: StreamApiOptions;

  constructor(options: StreamApiOptions) {
    this.#options = options;
  }

  /**
   * Describes the stream; when missing, creates it if `create` says how, else fails with a
   * line naming the flag. Waits while it is CREATING.
   */
  async describeOrCreate(name: string, create?: CreateStreamSettings): Promise<StreamInfo> {
    let out: Record<string, unknown>;
    try {
      out = await this.#describe(name);
    } catch (err) {
      if (!(err instanceof KvsError) || err.name !== "ResourceNotFoundException") throw err;
      if (!create) {
        throw new KvsError({
          name: err.name,
          message: `stream ${name} not found in ${this.#options.region} (add --create-stream)`,
          operation: err.operation,
          status: err.status,
          cause: err,
        });
      }
      await this.#create(name, create);
      out = await this.#describe(name);
    }
    for (let wait = 0; out.Status === "CREATING" && wait < activeWaits; wait++) {
      await new Promise((r) => setTimeout(r, 300));
      out = await this.#describe(name);
    }
    if (out.Status !== "ACTIVE") {
      throw new KvsError({
        name: "ResourceInUseException",
        message: `stream ${name} in ${this.#options.region} is ${out.Status}, not ACTIVE`,
        operation: "DescribeStream",
        status: 200,
      });
    }
    return {
      name,
      arn: String(out.StreamARN),
      retentionHours: Number(out.DataRetentionInHours) || 0,
    };
  }

  /** The data endpoint of one API of the stream (PUT_MEDIA, LIST_FRAGMENTS). */
  async dataEndpoint(streamArn: string, apiName: "PUT_MEDIA" | "LIST_FRAGMENTS"): Promise<string> {
    const out = await this.#call("GetDataEndpoint", "/getDataEndpoint", {
      StreamARN: streamArn,
      APIName: apiName,
    });
    if (typeof out.DataEndpoint !== "string" || !URL.canParse(out.DataEndpoint)) {
      throw new KvsError({
        name: "SerializationError",
        message: `GetDataEndpoint for ${apiName} answered without a DataEndpoint URL`,
        operation: "GetDataEndpoint",
        status: 200,
      });
    }
    return out.DataEndpoint;
  }

  /** The producer timestamps (ms) of the stream's fragments from `fromMs` to `toMs`. */
  async storedTimecodes(
    dataEndpoint: string,
    streamArn: string,
    fromMs: number,
    toMs: number,
  ): Promise<number[]> {
    const timecodes: number[] = [];
    let nextToken: string | undefined;
    for (let page = 0; page < maxListPages; page++) {
      const out = await callKvs(this.#options, "ListFragments", dataEndpoint, "/listFragments", {
        StreamARN: streamArn,
        MaxResults: listPageSize,
        ...(nextToken ? { NextToken: nextToken } : {
          FragmentSelector: {
            FragmentSelectorType: "PRODUCER_TIMESTAMP",
            TimestampRange: { StartTimestamp: fromMs / 1000, EndTimestamp: toMs / 1000 },
          },
        }),
      });
      for (const f of (out.Fragments ?? []) as Record<string, unknown>[]) {
        if (typeof f?.ProducerTimestamp === "number") {
          timecodes.push(Math.round(f.ProducerTimestamp * 1000));
        }
      }
      nextToken = typeof out.NextToken === "string" ? out.NextToken : undefined;
      if (!nextToken) break;
    }
    return timecodes;
  }

  #describe(name: string) {
    return this.#call("DescribeStream", "/describeStream", { StreamName: name }).then((out) =>
      (out.StreamInfo ?? {}) as Record<string, unknown>
    );
  }

  async #create(name: string, settings: CreateStreamSettings): Promise<void> {
    try {
      await this.#call("CreateStream", "/createStream", {
        StreamName: name,
        DataRetentionInHours: settings.retentionHours,
        MediaType: "video/h264",
      });
    } catch (err) {
      // Made meanwhile by another producer: fine.
      if (!(err instanceof KvsError) || err.name !== "ResourceInUseException") throw err;
    }
  }

  #call(operation: string, path: string, body: Record<string, unknown>) {
    return callKvs(this.#options, operation, this.#options.controlPlaneUrl, path, body);
  }
}
