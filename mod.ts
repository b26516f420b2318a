/** kvsrtc as a library: what another program may import. */
export { runSelfTest, type SelfTestResult } from "./adapters/webrtc/self-test.ts";
export { runtime } from "./adapters/runtime/mod.ts";
export type * from "./adapters/runtime/types.ts";
