export { containsPersonalData, createMasker, type Masker, maskPersonalData, maskPersonalText } from './mask.js';
export { idCheckCharacter, isValidIdNumber } from './id-number.js';
export {
  AMAZON_ORDER_PATTERN,
  DEFAULT_ORDER_PATTERNS,
  JD_ORDER_PATTERN,
  PDD_ORDER_PATTERN,
  TAOBAO_ORDER_PATTERN,
} from './order.js';
export { type MaskOptions, type MaskResult, PII_CLASSES, type PiiClass, type PiiFinding } from './types.js';
export { maskedOffset, maskWithSpans, type Span } from './spans.js';
