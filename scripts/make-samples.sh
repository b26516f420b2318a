#!/usr/bin/env bash
# Makes the built-in sample media in samples/ with ffmpeg: 10 s of 640x480 30 fps H.264
# Constrained Baseline (level 3.1, IDR every second, no B-frames, SPS/PPS ahead of every IDR)
# as one Annex-B file per access unit, and 48 kHz Opus in 20 ms packets, one file per packet.
#
# `make-samples.sh codecs DIR` makes small H.265 and VP8 test sets in DIR instead (made at test
# time, never committed): 3 s of 320x180 30 fps, a keyframe every second, no B-frames, as
# DIR/camera.h265 (Annex-B, x265 Main), DIR/camera.ivf (libvpx VP8) and the same pictures one
# file each in DIR/h265-frames/ and DIR/vp8-frames/ (what `kvsrtc master --source` reads).
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "${1:-}" = codecs ]; then
  out=${2:?usage: make-samples.sh codecs DIR}
  mkdir -p "$out/h265-frames" "$out/vp8-frames"
  pattern=(-f lavfi -i testsrc2=size=320x180:rate=30 -t 3)
  ffmpeg -hide_banner -loglevel error -y "${pattern[@]}" -c:v libx265 \
    -x265-params keyint=30:min-keyint=30:scenecut=0:bframes=0:repeat-headers=1:log-level=error \
    -f hevc "$out/camera.h265"
  ffmpeg -hide_banner -loglevel error -y "${pattern[@]}" -c:v libvpx -g 30 -keyint_min 30 \
    -b:v 400k -f ivf "$out/camera.ivf"
  ffmpeg -hide_banner -loglevel error -y -i "$out/camera.h265" -c:v copy -f image2 \
    "$out/h265-frames/frame-%04d.h265"
  ffmpeg -hide_banner -loglevel error -y -i "$out/camera.ivf" -c:v copy -f image2 \
    "$out/vp8-frames/frame-%04d.vp8"
  du -sh "$out"
  exit 0
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# A moving test pattern so every frame differs. CBR-like rate control keeps the size steady:
# about 1.2 Mbit/s, so the 300 frames stay near 1.5 MB.
ffmpeg -hide_banner -loglevel error -f lavfi -i testsrc2=size=640x480:rate=30 -t 10 \
  -c:v libx264 -profile:v baseline -level:v 3.1 -pix_fmt yuv420p \
  -g 30 -keyint_min 30 -sc_threshold 0 -bf 0 \
  -b:v 1200k -maxrate 1200k -bufsize 600k \
  -x264-params repeat-headers=1 \
  -bsf:v h264_mp4toannexb -f h264 "$tmp/video.h264"

# A tone that changes pitch every half second, so packets differ too.
ffmpeg -hide_banner -loglevel error -f lavfi \
  -i "aevalsrc='0.3*sin(2*PI*(440+220*floor(2*t))*t)':s=48000:c=mono" -t 10 \
  -c:a libopus -b:a 32k -frame_duration 20 -application audio -f ogg "$tmp/audio.opus"

rm -f samples/frame-*.h264 samples/sample-*.opus
mkdir -p samples
node_modules/.bin/bun scripts/split-samples.ts "$tmp/video.h264" "$tmp/audio.opus" samples
du -sh samples
