#!/usr/bin/env bash
# Makes the built-in sample media in samples/ with ffmpeg: 10 s of 640x480 30 fps H.264
# Constrained Baseline (level 3.1, IDR every second, no B-frames, SPS/PPS ahead of every IDR)
# as one Annex-B file per access unit, and 48 kHz Opus in 20 ms packets, one file per packet.
set -euo pipefail
cd "$(dirname "$0")/.."
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
