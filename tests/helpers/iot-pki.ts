/**
 * Test certificates made at test time with openssl: a device CA, the IoT endpoint's server
 * certificate for 127.0.0.1, a device certificate signed by the CA, and a self-signed "rogue"
 * device certificate that the endpoint must refuse.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface TestPki {
  dir: string;
  caCert: string;
  serverCert: string;
  serverKey: string;
  /** Paths, as a device is configured. */
  caPath: string;
  deviceCertPath: string;
  deviceKeyPath: string;
  rogueCertPath: string;
  rogueKeyPath: string;
  remove(): void;
}

export function makeTestPki(): TestPki {
  const dir = mkdtempSync(join(tmpdir(), "kvsrtc-iot-pki-"));
  const at = (name: string) => join(dir, name);
  const openssl = (...args: string[]) => execFileSync("openssl", args, { stdio: "pipe" });
  const ecKey = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"];
  openssl(
    "req",
    "-x509",
    ...ecKey,
    "-keyout",
    at("ca.key"),
    "-out",
    at("ca.pem"),
    "-days",
    "1",
    "-subj",
    "/CN=kvsrtc test device CA",
  );
  writeFileSync(
    at("server.ext"),
    "subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n",
  );
  writeFileSync(
    at("device.ext"),
    "basicConstraints=CA:FALSE\nkeyUsage=digitalSignature\nextendedKeyUsage=clientAuth\n",
  );
  for (const [name, cn] of [["server", "127.0.0.1"], ["device", "test-thing"]]) {
    openssl(
      "req",
      ...ecKey,
      "-keyout",
      at(`${name}.key`),
      "-out",
      at(`${name}.csr`),
      "-subj",
      `/CN=${cn}`,
    );
    openssl(
      "x509",
      "-req",
      "-in",
      at(`${name}.csr`),
      "-CA",
      at("ca.pem"),
      "-CAkey",
      at("ca.key"),
      "-CAcreateserial",
      "-out",
      at(`${name}.pem`),
      "-days",
      "1",
      "-extfile",
      at(`${name}.ext`),
    );
  }
  openssl(
    "req",
    "-x509",
    ...ecKey,
    "-keyout",
    at("rogue.key"),
    "-out",
    at("rogue.pem"),
    "-days",
    "1",
    "-subj",
    "/CN=test-thing",
    "-addext",
    "extendedKeyUsage=clientAuth",
  );
  return {
    dir,
    caCert: readFileSync(at("ca.pem"), "utf8"),
    serverCert: readFileSync(at("server.pem"), "utf8"),
    serverKey: readFileSync(at("server.key"), "utf8"),
    caPath: at("ca.pem"),
    deviceCertPath: at("device.pem"),
    deviceKeyPath: at("device.key"),
    rogueCertPath: at("rogue.pem"),
    rogueKeyPath: at("rogue.key"),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
