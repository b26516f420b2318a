/**
 * The local endpoint driven by the official AWS SDK v3 clients through an `endpoint` override:
 * every control-plane, signaling and storage operation, and AWS's typed errors.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  CreateSignalingChannelCommand,
  CreateStreamCommand,
  DeleteSignalingChannelCommand,
  DeleteStreamCommand,
  DescribeMediaStorageConfigurationCommand,
  DescribeSignalingChannelCommand,
  DescribeStreamCommand,
  GetDataEndpointCommand,
  GetSignalingChannelEndpointCommand,
  KinesisVideoClient,
  KinesisVideoServiceException,
  ListSignalingChannelsCommand,
  ListStreamsCommand,
  ResourceInUseException,
  ResourceNotFoundException,
  UpdateMediaStorageConfigurationCommand,
  UpdateSignalingChannelCommand,
  VersionMismatchException,
} from "@aws-sdk/client-kinesis-video";
import {
  GetIceServerConfigCommand,
  KinesisVideoSignalingClient,
  ResourceNotFoundException as SignalingResourceNotFound,
} from "@aws-sdk/client-kinesis-video-signaling";
import {
  InvalidArgumentException as StorageInvalidArgument,
  JoinStorageSessionAsViewerCommand,
  JoinStorageSessionCommand,
  KinesisVideoWebRTCStorageClient,
} from "@aws-sdk/client-kinesis-video-webrtc-storage";
import { type LocalEndpoint, startLocalEndpoint } from "../../adapters/local/mod.ts";
import { signJsonPost } from "../../core/aws/sigv4.ts";
import { rejection } from "../helpers/sdk-errors.ts";

function controlPlane(endpoint: LocalEndpoint, extra: Record<string, unknown> = {}) {
  return new KinesisVideoClient({
    endpoint: endpoint.url,
    region: endpoint.region,
    credentials: endpoint.credentials,
    ...extra,
  });
}

describe("local endpoint control plane, with the AWS SDK v3 clients", () => {
  let endpoint: LocalEndpoint;
  let kvs: KinesisVideoClient;
  const turnSecret = "turn-shared-secret";
  before(async () => {
    endpoint = await startLocalEndpoint({
      hostname: "127.0.0.1",
      port: 0,
      turn: { url: "turn:127.0.0.1:3478", secret: turnSecret },
    });
    kvs = controlPlane(endpoint);
  });
  after(() => endpoint?.stop());

  test("signaling channel: create, describe by name and ARN, list, update, delete", async () => {
    const before = Date.now();
    const { ChannelARN } = await kvs.send(
      new CreateSignalingChannelCommand({
        ChannelName: "cp-channel",
        SingleMasterConfiguration: { MessageTtlSeconds: 30 },
        Tags: [{ Key: "k", Value: "v" }],
      }),
    );
    assert.match(
      ChannelARN!,
      /^arn:aws:kinesisvideo:us-west-2:\d{12}:channel\/cp-channel\/\d{13}$/,
    );
    const byName = await kvs.send(
      new DescribeSignalingChannelCommand({ ChannelName: "cp-channel" }),
    );
    const info = byName.ChannelInfo!;
    assert.equal(info.ChannelARN, ChannelARN);
    assert.equal(info.ChannelType, "SINGLE_MASTER");
    assert.equal(info.ChannelStatus, "ACTIVE");
    assert.equal(info.SingleMasterConfiguration?.MessageTtlSeconds, 30);
    assert.match(info.Version!, /^[a-zA-Z0-9]{20}$/);
    assert.ok(
      info.CreationTime!.getTime() >= before - 1 && info.CreationTime!.getTime() <= Date.now(),
    );
    assert.ok(byName.$metadata.requestId, "x-amzn-RequestId is sent");
    const byArn = await kvs.send(new DescribeSignalingChannelCommand({ ChannelARN }));
    assert.deepEqual(byArn.ChannelInfo, info);

    await kvs.send(new CreateSignalingChannelCommand({ ChannelName: "cp-other" }));
    const listed = await kvs.send(
      new ListSignalingChannelsCommand({
        ChannelNameCondition: { ComparisonOperator: "BEGINS_WITH", ComparisonValue: "cp-" },
        MaxResults: 1,
      }),
    );
    assert.deepEqual(listed.ChannelInfoList?.map((c) => c.ChannelName), ["cp-channel"]);
    const rest = await kvs.send(
      new ListSignalingChannelsCommand({
        NextToken: listed.NextToken,
        MaxResults: 1,
        ChannelNameCondition: { ComparisonOperator: "BEGINS_WITH", ComparisonValue: "cp-" },
      }),
    );
    assert.deepEqual(rest.ChannelInfoList?.map((c) => c.ChannelName), ["cp-other"]);
    assert.equal(rest.NextToken, undefined);

    await kvs.send(
      new UpdateSignalingChannelCommand({
        ChannelARN,
        CurrentVersion: info.Version,
        SingleMasterConfiguration: { MessageTtlSeconds: 90 },
      }),
    );
    const updated = (await kvs.send(new DescribeSignalingChannelCommand({ ChannelARN })))
      .ChannelInfo!;
    assert.equal(updated.SingleMasterConfiguration?.MessageTtlSeconds, 90);
    assert.notEqual(updated.Version, info.Version);
    const stale = await rejection(
      kvs.send(new DeleteSignalingChannelCommand({ ChannelARN, CurrentVersion: info.Version })),
    );
    assert.ok(stale instanceof VersionMismatchException);

    await kvs.send(
      new DeleteSignalingChannelCommand({ ChannelARN, CurrentVersion: updated.Version }),
    );
    const gone = await rejection(kvs.send(new DescribeSignalingChannelCommand({ ChannelARN })));
    assert.ok(gone instanceof ResourceNotFoundException);
    assert.equal(gone.$metadata?.httpStatusCode, 404);
  });

  test("endpoints for both roles and all protocols, ICE servers with STUN and TURN", async () => {
    const { ChannelARN } = await kvs.send(
      new CreateSignalingChannelCommand({ ChannelName: "cp-ep" }),
    );
    for (const Role of ["MASTER", "VIEWER"] as const) {
      const { ResourceEndpointList } = await kvs.send(
        new GetSignalingChannelEndpointCommand({
          ChannelARN,
          SingleMasterChannelEndpointConfiguration: { Protocols: ["WSS", "HTTPS"], Role },
        }),
      );
      assert.deepEqual(ResourceEndpointList, [
        { Protocol: "WSS", ResourceEndpoint: endpoint.url.replace("http:", "ws:") },
        { Protocol: "HTTPS", ResourceEndpoint: endpoint.url },
      ]);
    }
    const signaling = new KinesisVideoSignalingClient({
      endpoint: endpoint.url,
      region: endpoint.region,
      credentials: endpoint.credentials,
    });
    const { IceServerList } = await signaling.send(
      new GetIceServerConfigCommand({ ChannelARN, ClientId: "viewer-1", Service: "TURN" }),
    );
    assert.equal(IceServerList?.length, 2);
    assert.deepEqual(IceServerList![0].Uris, [endpoint.stunUrl]);
    const turn = IceServerList![1];
    assert.deepEqual(turn.Uris, [
      "turn:127.0.0.1:3478?transport=udp",
      "turn:127.0.0.1:3478?transport=tcp",
    ]);
    for (const server of IceServerList!) {
      assert.ok(Number.isInteger(server.Ttl) && server.Ttl! > 30);
      assert.ok(server.Username && server.Password);
    }
    // coturn's REST scheme: <expiry>:<user>, password = base64(HMAC-SHA1(secret, username)).
    const [expiry, user] = turn.Username!.split(":");
    assert.ok(Math.abs(Number(expiry) - (Date.now() / 1000 + 300)) < 5);
    assert.equal(atob(user), `v1:${ChannelARN}`);
    assert.equal(
      turn.Password,
      createHmac("sha1", turnSecret).update(turn.Username!).digest("base64"),
    );
    const missing = await rejection(
      signaling.send(
        new GetIceServerConfigCommand({ ChannelARN: ChannelARN!.replace("cp-ep", "cp-none") }),
      ),
    );
    assert.ok(missing instanceof SignalingResourceNotFound);
  });

  test("streams, media storage, data endpoint and storage-session joins", async () => {
    const { StreamARN } = await kvs.send(
      new CreateStreamCommand({
        StreamName: "cp-stream",
        MediaType: "video/h264",
        DataRetentionInHours: 24,
        DeviceName: "camera-1",
      }),
    );
    assert.match(StreamARN!, /^arn:aws:kinesisvideo:us-west-2:\d{12}:stream\/cp-stream\/\d{13}$/);
    const { StreamInfo } = await kvs.send(new DescribeStreamCommand({ StreamName: "cp-stream" }));
    assert.equal(StreamInfo?.StreamARN, StreamARN);
    assert.equal(StreamInfo?.Status, "ACTIVE");
    assert.equal(StreamInfo?.DataRetentionInHours, 24);
    assert.equal(StreamInfo?.MediaType, "video/h264");
    assert.equal(StreamInfo?.DeviceName, "camera-1");
    const { StreamInfoList } = await kvs.send(new ListStreamsCommand({}));
    assert.ok(StreamInfoList?.some((s) => s.StreamARN === StreamARN));
    const { DataEndpoint } = await kvs.send(
      new GetDataEndpointCommand({ StreamARN, APIName: "PUT_MEDIA" }),
    );
    assert.equal(DataEndpoint, endpoint.url);

    const { ChannelARN } = await kvs.send(
      new CreateSignalingChannelCommand({ ChannelName: "cp-storage" }),
    );
    const storage = new KinesisVideoWebRTCStorageClient({
      endpoint: endpoint.url,
      region: endpoint.region,
      credentials: endpoint.credentials,
    });
    const notMapped = await rejection(
      storage.send(new JoinStorageSessionCommand({ channelArn: ChannelARN })),
    );
    assert.ok(notMapped instanceof StorageInvalidArgument);
    assert.match(notMapped.message, /not mapped to a stream/);
    const webrtcTooEarly = await rejection(
      kvs.send(
        new GetSignalingChannelEndpointCommand({
          ChannelARN,
          SingleMasterChannelEndpointConfiguration: { Protocols: ["WEBRTC"], Role: "MASTER" },
        }),
      ),
    );
    assert.equal(webrtcTooEarly.name, "InvalidArgumentException");

    const before = await kvs.send(new DescribeMediaStorageConfigurationCommand({ ChannelARN }));
    assert.deepEqual(before.MediaStorageConfiguration, { Status: "DISABLED" });
    await kvs.send(
      new UpdateMediaStorageConfigurationCommand({
        ChannelARN,
        MediaStorageConfiguration: { Status: "ENABLED", StreamARN },
      }),
    );
    const enabled = await kvs.send(
      new DescribeMediaStorageConfigurationCommand({ ChannelName: "cp-storage" }),
    );
    assert.deepEqual(enabled.MediaStorageConfiguration, { Status: "ENABLED", StreamARN });
    const { ResourceEndpointList } = await kvs.send(
      new GetSignalingChannelEndpointCommand({
        ChannelARN,
        SingleMasterChannelEndpointConfiguration: {
          Protocols: ["WSS", "HTTPS", "WEBRTC"],
          Role: "MASTER",
        },
      }),
    );
    assert.deepEqual(ResourceEndpointList?.map((e) => e.Protocol), ["WSS", "HTTPS", "WEBRTC"]);
    // A mapped channel joins once its master is connected (tests/integration/storage-*.test.ts);
    // with none, the endpoint's storage peer has no one to offer to, as a master or a viewer.
    const noMaster = await rejection(
      storage.send(new JoinStorageSessionCommand({ channelArn: ChannelARN })),
    );
    assert.equal(noMaster.name, "ResourceNotFoundException");
    assert.match(noMaster.message, /No master is connected/);
    const asViewer = await rejection(
      storage.send(
        new JoinStorageSessionAsViewerCommand({ channelArn: ChannelARN, clientId: "v1" }),
      ),
    );
    assert.equal(asViewer.name, "ResourceNotFoundException", String(asViewer));

    const inUse = await rejection(kvs.send(new DeleteStreamCommand({ StreamARN })));
    assert.ok(inUse instanceof ResourceInUseException);
    await kvs.send(
      new UpdateMediaStorageConfigurationCommand({
        ChannelARN,
        MediaStorageConfiguration: { Status: "DISABLED" },
      }),
    );
    await kvs.send(new DeleteStreamCommand({ StreamARN, CurrentVersion: StreamInfo?.Version }));
    const gone = await rejection(kvs.send(new DescribeStreamCommand({ StreamARN })));
    assert.ok(gone instanceof ResourceNotFoundException);
  });

  test("a duplicate name is ResourceInUseException, a bad name InvalidArgumentException", async () => {
    await kvs.send(new CreateSignalingChannelCommand({ ChannelName: "cp-dup" }));
    const duplicate = await rejection(
      kvs.send(new CreateSignalingChannelCommand({ ChannelName: "cp-dup" })),
    );
    assert.ok(duplicate instanceof ResourceInUseException);
    assert.equal(duplicate.$metadata?.httpStatusCode, 400);
    const badName = await rejection(
      kvs.send(new CreateSignalingChannelCommand({ ChannelName: "has space" })),
    );
    assert.equal(badName.name, "InvalidArgumentException");
    assert.match(
      badName.message,
      /Value 'has space' at 'channelName' failed to satisfy constraint/,
    );
  });

  test("a wrong secret or unknown key is refused with AWS's names, never served", async () => {
    const wrongSecret = controlPlane(endpoint, {
      credentials: { ...endpoint.credentials, secretAccessKey: "wrong" },
      maxAttempts: 1,
    });
    const bad = await rejection(wrongSecret.send(new ListStreamsCommand({})));
    assert.ok(bad instanceof KinesisVideoServiceException);
    assert.equal(bad.name, "InvalidSignatureException");
    assert.equal(bad.$metadata?.httpStatusCode, 403);
    assert.match(bad.message, /^The request signature we calculated does not match/);
    const unknown = controlPlane(endpoint, {
      credentials: { accessKeyId: "AKIDUNKNOWN", secretAccessKey: "x" },
      maxAttempts: 1,
    });
    assert.equal(
      (await rejection(unknown.send(new ListStreamsCommand({})))).name,
      "UnrecognizedClientException",
    );
  });

  test("clock skew over 5 min is refused with AWS's text; the SDK re-syncs from Date", async () => {
    const skewed = controlPlane(endpoint, { systemClockOffset: 10 * 60_000, maxAttempts: 1 });
    const error = await rejection(skewed.send(new ListStreamsCommand({})));
    assert.equal(error.name, "InvalidSignatureException");
    assert.equal(error.$metadata?.httpStatusCode, 403);
    assert.match(error.message, /^Signature not yet current: \d{8}T\d{6}Z is still later than/);
    // The SDK took the server time from the error's Date header; the next call is in time.
    assert.ok(Math.abs(skewed.config.systemClockOffset ?? 0) < 5000);
    await skewed.send(new ListStreamsCommand({}));
    const late = controlPlane(endpoint, { systemClockOffset: -10 * 60_000, maxAttempts: 1 });
    const expired = await rejection(late.send(new ListStreamsCommand({})));
    assert.match(expired.message, /^Signature expired: \d{8}T\d{6}Z is now earlier than/);
  });

  test("an unsigned request is refused with x-amzn-ErrorType, Date and x-amzn-RequestId", async () => {
    const response = await fetch(`${endpoint.url}/listStreams`, { method: "POST", body: "{}" });
    assert.equal(response.status, 403);
    assert.equal(response.headers.get("x-amzn-errortype"), "MissingAuthenticationTokenException");
    assert.ok(response.headers.get("x-amzn-requestid"));
    assert.ok(Math.abs(Date.parse(response.headers.get("date")!) - Date.now()) < 5000);
    assert.deepEqual(await response.json(), { message: "Missing Authentication Token" });
  });

  test("a signed request to a path no service answers is UnknownOperationException", async () => {
    for (const path of ["/noSuchOperation", "/v1/no-such-operation", "/joinStorageSession/x"]) {
      const url = new URL(path, endpoint.url);
      const headers = await signJsonPost({
        url,
        body: "{}",
        credentials: endpoint.credentials,
        region: endpoint.region,
        date: new Date(),
      });
      const response = await fetch(url, { method: "POST", headers, body: "{}" });
      assert.equal(response.status, 404, path);
      assert.equal(response.headers.get("x-amzn-errortype"), "UnknownOperationException");
      assert.deepEqual(await response.json(), { Message: `No operation is served at ${path}.` });
    }
  });
});

describe("local endpoint state and binding rules", () => {
  test("--data-dir keeps channels and streams across a restart", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "kvsrtc-endpoint-"));
    try {
      const first = await startLocalEndpoint({ dataDir });
      const { ChannelARN } = await controlPlane(first).send(
        new CreateSignalingChannelCommand({ ChannelName: "kept" }),
      );
      const { StreamARN } = await controlPlane(first).send(
        new CreateStreamCommand({ StreamName: "kept" }),
      );
      await first.stop();
      const second = await startLocalEndpoint({ dataDir });
      try {
        const kvs = controlPlane(second);
        const channel = await kvs.send(
          new DescribeSignalingChannelCommand({ ChannelName: "kept" }),
        );
        assert.equal(channel.ChannelInfo?.ChannelARN, ChannelARN);
        const stream = await kvs.send(new DescribeStreamCommand({ StreamName: "kept" }));
        assert.equal(stream.StreamInfo?.StreamARN, StreamARN);
      } finally {
        await second.stop();
      }
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  test("binding a non-loopback address without explicit credentials is refused", async () => {
    await assert.rejects(
      startLocalEndpoint({ hostname: "0.0.0.0" }),
      /binding 0\.0\.0\.0 needs explicit credentials/,
    );
  });
});
