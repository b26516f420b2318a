/** Headless Chromium and kvsrtc (from source) in both directions: see the helper. */
import { browserInteropTests } from "../helpers/browser-interop.ts";

browserInteropTests();
