/** The Annex-B access-unit splitter for H.264 byte streams. */
import {
  type AccessUnitSplitterOptions,
  AnnexBAccessUnitSplitter,
  type AnnexBSyntax,
} from "../annexb/access-unit-splitter.ts";
import { startsNewAccessUnit } from "./access-unit.ts";
import { isVclNalType, nalType } from "./nal-unit.ts";

export {
  type AccessUnitSplitterOptions,
  defaultMaxAccessUnitBytes,
} from "../annexb/access-unit-splitter.ts";

/** H.264's one header byte, then first_mb_in_slice's first bit. */
export const h264Syntax: AnnexBSyntax = {
  codec: "H.264",
  headBytes: 2,
  isVcl: (bytes, at) => isVclNalType(nalType(bytes[at])),
  startsNewAccessUnit,
};

export class AccessUnitSplitter extends AnnexBAccessUnitSplitter {
  constructor(options: AccessUnitSplitterOptions = {}) {
    super(h264Syntax, options);
  }
}
