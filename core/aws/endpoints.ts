/** Where a KVS control plane lives for a region. */

const regionPattern = /^[a-z]{2}(-[a-z]+)+-\d+$/;

export function isRegionName(region: string): boolean {
  return regionPattern.test(region);
}

function dnsSuffix(region: string): string {
  return region.startsWith("cn-") ? "amazonaws.com.cn" : "amazonaws.com";
}

/** `https://kinesisvideo.<region>.amazonaws.com`, `.amazonaws.com.cn` in the China regions. */
export function controlPlaneUrl(region: string): string {
  if (!isRegionName(region)) {
    throw new Error(`"${region}" is not an AWS region name (like us-west-2)`);
  }
  return `https://kinesisvideo.${region}.${dnsSuffix(region)}`;
}

/** The regional STUN server the KVS SDKs use: it is not in GetIceServerConfig's answer. */
export function stunUrl(region: string): string {
  return `stun:stun.kinesisvideo.${region}.${dnsSuffix(region)}:443`;
}
