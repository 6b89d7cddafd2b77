/** Number, shape and index wording: one home in protocol/, shared with the kernel's fallbacks. */
export { formatNumber, indexText, shapeText } from "../../../kernel/src/protocol/format";
