/** The Annex-B access-unit splitter for H.265 byte streams (.h265/.hevc files, pipes). */
import {
  type AccessUnitSplitterOptions,
  AnnexBAccessUnitSplitter,
  type AnnexBSyntax,
} from "../annexb/access-unit-splitter.ts";
import { startsNewH265AccessUnit } from "./access-unit.ts";
import { h265NalType, isH265VclType } from "./nal-unit.ts";

/** H.265's two header bytes, then first_slice_segment_in_pic_flag. */
export const h265Syntax: AnnexBSyntax = {
  codec: "H.265",
  headBytes: 3,
  isVcl: (bytes, at) => isH265VclType(h265NalType(bytes[at])),
  startsNewAccessUnit: startsNewH265AccessUnit,
};

export class H265AccessUnitSplitter extends AnnexBAccessUnitSplitter {
  constructor(options: AccessUnitSplitterOptions = {}) {
    super(h265Syntax, options);
  }
}
