import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { presignSignalingUrl, signJsonPost } from "../../core/aws/sigv4.ts";

// Published vectors (spec §8.1, §8.2): the example keys from the AWS documentation.
const credentials = {
  accessKeyId: "AKIDEXAMPLE",
  secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
};
const date = new Date("2024-01-01T00:00:00Z");
const channelArn = "arn:aws:kinesisvideo:us-west-2:123456789012:channel/test/1234567890123";

describe("SigV4 signing matches the published KVS test vectors", () => {
  test("a DescribeSignalingChannel POST gets the vector's signed headers and signature", async () => {
    const headers = await signJsonPost({
      url: new URL("https://kinesisvideo.us-west-2.amazonaws.com/describeSignalingChannel"),
      body: '{"ChannelName":"test"}',
      credentials,
      region: "us-west-2",
      date,
    });
    assert.equal(headers["x-amz-date"], "20240101T000000Z");
    assert.equal(
      headers["x-amz-content-sha256"],
      "246acc605013cc32b2866ba0a2a99432450c47cf1f727ac93aa8092457237a1f",
    );
    assert.equal(
      headers.authorization,
      "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20240101/us-west-2/kinesisvideo/aws4_request, " +
        "SignedHeaders=content-length;content-type;host;x-amz-content-sha256;x-amz-date, " +
        "Signature=3e6ea187c64eddcf23e3f7c0a6a4a5ef17f1f3ba0471fa6bf1e89d2ea2b73fca",
    );
    assert.equal(headers.host, undefined, "fetch sets host itself");
  });

  test("a viewer's presigned WebSocket URL equals the vector, byte for byte", async () => {
    const url = await presignSignalingUrl({
      endpoint: "wss://v-1234abcd.kinesisvideo.us-west-2.amazonaws.com",
      channelArn,
      clientId: "viewer1",
      credentials,
      region: "us-west-2",
      date,
      expiresInSeconds: 299,
    });
    assert.equal(
      url,
      "wss://v-1234abcd.kinesisvideo.us-west-2.amazonaws.com/?X-Amz-Algorithm=AWS4-HMAC-SHA256" +
        "&X-Amz-ChannelARN=arn%3Aaws%3Akinesisvideo%3Aus-west-2%3A123456789012%3Achannel%2Ftest%2F1234567890123" +
        "&X-Amz-ClientId=viewer1" +
        "&X-Amz-Credential=AKIDEXAMPLE%2F20240101%2Fus-west-2%2Fkinesisvideo%2Faws4_request" +
        "&X-Amz-Date=20240101T000000Z&X-Amz-Expires=299" +
        "&X-Amz-Signature=c409ea003604b5cf17d13afd558b7cda430c9312c243e3632929f108f647b471" +
        "&X-Amz-SignedHeaders=host",
    );
  });

  test("a master's URL signs the session token inside the query and has no client id", async () => {
    const url = new URL(
      await presignSignalingUrl({
        endpoint: "wss://m-1234abcd.kinesisvideo.us-west-2.amazonaws.com",
        channelArn,
        credentials: { ...credentials, sessionToken: "TOKEN/with+chars=" },
        region: "us-west-2",
        date,
        expiresInSeconds: 299,
      }),
    );
    assert.equal(url.searchParams.get("X-Amz-Security-Token"), "TOKEN/with+chars=");
    assert.equal(url.searchParams.has("X-Amz-ClientId"), false);
    assert.equal(
      url.searchParams.get("X-Amz-Signature"),
      "bd54367331f1f27cf039417b63049eb8cb48c71482b1decde1d05be09683d258",
    );
    assert.match(url.search, /X-Amz-Security-Token=TOKEN%2Fwith%2Bchars%3D/);
  });

  test("expiry is clamped to SigV4's 1 s .. 7 days and a port is kept in host and URL", async () => {
    const sign = (expiresInSeconds: number) =>
      presignSignalingUrl({
        endpoint: "ws://127.0.0.1:4567",
        channelArn,
        credentials,
        region: "us-west-2",
        date,
        expiresInSeconds,
      });
    const long = new URL(await sign(10 * 86400));
    assert.equal(long.searchParams.get("X-Amz-Expires"), "604800");
    assert.equal(long.host, "127.0.0.1:4567");
    assert.equal(new URL(await sign(0.2)).searchParams.get("X-Amz-Expires"), "1");
    assert.notEqual(
      long.searchParams.get("X-Amz-Signature"),
      new URL(
        await presignSignalingUrl({
          endpoint: "ws://127.0.0.1:4568",
          channelArn,
          credentials,
          region: "us-west-2",
          date,
          expiresInSeconds: 604800,
        }),
      ).searchParams.get("X-Amz-Signature"),
      "the port is part of the signed host",
    );
  });

  test("an endpoint that already has a query is refused", async () => {
    await assert.rejects(
      presignSignalingUrl({
        endpoint: "wss://m.example/?x=1",
        channelArn,
        credentials,
        region: "us-west-2",
        date,
        expiresInSeconds: 60,
      }),
      /must not have a query/,
    );
  });
});
