import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { makeTestPki, type TestPki } from "../helpers/iot-pki.ts";
import {
  type IotCredentialsEndpoint,
  startIotCredentialsEndpoint,
} from "../../adapters/local/iot-credentials.ts";
import { iotCredentialSource } from "../../adapters/aws/iot-credentials-source.ts";

describe("AWS IoT credentials over mutual TLS (local emulation, certificates made now)", () => {
  let pki: TestPki;
  let endpoint: IotCredentialsEndpoint;
  const accepted = new Map<
    string,
    { accessKeyId: string; secretAccessKey: string; sessionToken?: string }
  >();

  before(async () => {
    pki = makeTestPki();
    endpoint = await startIotCredentialsEndpoint({
      tls: { cert: pki.serverCert, key: pki.serverKey, deviceCa: pki.caCert },
      roleAliases: { "kvs-role": { credentialLifetimeSeconds: 2 } },
      thingNames: ["test-thing"],
      acceptedCredentials: accepted,
    });
  });
  after(async () => {
    await endpoint.stop();
    pki.remove();
  });

  const settings = () => ({
    endpoint: endpoint.url,
    thingName: "test-thing",
    roleAlias: "kvs-role",
    certPath: pki.deviceCertPath,
    privateKeyPath: pki.deviceKeyPath,
    caPath: pki.caPath,
  });

  test("a device certificate signed by the device CA gets temporary credentials the endpoint accepts", async () => {
    const credentials = await iotCredentialSource(settings()).load();
    assert.match(credentials.accessKeyId, /^ASIA[A-Z0-9]{16}$/);
    assert.ok(credentials.sessionToken);
    const lifetime = credentials.expiration!.getTime() - Date.now();
    assert.ok(lifetime > 0 && lifetime <= 3000, `lifetime ${lifetime} ms`);
    assert.equal(accepted.get(credentials.accessKeyId)?.sessionToken, credentials.sessionToken);
  });

  test("vended credentials are forgotten once they expire", async () => {
    const credentials = await iotCredentialSource(settings()).load();
    await new Promise((r) => setTimeout(r, credentials.expiration!.getTime() - Date.now() + 700));
    assert.equal(accepted.has(credentials.accessKeyId), false);
  });

  test("a certificate not signed by the device CA is refused in the handshake, with a clear error", async () => {
    const before = endpoint.vended;
    await assert.rejects(
      iotCredentialSource({
        ...settings(),
        certPath: pki.rogueCertPath,
        privateKeyPath: pki.rogueKeyPath,
      }).load(),
      (err: Error) => {
        assert.match(
          err.message,
          /refused the client certificate .*rogue\.pem during the TLS handshake/,
        );
        return true;
      },
    );
    assert.equal(endpoint.vended, before, "nothing vended to the rogue device");
  });

  test("an endpoint certificate the device does not trust is named as such", async () => {
    await assert.rejects(
      iotCredentialSource({ ...settings(), caPath: pki.rogueCertPath }).load(),
      /presented a certificate that is not trusted.*--iot-ca/,
    );
  });

  test("an unknown role alias, an unknown thing and a missing file give the endpoint's reason", async () => {
    await assert.rejects(
      iotCredentialSource({ ...settings(), roleAlias: "nope" }).load(),
      /refused credentials for thing test-thing: HTTP 404 Role alias does not exist/,
    );
    await assert.rejects(
      iotCredentialSource({ ...settings(), thingName: "other" }).load(),
      /HTTP 403 Thing other is not authorized/,
    );
    await assert.rejects(
      iotCredentialSource({ ...settings(), certPath: "/nonexistent/cert.pem" }).load(),
      /cannot read the IoT certificate \/nonexistent\/cert\.pem: ENOENT/,
    );
  });
});
