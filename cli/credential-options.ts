import type { Options, Values } from "./command.ts";
import type { CredentialFlags } from "../adapters/aws/credential-chain.ts";

/** AWS credential flags, named as the AWS CLI and the KVS C SDK samples name them. */
export const credentialOptions: Options = {
  "access-key-id": {
    type: "string",
    arg: "ID",
    help: "AWS access key id (else AWS_ACCESS_KEY_ID, profiles, IoT)",
  },
  "secret-access-key": {
    type: "string",
    arg: "KEY",
    help: "AWS secret access key (else AWS_SECRET_ACCESS_KEY)",
  },
  "session-token": {
    type: "string",
    arg: "TOKEN",
    help: "session token of temporary credentials (else AWS_SESSION_TOKEN)",
  },
  profile: {
    type: "string",
    arg: "NAME",
    help: "profile in ~/.aws/credentials or config (else AWS_PROFILE)",
  },
  "iot-credential-endpoint": {
    type: "string",
    arg: "HOST",
    help: "AWS IoT credentials endpoint (else AWS_IOT_CORE_CREDENTIAL_ENDPOINT)",
  },
  "iot-thing-name": {
    type: "string",
    arg: "NAME",
    help: "IoT thing name (else AWS_IOT_CORE_THING_NAME)",
  },
  "iot-role-alias": {
    type: "string",
    arg: "ALIAS",
    help: "IoT role alias (else AWS_IOT_CORE_ROLE_ALIAS)",
  },
  "iot-cert": {
    type: "string",
    arg: "FILE",
    help: "device certificate, PEM (else AWS_IOT_CORE_CERT)",
  },
  "iot-private-key": {
    type: "string",
    arg: "FILE",
    help: "device private key, PEM (else AWS_IOT_CORE_PRIVATE_KEY)",
  },
  "iot-ca": {
    type: "string",
    arg: "FILE",
    help: "CA of the IoT endpoint, PEM (else AWS_IOT_CORE_CA_CERT)",
  },
};

/** The credential flags as given; the environment and files are read when a target is resolved. */
export function credentialFlags(values: Values): CredentialFlags {
  const get = (name: string) => values[name] as string | undefined;
  return {
    accessKeyId: get("access-key-id"),
    secretAccessKey: get("secret-access-key"),
    sessionToken: get("session-token"),
    profile: get("profile"),
    iotCredentialEndpoint: get("iot-credential-endpoint"),
    iotThingName: get("iot-thing-name"),
    iotRoleAlias: get("iot-role-alias"),
    iotCert: get("iot-cert"),
    iotPrivateKey: get("iot-private-key"),
    iotCa: get("iot-ca"),
  };
}
