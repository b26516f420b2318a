/** AWS credentials as every signer and provider in kvsrtc passes them around. */
export interface AwsCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  /** Present for temporary credentials (STS, IoT role alias). */
  sessionToken?: string;
  /** When temporary credentials stop working. */
  expiration?: Date;
}
