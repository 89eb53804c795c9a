export {
  aggregate,
  type Available,
  type ImportResult,
  type Observation,
  type PartialPolicy,
  type PeriodCoverage,
} from './aggregate.js';
export { decodeText, type TextEncoding } from './decode.js';
export { importGa4Report, ga4ReportSchema, ga4DateSpan, type Ga4Options, type Ga4Report } from './ga4.js';
export { importSycm, parseSycmDateRange, parseSycmDay, parseSycmNumber, type SycmOptions } from './sycm.js';
