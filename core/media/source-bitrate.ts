/**
 * The video bitrate a source kvsrtc spawns asks its encoder for, read from its `ffmpeg:` or
 * `gst:` spec: ffmpeg's `-b:v`, or the bitrate property of a GStreamer encoder named in the
 * pipeline. Read conservatively: only forms whose meaning is certain count, and anything
 * ambiguous (two different values, a stream copied rather than encoded, a rate-control mode
 * that ignores the bitrate, an encoder not in the table) gives nothing, so the master says
 * nothing rather than something wrong.
 */

/** A bitrate the source's own arguments name, and the words that named it. */
export interface DeclaredBitrate {
  bps: number;
  /** As the spec wrote it, e.g. "ffmpeg -b:v 1M", "x264enc bitrate=1000". */
  from: string;
}

/** GStreamer encoders whose bitrate property is certain: its name, and bits/s per unit. */
const gstEncoders: Record<string, { property: string; unitBps: number }> = {
  x264enc: { property: "bitrate", unitBps: 1000 },
  x265enc: { property: "bitrate", unitBps: 1000 },
  nvh264enc: { property: "bitrate", unitBps: 1000 },
  vaapih264enc: { property: "bitrate", unitBps: 1000 },
  openh264enc: { property: "bitrate", unitBps: 1 },
  omxh264enc: { property: "target-bitrate", unitBps: 1 },
  vp8enc: { property: "target-bitrate", unitBps: 1 },
};

/** x264enc/x265enc `pass` values that encode to the bitrate (the others aim at a quality). */
const bitratePasses = new Set(["cbr", "0", "pass1", "17", "pass2", "18"]);

/** ffmpeg's SI suffixes (lower-case k too, as ffmpeg takes it). */
const ffmpegSuffixes: Record<string, number> = { "": 1, k: 1e3, K: 1e3, M: 1e6, G: 1e9 };

/** The spec's declared video bitrate; undefined when it names none (or not certainly). */
export function declaredBitrate(spec: string): DeclaredBitrate | undefined {
  const colon = spec.indexOf(":");
  const tool = spec.slice(0, colon);
  const args = spec.slice(colon + 1).trim().split(/\s+/).filter(Boolean);
  if (tool === "ffmpeg") return ffmpegBitrate(args);
  if (tool === "gst") return gstBitrate(args);
  return undefined;
}

function ffmpegBitrate(args: readonly string[]): DeclaredBitrate | undefined {
  let found: DeclaredBitrate | undefined;
  for (let i = 0; i < args.length - 1; i++) {
    const [option, value] = [args[i], args[i + 1]];
    if (/^-(c|codec|vcodec|c:v|codec:v)$/.test(option) && value === "copy") return undefined;
    if (option !== "-b:v" && option !== "-b:v:0") continue;
    const match = /^(\d+(?:\.\d+)?)([kKMG]?)$/.exec(value);
    if (!match) return undefined;
    const bps = Number(match[1]) * ffmpegSuffixes[match[2]];
    if (found && found.bps !== bps) return undefined; // outputs at different rates
    found = { bps, from: `ffmpeg ${option} ${value}` };
  }
  return found && found.bps > 0 ? found : undefined;
}

function gstBitrate(args: readonly string[]): DeclaredBitrate | undefined {
  let found: DeclaredBitrate | undefined;
  for (let i = 0; i < args.length; i++) {
    if (!Object.hasOwn(gstEncoders, args[i])) continue;
    const encoder = gstEncoders[args[i]];
    const properties = new Map<string, string>();
    for (let k = i + 1; k < args.length && args[k] !== "!"; k++) {
      const equals = args[k].indexOf("=");
      if (equals > 0) properties.set(args[k].slice(0, equals), args[k].slice(equals + 1));
    }
    const pass = properties.get("pass");
    if (pass !== undefined && !bitratePasses.has(pass)) return undefined;
    const value = properties.get(encoder.property);
    if (value === undefined) continue; // its default: not named, so not said
    if (found || !/^\d+$/.test(value)) return undefined; // two encoders, or not a number
    found = {
      bps: Number(value) * encoder.unitBps,
      from: `${args[i]} ${encoder.property}=${value}`,
    };
  }
  return found && found.bps > 0 ? found : undefined;
}
