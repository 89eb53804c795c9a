export {
  aggregate,
  checkObservations,
  DAILY_METRICS,
  rollUp,
  toDailyValues,
  type Available,
  type DailyMetric,
  type DailyValue,
  type ImportError,
  type ImportResult,
  type Observation,
  type PartialPolicy,
  type PeriodCoverage,
} from './aggregate.js';
export { decodeText, type TextEncoding } from './decode.js';
export {
  camelizeGa4,
  importGa4Report,
  importGa4Reports,
  ga4ReportSchema,
  ga4DateSpan,
  type Ga4Options,
  type Ga4Report,
} from './ga4.js';
export {
  importSycm,
  importSycmFile,
  importSycmFiles,
  importSycmRows,
  isSycmHeader,
  parseSycmDateRange,
  parseSycmDay,
  parseSycmNumber,
  type SycmFile,
  type SycmFileOptions,
  type SycmOptions,
} from './sycm.js';
