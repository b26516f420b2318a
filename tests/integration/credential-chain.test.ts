import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CredentialError, findCredentialSource } from "../../adapters/aws/credential-chain.ts";
import { kvsFailureMessage } from "../../adapters/aws/failure-message.ts";

describe("credentials are found in the order AWS tools use", () => {
  let dir: string;
  let files: Record<string, string>;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), "kvsrtc-aws-files-"));
    writeFileSync(
      join(dir, "credentials"),
      "[default]\naws_access_key_id = AKIDDEFAULT\naws_secret_access_key = s1\n\n" +
        "[dev]\naws_access_key_id = AKIDDEV\naws_secret_access_key = s2\naws_session_token = t2\n",
    );
    writeFileSync(
      join(dir, "config"),
      "[profile fromconfig]\naws_access_key_id = AKIDCONFIG\naws_secret_access_key = s3\n\n" +
        "[profile assumed]\nrole_arn = arn:aws:iam::123456789012:role/x\nsource_profile = default\n",
    );
    files = {
      AWS_SHARED_CREDENTIALS_FILE: join(dir, "credentials"),
      AWS_CONFIG_FILE: join(dir, "config"),
    };
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  const keyOf = async (
    flags: Parameters<typeof findCredentialSource>[0],
    env: Record<string, string>,
  ) => (await (await findCredentialSource(flags, env))?.load())?.accessKeyId;

  test("flags beat the environment, which beats the files", async () => {
    const env = { ...files, AWS_ACCESS_KEY_ID: "AKIDENV", AWS_SECRET_ACCESS_KEY: "e" };
    assert.equal(await keyOf({ accessKeyId: "AKIDFLAG", secretAccessKey: "f" }, env), "AKIDFLAG");
    assert.equal(await keyOf({}, env), "AKIDENV");
    assert.equal(await keyOf({}, files), "AKIDDEFAULT");
  });

  test("--profile beats environment keys; AWS_PROFILE picks a profile; config-file profiles count", async () => {
    const env = { ...files, AWS_ACCESS_KEY_ID: "AKIDENV", AWS_SECRET_ACCESS_KEY: "e" };
    assert.equal(await keyOf({ profile: "dev" }, env), "AKIDDEV");
    assert.equal(await keyOf({}, { ...files, AWS_PROFILE: "dev" }), "AKIDDEV");
    assert.equal(await keyOf({ profile: "fromconfig" }, files), "AKIDCONFIG");
    const dev = await (await findCredentialSource({ profile: "dev" }, files))!.load();
    assert.equal(dev.sessionToken, "t2");
  });

  test("no credentials anywhere gives undefined (the local endpoint is used)", async () => {
    const empty = {
      AWS_SHARED_CREDENTIALS_FILE: join(dir, "none"),
      AWS_CONFIG_FILE: join(dir, "none2"),
    };
    assert.equal(await findCredentialSource({}, empty), undefined);
  });

  test("half-given or unsupported settings are named in the error", async () => {
    await assert.rejects(
      findCredentialSource({ accessKeyId: "A" }, files),
      /--secret-access-key is missing/,
    );
    await assert.rejects(
      findCredentialSource({}, { AWS_SECRET_ACCESS_KEY: "x" }),
      /AWS_ACCESS_KEY_ID is missing/,
    );
    await assert.rejects(
      findCredentialSource({ sessionToken: "t" }, files),
      /--session-token needs/,
    );
    await assert.rejects(
      (await findCredentialSource({ profile: "nope" }, files))!.load(),
      /profile "nope" is not in/,
    );
    await assert.rejects(
      (await findCredentialSource({ profile: "assumed" }, files))!.load(),
      /uses role_arn, which kvsrtc does not support/,
    );
    await assert.rejects(
      findCredentialSource({ iotThingName: "t" }, {}),
      (err: unknown) => {
        assert.ok(err instanceof CredentialError);
        assert.match(
          err.message,
          /--iot-credential-endpoint .*--iot-role-alias .*--iot-cert .*--iot-private-key/,
        );
        assert.equal(kvsFailureMessage(err), err.message, "printed as one line by the CLI");
        return true;
      },
    );
  });

  test("the AWS_IOT_CORE_* variables select the IoT provider", async () => {
    const source = await findCredentialSource({}, {
      AWS_IOT_CORE_CREDENTIAL_ENDPOINT: "abc.credentials.iot.us-west-2.amazonaws.com",
      AWS_IOT_CORE_THING_NAME: "cam1",
      AWS_IOT_CORE_ROLE_ALIAS: "kvs",
      AWS_IOT_CORE_CERT: "/c.pem",
      AWS_IOT_CORE_PRIVATE_KEY: "/k.pem",
      AWS_SHARED_CREDENTIALS_FILE: join(dir, "none"),
    });
    assert.equal(
      source?.description,
      "AWS IoT role alias kvs at abc.credentials.iot.us-west-2.amazonaws.com",
    );
  });
});
