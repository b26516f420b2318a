import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { findNalUnits } from "../../core/h264/nal-unit.ts";
import { hevcDecoderConfigurationRecord, parseHevcDecoderConfig } from "../../core/h265/hvcc.ts";
import { parseH265Sps } from "../../core/h265/sps.ts";
import {
  chooseH265Format,
  defaultH265Format,
  h265FormatParameters,
  h265StreamFormat,
} from "../../core/sdp/h265-format.ts";
import type { RtpFormat } from "../../core/sdp/offer.ts";
import {
  codecStream,
  codecStreamsMissing,
  ffmpegHvcC,
  h265Stream,
} from "./support/codec-streams.ts";

/** The stream's first VPS, SPS and PPS. */
function parameterSets() {
  const stream = h265Stream();
  const [vps, sps, pps] = findNalUnits(stream).slice(0, 3)
    .map((n) => stream.subarray(n.offset, n.offset + n.length));
  return { vps, sps, pps };
}

describe("H.265 SPS, hvcC and fmtp of an x265 stream", { skip: codecStreamsMissing() }, () => {
  test("reads Main profile, Main tier, its level and the size asked for (conformance window)", () => {
    const sps = parseH265Sps(parameterSets().sps);
    // 180 rows are coded as 184 (a multiple of 8) with 4 cropped by the conformance window.
    assert.deepEqual(
      [sps.profileIdc, sps.tierFlag, sps.profileSpace, sps.width, sps.height],
      [1, 0, 0, codecStream.width, codecStream.height],
    );
    assert.ok(sps.levelIdc >= 30 && sps.levelIdc <= 186, `level_idc ${sps.levelIdc}`);
    assert.deepEqual([sps.chromaFormatIdc, sps.bitDepthLuma, sps.bitDepthChroma], [1, 8, 8]);
  });

  test("builds the hvcC record ffmpeg writes into MP4, byte for byte", () => {
    const { vps, sps, pps } = parameterSets();
    assert.deepEqual(hevcDecoderConfigurationRecord(vps, sps, pps), ffmpegHvcC());
  });

  test("parses ffmpeg's hvcC back to its length size and parameter sets", () => {
    const { vps, sps, pps } = parameterSets();
    const config = parseHevcDecoderConfig(ffmpegHvcC());
    assert.equal(config.lengthSize, 4);
    assert.deepEqual(config.parameterSets, [vps, sps, pps]);
  });

  test("the fmtp declares the SPS's profile, tier and level", () => {
    const sps = parseH265Sps(parameterSets().sps);
    assert.equal(
      h265FormatParameters(h265StreamFormat(sps)),
      `profile-id=1;tier-flag=0;level-id=${sps.levelIdc};tx-mode=SRST`,
    );
  });
});

describe("H.265 SPS and hvcC errors", () => {
  test("rejects a NAL unit that is not an SPS, and a truncated SPS, naming the problem", () => {
    assert.throws(() => parseH265Sps(new Uint8Array([0x40, 0x01, 0x0c])), /not an H\.265 SPS.*32/);
    assert.throws(
      () => parseH265Sps(new Uint8Array([0x42, 0x01, 0x01, 0x01, 0x60])),
      /^Error: malformed H\.265 SPS: RBSP ended early$/,
    );
  });

  test("rejects a malformed hvcC with one line saying what is wrong", () => {
    const fail = (bytes: number[], what: RegExp) =>
      assert.throws(() => parseHevcDecoderConfig(new Uint8Array(bytes)), what);
    fail([1, 2, 3], /hvcC.*3 bytes/);
    fail([2, ...new Array(22).fill(0)], /version 2/);
    const header = [1, ...new Array(20).fill(0), 0x03];
    fail([...header, 1, 0xa0, 0, 1, 0, 9, 0x40], /overruns/);
    fail([...header, 0], /no VPS/);
  });

  test("an hvcC record needs a VPS, an SPS and a PPS in their places", () => {
    const nal = (type: number) => new Uint8Array([type << 1, 1, 0]);
    assert.throws(() => hevcDecoderConfigurationRecord(nal(34), nal(33), nal(34)), /needs a VPS/);
    assert.throws(() => hevcDecoderConfigurationRecord(nal(32), nal(33), nal(32)), /needs a PPS/);
  });
});

describe("H.265 formats of an offer (RFC 7798)", () => {
  const format = (payloadType: number, codec: string, fmtp: string): RtpFormat => ({
    payloadType,
    codec,
    clockRate: 90000,
    feedback: [],
    parameters: new Map(
      fmtp.split(";").filter(Boolean).map((p) => p.split("=") as [string, string]),
    ),
  });
  const offer = [
    format(96, "VP8", ""),
    format(104, "H265", "profile-id=2;tier-flag=0;level-id=93"),
    format(106, "H265", "level-id=93;profile-id=1;tier-flag=0;tx-mode=SRST"),
  ];

  test("takes the format of the stream's profile, whatever the offered level", () => {
    const stream = { ...defaultH265Format, levelIdc: 120 };
    assert.equal(chooseH265Format(offer, stream)?.payloadType, 106);
    assert.equal(chooseH265Format(offer, { ...stream, profileIdc: 2 })?.payloadType, 104);
  });

  test("an absent profile-id is Main (1); no format of the profile is none", () => {
    assert.equal(chooseH265Format([format(100, "h265", "")], defaultH265Format)?.payloadType, 100);
    assert.equal(chooseH265Format(offer, { ...defaultH265Format, profileIdc: 4 }), undefined);
  });

  test("before its first SPS a stream declares RFC 7798's defaults", () => {
    assert.equal(
      h265FormatParameters(h265StreamFormat(undefined)),
      "profile-id=1;tier-flag=0;level-id=93;tx-mode=SRST",
    );
  });
});
