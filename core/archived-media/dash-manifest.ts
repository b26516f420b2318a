/**
 * The DASH manifest (MPD) of a session: one period, one representation of the same fMP4 init
 * and per-fragment segments HLS serves. How AWS lays its MPD out is not documented beyond its
 * resource names; this one lists the fragments as a SegmentList with a SegmentTimeline in ms
 * on the fragments' own timestamps: static with a duration for ON_DEMAND, dynamic (refetched
 * every second, times since the epoch) for LIVE and LIVE_REPLAY until the replay has ended.
 * Audio stays muxed with the video in the one representation, as in the HLS segments; ffmpeg's
 * DASH reader decodes the video of such a representation but not its audio.
 */
import { fragmentTime } from "./playback-request.ts";
import type { PlaybackTrack } from "./playback-tracks.ts";
import { bandwidth, hlsPaths } from "./hls-playlists.ts";
import type { PlaylistWindow, StreamingSession } from "./streaming-session.ts";

export const dashManifestPath = "getDASHManifest.mpd";

const xmlAttribute = (text: string) => text.replace(/&/g, "&amp;").replace(/"/g, "&quot;");
const isoDuration = (ms: number) => `PT${(ms / 1000).toFixed(3)}S`;

export function dashManifest(
  session: StreamingSession,
  token: string,
  tracks: readonly PlaybackTrack[],
  window: PlaylistWindow,
  nowMs: number,
): string {
  const shown = window.listed.slice(window.first);
  const time = (f: (typeof shown)[number]) => fragmentTime(f, session.selector.source);
  const query = `SessionToken=${encodeURIComponent(token)}`;
  const video = tracks.find((t) => t.track.kind === "video")?.track.video;
  const dynamic = !window.ended;
  const firstMs = shown.length ? time(shown[0]) : 0;
  const lastEndMs = shown.length ? time(shown.at(-1)!) + shown.at(-1)!.durationMs : 0;
  const mpd = dynamic
    ? `type="dynamic" availabilityStartTime="1970-01-01T00:00:00Z" publishTime="${
      new Date(nowMs).toISOString()
    }" minimumUpdatePeriod="PT1S" timeShiftBufferDepth="${isoDuration(lastEndMs - firstMs)}"`
    : `type="static" mediaPresentationDuration="${isoDuration(lastEndMs - firstMs)}"`;
  const representation = [
    `id="1"`,
    `codecs="${tracks.map((t) => t.codecString).join(",")}"`,
    `bandwidth="${bandwidth(shown)}"`,
    ...(video ? [`width="${video.width}" height="${video.height}"`] : []),
  ].join(" ");
  return [
    `<?xml version="1.0" encoding="UTF-8"?>`,
    `<MPD xmlns="urn:mpeg:dash:schema:mpd:2011" profiles="urn:mpeg:dash:profile:isoff-live:2011" ` +
    `minBufferTime="PT2S" ${mpd}>`,
    `  <Period id="0" start="PT0S">`,
    `    <AdaptationSet mimeType="video/mp4" segmentAlignment="true" startWithSAP="1">`,
    `      <Representation ${representation}>`,
    // A static presentation starts at its first fragment; a dynamic one on the epoch.
    `        <SegmentList timescale="1000" presentationTimeOffset="${dynamic ? 0 : firstMs}">`,
    `          <Initialization sourceURL="${xmlAttribute(`${hlsPaths.init}?${query}`)}"/>`,
    `          <SegmentTimeline>`,
    ...shown.map((f) => `            <S t="${time(f)}" d="${f.durationMs}"/>`),
    `          </SegmentTimeline>`,
    ...shown.map((f) =>
      `          <SegmentURL media="${
        xmlAttribute(`${hlsPaths.mp4Fragment}?FragmentNumber=${f.fragmentNumber}&${query}`)
      }"/>`
    ),
    `        </SegmentList>`,
    `      </Representation>`,
    `    </AdaptationSet>`,
    `  </Period>`,
    `</MPD>`,
    "",
  ].join("\n");
}
