/** Where a KVS control plane lives for a region. */

const regionPattern = /^[a-z]{2}(-[a-z]+)+-\d+$/;

export function isRegionName(region: string): boolean {
  return regionPattern.test(region);
}

/** `https://kinesisvideo.<region>.amazonaws.com`, `.amazonaws.com.cn` in the China regions. */
export function controlPlaneUrl(region: string): string {
  if (!isRegionName(region)) {
    throw new Error(`"${region}" is not an AWS region name (like us-west-2)`);
  }
  const suffix = region.startsWith("cn-") ? "amazonaws.com.cn" : "amazonaws.com";
  return `https://kinesisvideo.${region}.${suffix}`;
}
