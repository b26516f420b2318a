/**
 * SDP offers as the master reads them: the media sections, then the H.264 format it would
 * answer with. Bad SDP is a plain Error ("not an SDP description", "has no a=mid").
 */
import { chooseH264Format, defaultProfileLevelId } from "../../../core/sdp/h264-format.ts";
import { parseMediaSections } from "../../../core/sdp/offer.ts";
import { mutateText } from "../mutate.ts";
import { chromiumOffer } from "../seeds.ts";
import { type FuzzTarget, isPlainError, showText } from "../target.ts";

/** The seed with its CRLF line ends, with LF ones, and with a section's direction changed. */
const seeds = [
  chromiumOffer,
  chromiumOffer.replaceAll("\r\n", "\n"),
  chromiumOffer.replace("a=recvonly", "a=sendrecv"),
];

export const sdpOffer: FuzzTarget<string> = {
  name: "sdp-offer",
  input: (rng) => mutateText(rng.pick(seeds), rng, rng.pick(seeds)),
  run(sdp) {
    for (const section of parseMediaSections(sdp)) {
      chooseH264Format(section.formats, defaultProfileLevelId);
      chooseH264Format(section.formats, "640032");
    }
  },
  deliberate: isPlainError,
  show: showText,
};
