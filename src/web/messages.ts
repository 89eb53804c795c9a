/**
 * The console's one message catalogue: every label in Simplified Chinese (the default) and English.
 * Templates take text only from here (`t('key', {param})`); numbers and dates go through `formatter`
 * (万/亿 for large numbers in Chinese).
 */

import { parseAppealAccepted, systemReasonCode } from '../audit/reasons.js';
import { parseWhy } from '../kpi/approval.js';
import { DATA_MESSAGES } from './messages-data.js';

export const LANGS = ['zh-CN', 'en'] as const;
export type Lang = (typeof LANGS)[number];

const M = {
  'app.name': ['KPI 校准台', 'KPI Calibrator'],
  'nav.main': ['主导航', 'Main navigation'],
  'nav.ratings': ['评分排行', 'Ratings'],
  'nav.reviews': ['评价', 'Reviews'],
  'nav.sla': ['时效看板', 'SLA board'],
  'nav.hr': ['人力资源', 'HR desk'],
  skip: ['跳到正文', 'Skip to content'],
  signout: ['退出登录', 'Sign out'],
  'lang.other': ['English', '中文'],
  'lang.otherCode': ['en', 'zh-CN'],
  'login.title': ['登录', 'Sign in'],
  'login.key': ['API 密钥', 'API key'],
  'login.hint': [
    '请使用质检主管（cs_lead）、人力资源（hr）、管理员（admin）或客服本人（agent）的 API 密钥登录。',
    'Sign in with an API key of scope cs_lead, hr, admin or agent (an agent’s own key).',
  ],
  'login.submit': ['登录', 'Sign in'],
  'login.bad': ['密钥无效或已被吊销。', 'The key is unknown or revoked.'],
  'login.noConsole': ['该密钥（scorer）无权使用控制台。', 'This key (scorer) has no access to the console.'],
  'login.throttled': ['登录尝试过多，请稍后再试。', 'Too many sign-in attempts; try again later.'],
  'error.rateLimited': ['请求过于频繁，请稍后再试。', 'Too many requests; try again in a moment.'],
  'login.expired': ['会话已过期，请重新登录。', 'Your session expired; please sign in again.'],
  'logout.title': ['退出登录', 'Sign out'],
  'logout.confirm': ['确定退出控制台吗？', 'Sign out of the console?'],
  'error.title': ['出错了', 'Something went wrong'],
  'error.csrf': ['表单已失效，请刷新页面后重试。', 'The form has expired; reload the page and try again.'],
  'error.forbidden': ['您的密钥无权查看此页面。', 'Your key may not see this page.'],
  'error.notFound': ['未找到：{what}', 'Not found: {what}'],
  'error.badRequest': ['请求参数有误：{detail}', 'Invalid request: {detail}'],
  'error.server': ['服务器错误，请稍后重试。', 'Server error; please try again later.'],
  'error.back': ['返回上一页', 'Back to the previous page'],
  // what was not found, by the service's noun (notFoundText)
  'what.employee': ['员工', 'employee'],
  'what.role': ['岗位', 'role'],
  'what.review': ['评价', 'review'],
  'what.job': ['任务', 'job'],
  'what.model version': ['模型版本', 'model version'],
  'what.weight profile': ['权重方案', 'weight profile'],
  'what.calendar event': ['营销活动', 'calendar event'],
  'what.payout preview': ['提成预览', 'payout preview'],
  'what.override request': ['调整申请', 'override request'],
  'what.appeal': ['申诉', 'appeal'],
  'what.metric': ['指标', 'metric'],
  'what.API key': ['API 密钥', 'API key'],
  // an override that is not there (a revert of none): NotFoundError's own words, in Chinese with the metric's name
  'notFound.override': [
    '目标调整：{name}，{employee}（{role}，{period}）',
    'an override of {metric} for {employee} ({role}, {period})',
  ],
  // a form field's error (fieldErrors): the field by its label, the rule in the page's language
  'field.error': ['{field}（{detail}）', '{field}: {detail}'],
  'field.sep': ['；', '; '],
  'field.required': ['必填', 'required'],
  'field.atLeast': ['至少 {n} 个字符', 'at least {n} characters'],
  'field.atMost': ['最多 {n} 个字符', 'at most {n} characters'],
  'field.number': ['须为数字', 'a number'],
  'field.min': ['不小于 {n}', 'at least {n}'],
  'field.max': ['不大于 {n}', 'at most {n}'],
  'field.beforeStart': ['早于开始日期', 'before the start date'],
  'field.reason': ['原因', 'Reason'],
  'field.value': ['目标值', 'Target value'],
  'field.period': ['周期', 'Period'],
  'field.name': ['名称', 'Name'],
  'field.scopes': ['权限', 'Scopes'],
  'field.id': ['编号', 'Id'],
  'field.starts_on': ['开始日期', 'Starts on'],
  'field.ends_on': ['结束日期', 'Ends on'],
  'field.role': ['岗位', 'Role'],
  'field.metric': ['指标', 'Metric'],
  'field.text': ['评价文本', 'Text'],
  'field.review': ['评价编号', 'Review id'],
  'field.month': ['月份', 'Month'],
  'field.profile': ['权重方案', 'Weight profile'],
  'field.employee_id': ['员工工号', 'Employee id'],
  'field.agent_id': ['绑定客服', 'Agent'],
  'field.kind': ['类型', 'Kind'],
  'field.scope': ['范围', 'Scope'],
  'field.sales': ['销售权重', 'Sales weight'],
  'field.efficiency': ['效率权重', 'Efficiency weight'],
  'field.customer_experience': ['客户体验权重', 'Customer-experience weight'],
  'field.innovation': ['创新权重', 'Innovation weight'],
  'field.version': ['快照版本', 'Snapshot version'],
  'field.attribution': ['归属', 'Attribution'],
  'field.appeal': ['申诉编号', 'Appeal'],
  'field.decision': ['处理', 'Decision'],
  'field.state': ['状态', 'State'],
  'field.before': ['翻页位置', 'Page'],
  'field.from': ['起始日期', 'From'],
  'field.to': ['截止日期', 'To'],
  'field.sentiment': ['情感', 'Sentiment'],
  'field.employee': ['员工', 'Employee'],
  // several fields with one rule ("kind, scope: required")
  'field.and': ['、', ', '],
  // ── rule texts of the console's forms and the services behind them (FIELD_RULES, REFUSAL_RULES):
  // the English words are the server's own text, so an English page reads exactly what the API says ──
  'rule.between': ['{min}–{max} 个字符', '{min} to {max} characters'],
  'rule.oneOf': ['须为以下之一：{list}', 'Invalid option: expected one of {raw}'],
  'rule.pattern': ['格式不符（须匹配 {pattern}）', 'Invalid string: must match pattern {pattern}'],
  'rule.expectedAny': ['须为 {list} 或 {last} 之一', 'expected {raw} or {last}'],
  'rule.oneOrMore': ['须为以下一项或多项：{list}', 'one or more of {raw}'],
  'rule.day': ['须为 YYYY-MM-DD 格式的日期', 'expected YYYY-MM-DD'],
  'rule.month': ['须为 YYYY-MM 格式的月份', 'expected YYYY-MM'],
  'rule.lowerId': ['须为小写编号（{chars}）', 'expected a lower-case id ({chars})'],
  'rule.periodKind': ['须为周、月或季度（如 2026-W07、2026-03、2026-Q1）', 'expected a week, month or quarter'],
  'rule.notPeriodKind': ['{value} 不是周、月或季度', '{value} is not a week, month or quarter'],
  'rule.nulOrSurrogate': ['含有 NUL 字符或孤立的代理字符', 'holds a NUL or a lone surrogate'],
  'rule.nul': ['第 {pos} 个字符处含有 NUL 字符（U+0000）', 'contains a NUL character (U+0000) at position {pos}'],
  'rule.surrogate': [
    '第 {pos} 个字符处含有孤立的 UTF-16 代理字符（U+{code}）',
    'contains a lone UTF-16 surrogate (U+{code}) at position {pos}',
  ],
  'rule.noEmployee': ['没有员工 {id}', "no employee '{id}'"],
  'rule.sycmEmployee': ['生意参谋导出必须填写', 'required for a 生意参谋 export'],
  'rule.notPeriod': [
    '“{value}”不是考核周期（ISO 周如 2026-W07、月份如 2026-03 或季度如 2026-Q1）',
    "'{value}' is not a period (ISO week 2026-W07, month 2026-03 or quarter 2026-Q1)",
  ],
  'rule.expectedPeriod': ['须为周、月或季度：“{value}”', "expected a week, month or quarter: '{value}'"],
  'rule.notClosed': ['{role} 的 {period} 尚未关账', '{period} is not closed for {role}'],
  'rule.notClosedPayroll': [
    '{role} 的 {period} 尚未关账：请先关账再导出薪酬文件',
    '{period} is not closed for {role}: close it before exporting payroll',
  ],
  'rule.closedTargets': [
    '{role} 的 {period} 已关账：请先重新打开再修改其目标',
    '{period} is closed for {role}: reopen it before changing its targets',
  ],
  'rule.closedApprove': [
    '{role} 的 {period} 已关账：请先重新打开再批准对其目标的调整',
    '{period} is closed for {role}: reopen it before approving a change of its targets',
  ],
  'rule.outside': ['{value} 超出{name}的取值范围 {min}–{max}', '{value} is outside {min}–{max} for {metric}'],
  'rule.selfApproval': [
    '提交这项调整的密钥不能批准或驳回它，须由另一把人力资源密钥审批',
    'the key that requested this override cannot approve or reject it: a second HR key must',
  ],
  'rule.requestDecided': ['调整申请 {id} 已{word}', 'override request {id} is {state} already'],
  'rule.agentCombined': ['agent 权限不能与其他权限同时使用', 'the agent scope cannot be combined with other scopes'],
  'rule.agentNeedsId': [
    'agent 权限的密钥须填写绑定客服（该密钥所属的员工）',
    'a key with the agent scope needs agent_id (the employee it belongs to)',
  ],
  'rule.agentIdOnly': ['只有 agent 权限的密钥才能绑定客服', 'agent_id is only for a key with the agent scope'],
  'rule.noAgentToAppeal': ['评价 {id} 没有归属的客服，无法申诉', "review '{id}' has no agent to appeal for"],
  'rule.appealPending': ['评价 {id} 已有待处理的申诉', "review '{id}' already has a pending appeal"],
  'rule.notOwnReview': [
    '评价 {id} 不计入这把密钥的客服；agent 密钥只能申诉自己的评价',
    "review '{id}' is not charged to this key's agent; an agent key appeals only its own reviews",
  ],
  'rule.notDay': ['不是日历上的日期', 'not a calendar day'],
  'rule.appealDecided': ['申诉 {id} 已{word}', 'appeal {id} was already {state}'],
  'rule.noJob': [
    '列表中没有任务 {id}（请使用上一页的 next_before）',
    'no job {id} in this list (send the next_before of the previous page)',
  ],
  // the decided states in those refusals
  'rule.state.approved': ['批准', 'approved'],
  'rule.state.rejected': ['驳回', 'rejected'],
  'rule.state.accepted': ['采纳', 'accepted'],
  // an upload's or the override import's row reasons (upload.ts `refusal`)
  'rule.columnMissing': ['表头缺少此列（表头为：{cols}）', 'column missing from the CSV header (header has: {cols})'],
  'rule.columnMissingSheet': ['表头缺少此列（{sheet}）', 'column missing from the header ({sheet})'],
  'rule.noRows': ['表头下没有数据行', 'no data rows under the header'],
  'rule.notNumber': ['不是数字：{value}', 'not a number: {value}'],
  'rule.requiredWithValue': ['填写了调整值时必填', 'required with an override_value'],
  'rule.sameOverride': ['与第 {row} 行的调整重复', 'the same override as row {row}'],
  'rule.unknownRole': ['未知岗位 {id}', 'unknown role {id}'],
  'rule.unknownMetric': ['未知指标 {id}', 'unknown metric {id}'],
  'rule.unknownEmployee': ['未知员工 {id}', 'unknown employee {id}'],
  // the upload rows' field rules (src/ingest/fields.ts, src/ingest/references.ts, src/history/repository.ts)
  'rule.isRequired': ['必填', 'is required'],
  'rule.notEmpty': ['不能为空', 'must not be empty'],
  'rule.atMostChars': ['最多 {n} 个字符', 'must be at most {n} characters'],
  'rule.finite': ['须为有限的数', 'must be finite'],
  'rule.mustBetween': ['须在 {min} 与 {max} 之间', 'must be between {min} and {max}'],
  'rule.gotNumber': ['须为数字，实际为 {got}', 'expected a number, got {got}'],
  'rule.gotText': ['须为文本，实际为 {got}', 'expected text, got {got}'],
  'rule.gotPeriod': ['须为考核周期，实际为 {got}', 'expected a period, got {got}'],
  'rule.gotIsoPeriod': [
    '须为 ISO 周（2026-W07）、月份（2026-03）或季度（2026-Q1），实际为 {got}',
    'expected an ISO week (2026-W07), month (2026-03) or quarter (2026-Q1), got {got}',
  ],
  'rule.gotDate': ['须为 YYYY-MM-DD 格式的日期，实际为 {got}', 'expected a date YYYY-MM-DD, got {got}'],
  'rule.gotRealDate': [
    '须为日历上存在的日期（YYYY-MM-DD），实际为 {got}',
    'expected a real date YYYY-MM-DD, got {got}',
  ],
  'rule.gotTimestamp': ['须为时间戳，实际为 {got}', 'expected a timestamp, got {got}'],
  'rule.gotIsoTimestamp': [
    '须为 ISO 8601 时间戳（如 {example}），实际为 {got}',
    'expected an ISO 8601 timestamp such as {example}, got {got}',
  ],
  'rule.notRealTime': ['不是真实存在的时间', 'is not a real time'],
  'rule.gotStars': ['须为 1–5 的整数，实际为 {got}', 'expected a whole number 1–5, got {got}'],
  'rule.stars': ['须为 1–5 的整数', 'expected a whole number 1–5'],
  'rule.unknownRoleSee': ['未知岗位 {id}（见 {see}）', "unknown role '{id}' (see {see})"],
  'rule.unknownMetricSee': ['未知指标 {id}（见 {see}）', "unknown metric '{id}' (see {see})"],
  'rule.unknownEmployeeRegister': [
    '未知员工 {id}（请先用 POST /v1/employees 登记）',
    "unknown employee '{id}' (register it with POST /v1/employees)",
  ],
  'rule.outsideUnit': [
    '{value} 超出{name}的取值范围 {min}–{max}（单位 {unit}{hint}）',
    '{value} is outside {min}–{max} for {metric} (unit {unit}{rest})',
  ],
  'rule.ratioHint': ['：3.25% 请填 0.0325', ': send 0.0325 for 3.25 %'],
  'rule.wrongRole': ['员工 {id} 的岗位是 {role}，不是 {asked}', 'employee {id} has role {role}, not {asked}'],
  // the rarer importer reasons: 生意参谋 / GA4 files, workbooks and zips, CSV and JSON bodies
  'rule.notJson': ['不是有效的 JSON：{detail}', 'not {valid}JSON: {detail}'],
  'rule.csvAt': ['CSV 格式有误（第 {line} 行）：{detail}', 'malformed CSV at line {line}: {detail}'],
  'rule.csv.quoteNotClosed': [
    '第 {open} 行开始的引号没有闭合',
    'Quote Not Closed: the parsing is finished with an opening quote (opened at line {open})',
  ],
  'rule.csv.closingGot': [
    '闭合引号后应为逗号、换行或空格，实际为 {got}',
    'Invalid Closing Quote: got {got} instead of a comma, a line end or a space',
  ],
  'rule.csv.closingSpace': [
    '闭合引号后出现了空格以外的字符',
    'Invalid Closing Quote: found a character that is not a space after the quote',
  ],
  'rule.csv.opening': [
    '字段中间出现了引号，该值为 {value}',
    'Invalid Opening Quote: a quote in the middle of a field, value is {value}',
  ],
  'rule.notUtf8At': [
    '第 {line} 行（字节位置 {byte}）不是有效的 UTF-8；GBK 编码的文件请在“CSV 编码”中选择 GBK',
    'the body is not valid UTF-8 at byte {byte} (line {line}); send charset=gbk for GBK exports',
  ],
  'rule.utf8Cut': [
    '文件在第 {line} 行以不完整的 UTF-8 字符结尾',
    'the body ends inside a UTF-8 sequence (line {line})',
  ],
  'rule.jsonShape': [
    'JSON 须为各行组成的数组，或含 "rows" 数组的对象',
    'expected a JSON array of rows, or an object with a "rows" array',
  ],
  'rule.rowObject': ['每行须为带字段名的对象', 'expected an object with named fields'],
  'rule.duplicateRow': ['与第 {row} 行重复（{fields} 相同）', 'duplicates row {row} (same {fields})'],
  'rule.noRowsIn': ['文件中没有可导入的数据行', 'no {what} in the request'],
  'rule.tooLarge': ['文件超过上限 {n} 字节（BODY_LIMIT）', 'request body exceeds the limit of {n} bytes (BODY_LIMIT)'],
  'rule.isBefore': ['早于{when}', 'is before {field}'],
  'rule.when.created_at': ['评价时间（created_at）', 'created_at'],
  'rule.when.opened_at': ['退货发起时间（opened_at）', 'opened_at'],
  'rule.noDateColumn': ['缺少必需的列：统计日期{hint}', 'missing required column 统计日期{rest}'],
  'rule.noHeaderHint': [
    '（未找到表头行：表头须含“统计日期”及支付金额、访客数、支付买家数等已知列，且不含日期或数字）',
    '',
  ],
  'rule.noMetricColumn': [
    '没有可用的指标列（表头为：{cols}）；可识别的列：{known}',
    'no usable metric column among {cols}; known: {known}',
  ],
  'rule.shopNotIn': [
    '导出文件中没有店铺“{shop}”；文件中的店铺：{shops}',
    'shop "{shop}" not in the export; shops found: {raw}',
  ],
  'rule.shopNone': ['无', 'none'],
  'rule.shops': [
    '导出文件含 {n} 个店铺（{shops}）：请在“店铺”中填写其中一个，逐个导入',
    'the export holds {n} shops ({shops}); import one at a time with shop=<name>',
  ],
  'rule.shopNoColumn': [
    '填写了店铺“{shop}”，但导出文件中没有“店铺名称 / 店铺名”列',
    'shop "{shop}" given but the export has no 店铺名称 / 店铺名 column',
  ],
  'rule.scientificId': [
    '{id} 是科学计数法形式的 ID（Excel 保存 CSV 时会把长数字四舍五入）：其数字已丢失，不同商品会被混为一个；请重新导出，或在保存前把该列设为文本格式',
    '{id} is an ID in scientific notation (Excel rounds long numbers when it saves CSV): its digits are lost and items would collide; export again, or format the column as text before saving',
  ],
  'rule.emptyItem': ['商品ID 为空', 'empty 商品ID'],
  'rule.badDate': ['日期无效：{value}', 'bad {dim}: {value}'],
  'rule.badDim': ['{dim} 的值无效：{value}', 'bad {dim}: {value}'],
  'rule.negative': ['不能为负数：{value}', 'negative: {value}'],
  'rule.rateAbove': ['比率超过 100%：{value}', 'rate above 100 %: {value}'],
  'rule.unexpectedPct': ['此列的值不应带 %：{value}', 'unexpected %: {value}'],
  'rule.notWhole': ['不是整数：{value}', 'not a whole number: {value}'],
  'rule.notCount': ['不是非负整数：{value}', 'not a non-negative whole number: {value}'],
  'rule.rateOutside': ['比率超出 0–1：{value}', 'rate outside 0–1: {value}'],
  'rule.employeeRequired': ['员工工号必填', 'employee_id is required'],
  'rule.ga4Employee': ['须填写员工工号，或填写区分员工的维度', 'employee_id or employeeDimension is required'],
  'rule.unreadableCsv': ['CSV 无法读取：{detail}', 'unreadable CSV: {detail}'],
  'rule.tryGbk': ['不是有效的 UTF-8（请在“CSV 编码”中选择 GBK 再试）', 'not valid UTF-8 (try encoding gbk)'],
  'rule.notGbk': ['不是有效的 GBK 编码', 'not valid GBK'],
  'rule.neitherCharset': ['既不是有效的 UTF-8，也不是有效的 GBK', 'neither valid UTF-8 nor valid GBK'],
  'rule.spans': [
    '{start}~{end} 跨越 {p} 和 {q} 两个周期：合计值无法拆分到各周期（请导出按日的数据）',
    '{start}~{end} spans {p} and {q}; a total cannot be split between periods (export daily rows instead)',
  ],
  'rule.dayTwice': ['{day}{series}的数据与{file}第 {row} 行重复', '{day}{for} is already covered by {other}'],
  'rule.dayTwiceFile': [
    '{day}（{employee}）的数据与文件 {file} 重复',
    '{day} ({employee}) is already covered by {file}',
  ],
  'rule.periodRow': ['{employee}，{period}，{name}：{detail}', '{metric} {period} ({employee}): {detail}'],
  'rule.zipOne': [
    'zip 压缩包须恰好包含一个表格文件（.xlsx、.xls 或 .csv），实际有 {n} 个{list}',
    'a zip must hold exactly one sheet file (.xlsx, .xls or .csv); found {n}{rest}',
  ],
  'rule.zipHolds': ['（包内有：{files}）', ''],
  'rule.zipEmpty': ['（压缩包为空）', ''],
  'rule.zipInZip': ['不解压 zip 中嵌套的 zip', 'a zip inside a zip is not unpacked'],
  'rule.zipTruncated': [
    'zip 文件损坏或不完整（找不到中央目录结尾）',
    'corrupt or truncated zip (no end of central directory)',
  ],
  'rule.zipDirectory': ['zip 文件损坏（中央目录有误）', 'corrupt zip (bad central directory)'],
  'rule.zipPassword': [
    'zip 压缩包有密码（{name} 已加密）：请先解压',
    'password-protected zip ({name} is encrypted); unpack it first',
  ],
  'rule.corrupt': ['{kind} 文件损坏：{detail}', 'corrupt {kind}: {detail}'],
  'rule.corruptXls': [
    '.xls 文件损坏（复合文档无法读取：{detail}）',
    'corrupt .xls (compound file unreadable: {detail})',
  ],
  'rule.workbookPassword': [
    '工作簿有密码保护（已加密）：请在 Excel 中去掉密码后重新导出',
    'password-protected workbook (encrypted); remove the password in Excel and export again',
  ],
  'rule.noWorkbookStream': [
    'OLE2 文件中没有工作簿（不是 Excel .xls 文件）',
    'an OLE2 file without a workbook stream (not an Excel .xls)',
  ],
  'rule.noSheet': ['工作簿中没有工作表', 'the workbook has no sheet'],
  'rule.noSheetNamed': ['没有工作表“{name}”；现有工作表：{sheets}', 'no sheet "{name}"; sheets: {sheets}'],
  'rule.unpacks': ['解压后为 {n} 字节，超过上限 {max} 字节', 'unpacks to {n} bytes, more than {max}'],
  'rule.noDateDimension': ['没有日期维度（须为以下之一：{list}）', 'no date dimension (one of {raw})'],
  'rule.dimensionMissing': ['dimensionHeaders 中没有这个员工维度', 'employee dimension not in dimensionHeaders'],
  'rule.noGa4Metric': [
    '报表中的指标（{have}）都不是本导入读取的指标；可读取：{known}',
    'none of the metrics is one this import reads ({have}); it reads {known}',
  ],
  'rule.valueCount': ['有 {n} 个值，但{which}表头有 {m} 个', '{n} values for {m} {kind} headers'],
  'rule.header.dimension': ['维度', 'dimension'],
  'rule.header.metric': ['指标', 'metric'],
  // a payout preview's warnings (src/appraisal/incentives.ts)
  'rule.payNo': ['提成项 {id}：{name}没有{word}', 'component {id}: {metric}: no {what}'],
  'rule.payNo.target': ['目标', 'target'],
  'rule.payNo.actual': ['实际值', 'actual'],
  'rule.payNo.attainment': ['达成率', 'attainment'],
  'rule.payNegative': ['提成项 {id}：{name}的金额为负数', 'component {id}: {metric}: negative amount'],
  'rule.starWeekly': [
    '服务之星津贴：只按月或季度计算，周不计',
    'star allowance: evaluated on months and quarters only',
  ],
  // a failed job's error (the jobs page, the A/B page)
  'rule.noHistoryFor': ['没有 KPI 历史数据（{what}），无法训练', 'no KPI history for {raw}'],
  'rule.noHistoryAny': ['没有任何 KPI 历史数据，无法训练', 'no KPI history for {raw}'],
  'rule.noActiveModel': [
    '{scope} 没有使用中的基线模型：请先提交基线模型训练',
    'no active baseline model for {scope}; train one with POST /v1/baselines/train',
  ],
  'rule.noPersonPeriod': [
    '{from} 至 {to} 之间没有同时具备实际值和目标的人员周期',
    'no person-period with an actual and a target between {from} and {to}',
  ],
  'rule.noModelVersion': ['未找到模型版本 {id}', 'model version {id} not found'],
  'rule.trainFile': ['训练所需的文件 {file} 不存在', 'train_aspects needs {file}, which does not exist'],
  'rule.noSplit': ['{dir} 中没有 {file}', '{dir} has no {file}'],
  'hr.title': ['人力资源工作台', 'HR desk'],
  'ratings.title': ['客服服务能力评分', 'Service-ability ratings'],
  'filters.title': ['筛选', 'Filters'],
  'filter.kind': ['周期类型', 'Period kind'],
  'kind.week': ['周', 'Week'],
  'kind.month': ['月', 'Month'],
  'kind.quarter': ['季度', 'Quarter'],
  'kind.year': ['年', 'Year'],
  'filter.period': ['周期', 'Period'],
  'filter.role': ['岗位', 'Role'],
  'filter.team': ['团队', 'Team'],
  'filter.all': ['全部', 'All'],
  'filter.apply': ['应用筛选', 'Apply filters'],
  'sort.label': ['排序', 'Sort'],
  'sort.score': ['按评分', 'By score'],
  'sort.ci_low': ['按区间下限（保守排名）', 'By interval low end (rank conservatively)'],
  'sort.decline': ['按降幅', 'By biggest decline'],
  'sort.current': ['当前排序：{sort}', 'Sorted: {sort}'],
  'col.agent': ['客服', 'Agent'],
  'col.team': ['团队', 'Team'],
  'col.score': ['评分', 'Score'],
  'col.interval': ['90% 区间', '90 % interval'],
  'col.stars': ['星级', 'Stars'],
  'col.n': ['样本数', 'n'],
  'col.effn': ['有效样本数', 'Effective n'],
  'col.effn.short': [
    '按情感模型的把握程度折算，可大于样本数',
    'counted by the sentiment model’s confidence; can exceed n',
  ],
  'col.effn.note': [
    '有效样本数：评价按情感模型的概率计入（70% 把握计为 0.7 次好评）。同一客服的各条概率彼此相近时，它们比同样多的是/否评价更能确定评分，所以有效样本数可以大于样本数。',
    'Effective n: each review counts by the sentiment model’s probability (70 % sure counts as 0.7 of a success). Where an agent’s probabilities vary little, they pin the score down more than as many yes/no answers would, so effective n can exceed n.',
  ],
  'col.evidence': ['证据', 'Evidence'],
  'col.resp24': ['24 小时差评回复率', '24 h negative-review response'],
  'col.ret48': ['48 小时退货处理率', '48 h returns'],
  'col.change': ['环比变化', 'Change'],
  'col.period': ['周期', 'Period'],
  'col.negatives': ['差评数', 'Negative reviews'],
  'col.replied': ['24 小时内回复', 'Replied within 24 h'],
  'col.late': ['超时', 'Late'],
  'col.pending': ['待处理', 'Pending'],
  'col.rate': ['达成率', 'Rate'],
  'col.returnsN': ['退货数', 'Returns'],
  'col.closed48': ['48 小时内处理', 'Closed within 48 h'],
  'col.created': ['时间', 'Received'],
  'col.text': ['评价内容', 'Review'],
  'col.sentiment': ['情感', 'Sentiment'],
  'col.rating': ['顾客星级', 'Customer stars'],
  'col.channel': ['渠道', 'Channel'],
  // a label before its value ("渠道：chat" in Chinese, "Channel: chat" in English)
  colon: ['：', ': '],
  // the demo's and the common upload channels by name (channelName; another channel shows as stored)
  'channel.chat': ['在线咨询', 'chat'],
  'channel.after_sales': ['售后', 'after-sales'],
  'channel.product_review': ['商品评价', 'product review'],
  'channel.email': ['邮件', 'email'],
  'channel.phone': ['电话', 'phone'],
  'channel.ticket': ['工单', 'ticket'],
  'col.counts': ['是否计入', 'Counts?'],
  'col.waiting': ['已等待', 'Waiting'],
  'evidence.insufficient': ['证据不足', 'Insufficient evidence'],
  'evidence.sufficient': ['证据充足', 'Sufficient'],
  'evidence.needs': ['需至少 {n} 条', 'needs {n}'],
  'results.agents': ['共 {n} 名客服', '{n} agents'],
  'results.reviews': ['共 {n} 条评价', '{n} reviews'],
  'page.prev': ['上一页', 'Previous'],
  'page.next': ['下一页', 'Next'],
  'page.of': ['第 {page} / {pages} 页', 'Page {page} of {pages}'],
  'page.nav': ['分页', 'Pagination'],
  'export.label': ['导出当前视图', 'Export this view'],
  'export.csv': ['导出 CSV', 'Export CSV'],
  'export.xlsx': ['导出 Excel', 'Export XLSX'],
  'change.vs': ['对比上期 {period}', 'against {period}'],
  'aspect.service_attitude': ['服务态度', 'Service attitude'],
  'aspect.response_speed': ['响应速度', 'Response speed'],
  'aspect.returns_handling': ['退换处理', 'Returns handling'],
  'aspect.logistics': ['物流', 'Logistics'],
  'aspect.product_quality': ['商品质量', 'Product quality'],
  'aspect.price': ['价格', 'Price'],
  'aspect.packaging': ['包装', 'Packaging'],
  'agent.title': ['客服 {id}', 'Agent {id}'],
  'agent.meta': ['岗位 {role} · 团队 {team}', 'Role {role} · team {team}'],
  'agent.back': ['返回评分排行', 'Back to the ratings'],
  'agent.history': ['评分走势与 90% 区间', 'Rating over time with its 90 % interval'],
  'agent.reviewsChart': [
    '各期可归因评价数（选择柱形查看评价）',
    'Attributable reviews per period (select a bar to see them)',
  ],
  'agent.aspects': ['维度拆分（{period}）', 'Aspect breakdown ({period})'],
  'agent.controls': ['客服可控的维度', 'What the agent controls'],
  'agent.notAttr': [
    '不可归因（物流、商品、价格、包装）：{n} 条评价',
    'Not attributable (logistics, product, price, packaging): {n} reviews',
  ],
  'agent.aspectsChart': [
    '各维度正面占比（选择柱形查看评价）',
    'Positive share per aspect (select a bar to see the reviews)',
  ],
  'agent.mentions': ['提及', 'Mentions'],
  'agent.negative': ['负面', 'Negative'],
  'agent.share': ['正面占比', 'Positive share'],
  'agent.sla': ['时效记录', 'SLA history'],
  'agent.reviews': ['{period} 评分背后的评价', 'The reviews behind {period}'],
  'agent.counts': ['计入', 'Counts'],
  'agent.notCounts': ['不计入', 'Does not count'],
  'agent.words': ['影响得分的词', 'Words that moved the score'],
  'agent.noRatings': ['该员工没有评分记录。', 'This employee has no ratings.'],
  'agent.pickPeriod': ['查看周期', 'Show period'],
  'reviews.title': ['评价', 'Reviews'],
  'filter.agent': ['客服工号', 'Agent id'],
  'filter.aspect': ['维度', 'Aspect'],
  'filter.sentiment': ['情感', 'Sentiment'],
  'filter.language': ['语言', 'Language'],
  'filter.from': ['起始日期', 'From'],
  'filter.to': ['截止日期（不含）', 'To (exclusive)'],
  'filter.overdue': ['仅超时未回复的差评', 'Only overdue negative reviews'],
  'sentiment.positive': ['正面', 'positive'],
  'sentiment.neutral': ['中性', 'neutral'],
  'sentiment.negative': ['负面', 'negative'],
  'sentiment.none': ['未评分', 'unscored'],
  'language.zh': ['中文', 'Chinese'],
  'language.en': ['英文', 'English'],
  'language.other': ['其他', 'Other'],
  'score.title': ['为一段文字评分', 'Score a text'],
  'score.text': ['粘贴评价文本', 'Paste a review'],
  'score.submit': ['评分', 'Score'],
  'score.result': ['评分结果', 'Result'],
  'score.probability': ['正面概率', 'P(positive)'],
  'score.model': ['模型', 'Model'],
  'score.aspects': ['识别到的维度', 'Aspects found'],
  'sla.title': ['时效看板', 'SLA board'],
  'sla.overdue': ['超时未回复的差评（最早的在前）', 'Overdue negative reviews (oldest first)'],
  'sla.cards': ['各团队', 'By team'],
  'sla.overdueCount': ['超时差评', 'Overdue'],
  'sla.oldest': ['最久等待', 'Oldest waiting'],
  'sla.resp': ['24 小时回复率（{period}）', '24 h response ({period})'],
  'sla.ret': ['48 小时退货处理率（{period}）', '48 h returns ({period})'],
  'sla.rule': [
    '差评（1–2 星，或模型判为负面且未打星或不超过 3 星）到达 24 小时后仍未回复即为超时。',
    'A negative review (1–2 stars, or labelled negative with no stars or at most 3) is overdue when unanswered 24 h after it arrived.',
  ],
  'sla.team': ['团队 {team}', 'Team {team}'],
  'sla.within': ['到达时间', 'Arrived'],
  'sla.within.days': ['最近 {n} 天', 'in the last {n} days'],
  'sla.within.all': ['不限', 'any time'],
  'sla.agents': ['查看该团队评分', "See the team's ratings"],
  empty: ['没有符合条件的记录。', 'Nothing matches.'],
  'chart.score': ['评分', 'Score'],
  'chart.band': ['90% 区间', '90 % interval'],
  'chart.reviews': ['可归因评价', 'Attributable reviews'],
  'chart.barLink': ['{label}：{value}，查看评价', '{label}: {value}, see the reviews'],
  noTeam: ['无团队', 'no team'],
  'reason.unscored': ['尚未评分', 'not scored yet'],
  'reason.agent_aspects': [
    '提及服务态度、响应速度或退换处理',
    'mentions service attitude, response speed or returns handling',
  ],
  'reason.service_interaction': ['{channel} 渠道服务互动的整体情感', 'overall sentiment of a {channel} interaction'],
  'reason.other_aspects': [
    '只涉及客服不可控的维度（物流、商品、价格、包装）',
    'only aspects the agent does not control (logistics, product, price, packaging)',
  ],
  'reason.language': ['无法识别语言', 'language not recognised'],
  'reason.outside': [
    '未提及服务维度，且提到客服不可控的因素（天气、平台规则、银行）',
    'no service aspect, and names something outside the agent’s control (weather, platform rules, a bank)',
  ],
  'reason.none': ['未提及服务维度，也不是服务互动渠道', 'no service aspect and not a service interaction channel'],
  'role.cs_agent': ['客服专员', 'Customer-service agent'],
  'role.sales_ops': ['销售运营', 'Sales operations'],
  'role.product_ops': ['商品运营', 'Product operations'],
  'bar.interval': ['90% 区间 {low}–{high}', '90 % interval {low}–{high}'],
  // ── appraisal screens (issue 17: src/web/pages/appraisal-*.ts) ──
  'nav.appraisal': ['考核工具', 'Appraisal'],
  'appr.tabs': ['考核工具', 'Appraisal tools'],
  'appr.tab.360': ['360° 评估', '360° feedback'],
  'appr.tab.payouts': ['提成预览', 'Payout preview'],
  'appr.tab.growth': ['成长树', 'Growth points'],
  'appr.tab.ab': ['A/B 验证', 'A/B validation'],
  'appr.period': ['周期', 'Period'],
  'appr.role': ['岗位', 'Role'],
  'appr.person': ['员工', 'Employee'],
  'appr.360.title': ['360° 评估（已校准）', '360° feedback, calibrated'],
  'appr.360.none': [
    '尚未导入 360° 评分。评分通过 POST /v1/360/ratings 导入，导入后在此按周期查看。',
    'No 360° ratings imported yet. They are imported with POST /v1/360/ratings and shown here by period.',
  ],
  'appr.360.method': [
    '已剔除评分人宽严差异（混合模型，{n} 条评分）；分数为 0–100，区间为 90%。',
    'Rater leniency taken out (mixed model, {n} ratings); scores on 0–100 with 90 % intervals.',
  ],
  'appr.360.scores': ['{period} 校准分数', 'Calibrated scores, {period}'],
  'appr.360.score': ['校准分', 'Calibrated'],
  'appr.360.interval': ['90% 区间', '90 % interval'],
  'appr.360.raw': ['原始均分', 'Raw mean'],
  'appr.360.raters': ['评分人数', 'Raters'],
  'appr.360.flagged': ['被标记的评分人', 'Flagged raters'],
  'appr.360.rater': ['评分人', 'Rater'],
  'appr.360.relation': ['关系', 'Relation'],
  'appr.360.leniency': ['宽严度（分）', 'Leniency (points)'],
  'appr.360.flag': ['标记', 'Flag'],
  'appr.360.lenient': ['偏宽', 'lenient'],
  'appr.360.severe': ['偏严', 'severe'],
  'appr.360.rule': [
    '标记规则：至少 5 条评分且 |z| > 2.5（z = 宽严度 ÷ 普通评分人估计值的标准差）。',
    'Flag rule: at least 5 ratings and |z| > 2.5 (z = leniency ÷ the spread of an ordinary rater’s estimate).',
  ],
  'appr.360.noFlags': ['本期没有评分人被标记。', 'No rater is flagged this period.'],
  'appr.pay.title': ['提成与薪酬预览', 'Incentive payout preview'],
  'appr.pay.form': ['生成预览', 'Evaluate a preview'],
  'appr.pay.evaluate': ['按提成方案计算', 'Evaluate the plans'],
  'appr.pay.none': [
    '填写周期后计算预览；每次计算都会保存，可导出给薪酬系统。',
    'Enter a period to evaluate a preview; each one is stored and can be exported for payroll.',
  ],
  'appr.pay.preview': ['{period} 提成预览', 'Payout preview, {period}'],
  'appr.pay.totals': [
    '{n} 人，合计 ¥{total}，数据不全 {incomplete} 人',
    '{n} people, total ¥{total}, {incomplete} incomplete',
  ],
  'appr.pay.noPlan': [
    '本期没有适用于这些人的提成方案，所以金额都是 0。提成方案通过 POST /v1/incentive-plans 声明。',
    'No incentive plan applies to these people in this period, so every amount is 0. Plans are declared with POST /v1/incentive-plans.',
  ],
  'appr.pay.nobody': [
    '这次预览没有任何人员：该周期（及岗位）没有 KPI 输入。',
    'Nobody is in this preview: the period (and role) has no KPI inputs.',
  ],
  'appr.pay.plan': ['方案', 'Plan'],
  'appr.pay.base': ['底薪', 'Base pay'],
  'appr.pay.commission': ['提成', 'Commission'],
  'appr.pay.star': ['服务之星津贴', 'Star allowance'],
  'appr.pay.bonus': ['项目奖金', 'Project bonus'],
  'appr.pay.total': ['合计', 'Total'],
  'appr.pay.steps': ['计算步骤', 'Steps'],
  'appr.pay.missing': ['数据缺失', 'missing data'],
  'appr.growth.title': ['运营成长树排行', 'Growth points leaderboard'],
  'appr.growth.board': ['排行：{team}', 'Leaderboard: {team}'],
  'appr.growth.catalogue': ['任务目录第 {v} 版', 'Catalogue version {v}'],
  'appr.growth.noCatalogue': [
    '人力资源尚未声明任务目录（PUT /v1/growth/catalogue）。',
    'HR has not declared a catalogue yet (PUT /v1/growth/catalogue).',
  ],
  'appr.growth.none': ['还没有人获得成长积分。', 'Nobody has growth points yet.'],
  'appr.ab.none': ['还没有对比记录。', 'No comparisons yet.'],
  'appr.growth.rank': ['名次', 'Rank'],
  'appr.growth.level': ['等级', 'Level'],
  'appr.growth.points': ['可用积分', 'Points'],
  'appr.ab.title': ['目标与权重的 A/B 验证', 'A/B validation of targets and weights'],
  'appr.ab.how': [
    '通过 POST /v1/ab-comparisons 提交对比（两种分位数、两个模型版本或两套权重），结果在此查看。',
    'Submit comparisons with POST /v1/ab-comparisons (two quantiles, two model versions or two weight profiles); read them here.',
  ],
  'appr.ab.list': ['对比记录', 'Comparisons'],
  'appr.ab.report': ['对比报告 {from} – {to}', 'Report, {from} – {to}'],
  'appr.ab.measure': ['指标', 'Measure'],
  'appr.ab.attained': ['达标率（95% 区间）', 'On target (95 % interval)'],
  'appr.ab.warning': ['预警线触发率', 'Warning line fired'],
  'appr.ab.team': ['达标率 · 团队 {team}', 'On target, team {team}'],
  'appr.ab.gapTeam': ['团队间差距（置换检验 p）', 'Gap across teams (permutation p)'],
  'appr.ab.gapTenure': ['司龄段差距（置换检验 p）', 'Gap across tenure bands (permutation p)'],
  'appr.ab.stability': ['期间稳定性', 'Stability period to period'],
  'appr.ab.paired': [
    '同一人同一期对比 {n} 条：达标率差 {d}（McNemar p = {p}）。',
    'Same person-periods, {n}: difference in the on-target rate {d} (McNemar p = {p}).',
  ],
  'appr.ab.split': [
    '真实分组 {a} 人对 {b} 人：置换检验 p = {p}，Hedges g = {g}。',
    'Real split, {a} vs {b} people: permutation p = {p}, Hedges g = {g}.',
  ],
  'appr.ab.state.waiting': ['排队中', 'waiting'],
  'appr.ab.state.active': ['计算中', 'running'],
  'appr.ab.state.completed': ['已完成', 'completed'],
  'appr.ab.state.failed': ['失败', 'failed'],
  // ── end of the appraisal screens ──
  // ── console part 2: the HR target desk, its audit, exports (issue 13) ──
  'nav.targets': ['目标台', 'Target desk'],
  'nav.audit': ['审计记录', 'Audit log'],
  'hr.intro': [
    '人力资源工作台：设定与核对目标，以及考核所需的数据与工具。',
    'The HR desk: set and check targets, and the data and tools of the appraisal.',
  ],
  'hr.go.targets': ['目标台：各岗位下期目标、依据与调整', "Target desk: each role's next targets, why, and overrides"],
  'hr.go.audit': ['审计记录：谁在何时为何修改了什么', 'Audit log: who changed what, when and why'],
  'hr.go.import': [
    '导入目标调整：把编辑过的目标台导出文件传回',
    "Import overrides: send the desk's edited export back",
  ],
  'hr.go.upload': [
    '数据上传：员工、KPI 历史与生意参谋 / GA4 文件',
    'Uploads: employees, KPI history, 生意参谋 and GA4 files',
  ],
  'hr.go.calendar': ['营销日历：大促窗口与节假日', 'Promotion calendar: promotion windows and holidays'],
  'hr.go.weights': ['权重方案：各周期使用的指标权重', 'Weight profiles: the indicator weights each period uses'],
  'hr.go.appraisal': [
    '考核工具：360° 评估、提成预览、成长树、A/B 验证',
    'Appraisal: 360° feedback, payout preview, growth points, A/B validation',
  ],
  'hr.go.periods': ['期间关账：冻结考核期间的快照', 'Closed periods: freeze a period as a snapshot'],
  'hr.go.approvals': [
    '调整审批：等待第二位人力资源审批的目标调整',
    'Override approvals: overrides waiting for a second HR key',
  ],
  'desk.title': ['目标台', 'Target desk'],
  'desk.metrics': ['指标', 'Metrics'],
  'desk.search': ['搜索员工工号', 'Search employee id'],
  'desk.flag': ['只看', 'Only'],
  'desk.flag.below_floor': ['未达警戒线', 'Past the warning line'],
  'desk.flag.cold_start': ['冷启动', 'Cold start'],
  'desk.flag.overridden': ['已人工调整', 'Overridden'],
  'desk.sort.employee': ['按工号', 'By employee id'],
  'desk.sort.target': ['按目标', 'By target'],
  'desk.sort.suggested': ['按建议目标', 'By suggested target'],
  'desk.sort.floor': ['按警戒线', 'By warning line'],
  'desk.sort.actual': ['按实际值', 'By actual'],
  'desk.sort.attainment': ['按达成率', 'By attainment'],
  'desk.sort.width': ['按区间宽度', 'By interval width'],
  'desk.dir': ['顺序', 'Order'],
  'desk.dir.asc': ['升序', 'Ascending'],
  'desk.dir.desc': ['降序', 'Descending'],
  'desk.higher': ['数值越高越好', 'Higher is better'],
  'desk.lower': ['数值越低越好（如处理时长）', 'Lower is better (e.g. handling times)'],
  'desk.model': [
    '模型 {v} · 数据截至 {through} · 提前 {h} 期',
    'Model {v} · data through {through} · {h} period(s) ahead',
  ],
  'desk.coverage': ['80% 区间的实测覆盖率：{c}（回测）', '80 % interval measured coverage: {c} (backtest)'],
  'desk.promotionPeriod': ['本期含大促', 'This period has a promotion'],
  'desk.people': ['共 {n} 人', '{n} people'],
  'desk.summary': [
    '全岗位 {people} 人 · 冷启动 {cold} · 未达警戒线 {below} · 已调整 {over}',
    'Whole role: {people} people · cold start {cold} · past the warning line {below} · overridden {over}',
  ],
  'desk.noModel': ['该岗位在此周期下没有可用的基线模型：{reason}', 'No targets for this role and period: {reason}'],
  'desk.col.person': ['员工', 'Employee'],
  'desk.col.recent': ['近四期实际', 'Last four actuals'],
  'desk.col.floor': ['警戒线', 'Warning line'],
  'desk.col.baseline': ['基线', 'Baseline'],
  'desk.col.target': ['目标', 'Target'],
  'desk.col.stretch': ['挑战值', 'Stretch'],
  'desk.col.interval': ['80% 区间', '80 % interval'],
  'desk.col.actual': ['实际', 'Actual'],
  'desk.col.flags': ['标记', 'Flags'],
  'desk.col.drivers': ['主要驱动', 'Top drivers'],
  'desk.atLeast': ['（不低于）', '(at least)'],
  'desk.atMost': ['（不高于）', '(at most)'],
  'desk.badge.cold': ['冷启动', 'Cold start'],
  'desk.badge.belowHigher': ['低于警戒线', 'Below the warning line'],
  'desk.badge.belowLower': ['高于警戒线', 'Above the warning line'],
  'desk.badge.override': ['已调整', 'Overridden'],
  'desk.badge.roleOverride': ['岗位统一调整', 'Role-wide override'],
  'desk.suggested': ['建议值 {v}', 'suggested {v}'],
  'desk.spark': ['近四期实际值：{values}', 'Last four actuals: {values}'],
  'desk.why': ['查看 {id} 的目标依据', 'Why this number for {id}'],
  'driver.level': ['水平', 'Level'],
  'driver.trend': ['趋势', 'Trend'],
  'driver.seasonality': ['季节性', 'Seasonality'],
  'driver.promotion': ['大促', 'Promotion'],
  'driver.other': ['其他', 'Other'],
  'driver.total': ['基线（P50）', 'Baseline (P50)'],
  'desk.roleOverride': ['为整个岗位设定目标（*）', 'Set a target for the whole role (*)'],
  'desk.closed': [
    '已关账（快照第 {version} 版）：{who} 于 {when} 关闭',
    'Closed (snapshot version {version}) by {who} on {when}',
  ],
  'desk.closedNote': [
    '本期已关账：以下数字来自关账快照；如需调整目标，请先重新打开本期。',
    'This period is closed: the numbers are its snapshot; reopen the period to change its targets.',
  ],
  // the catalogue's metrics by name (metricName; a metric added later shows its stored name)
  'metric.gmv': ['成交金额（GMV）', 'GMV'],
  'metric.conversion_rate': ['转化率', 'Conversion rate'],
  'metric.aov': ['客单价', 'Average order value'],
  'metric.visitors': ['访客数', 'Visitors'],
  'metric.ad_spend': ['推广花费', 'Ad spend'],
  'metric.new_customers': ['新客数', 'New customers'],
  'metric.roi': ['投入产出比（ROI）', 'ROI'],
  'metric.cac': ['获客成本', 'Customer acquisition cost'],
  'metric.inventory_turnover': ['库存周转率', 'Inventory turnover'],
  'metric.order_handling_time': ['订单处理时长', 'Order handling time'],
  'metric.csat': ['客户满意度（CSAT）', 'CSAT'],
  'metric.return_handling_time': ['退换货处理时长', 'Return handling time'],
  'metric.response_qualified_rate': ['响应达标率', 'Response-qualified rate'],
  'metric.negative_review_response_24h': ['差评 24 小时响应率', 'Negative-review 24 h response rate'],
  'metric.innovation_contribution': ['创新贡献', 'Innovation contribution'],
  'override.value': ['目标值', 'Target value'],
  'override.reason': ['原因（必填）', 'Reason (required)'],
  'override.set': ['保存调整', 'Save override'],
  'override.revert': ['撤销调整，恢复建议值', 'Revert to the suggested target'],
  'override.revertReason': ['撤销原因（必填）', 'Reason for reverting (required)'],
  'override.inForce': [
    '当前调整：{value}，原因：{reason}（{who}，{when}）',
    'Override in force: {value}, because {reason} ({who}, {when})',
  ],
  'override.saved': ['已保存调整。', 'Override saved.'],
  'override.pending': [
    '调整超出审批阈值，已提交，待另一位 HR 审批后生效。',
    'The override is beyond the approval threshold: filed, it takes effect once a second HR key approves it.',
  ],
  'override.reverted': ['已撤销调整。', 'Override reverted.'],
  'why.title': ['{id} 的目标依据 · {metric} · {period}', 'Why this number: {id} · {metric} · {period}'],
  'why.back': ['返回目标台', 'Back to the target desk'],
  'why.fan': ['历史实际与预测区间（P10–P90、P30–P70）', 'History with the forecast fan (P10–P90, P30–P70)'],
  'why.actual': ['实际', 'Actual'],
  'why.band90': ['P10–P90', 'P10–P90'],
  'why.band70': ['P30–P70', 'P30–P70'],
  'why.target': ['目标', 'Target'],
  'why.suggested': ['建议目标', 'Suggested'],
  'why.drivers': ['驱动因素（瀑布图）', 'Drivers (waterfall)'],
  'why.axisFrom': [
    '纵轴从 {v} 起，不从 0 开始：水平值的柱被截短，以便看清各驱动因素。',
    'The axis starts at {v}, not at 0: the level bar is cut short so that the drivers show.',
  ],
  'why.lines': ['各条线及其分位数', 'The lines and their quantiles'],
  'why.promotions': ['本期及历史中的大促窗口', 'Promotion windows of the shown periods'],
  'why.noPromotions': ['所示期间没有大促。', 'No promotion in the shown periods.'],
  'why.overrideTitle': ['调整目标', 'Override the target'],
  'why.quantile': ['分位数', 'Quantile'],
  'why.value': ['数值', 'Value'],
  'why.line': ['线', 'Line'],
  'audit.title': ['审计记录', 'Audit log'],
  'audit.action': ['操作', 'Action'],
  'audit.action.any': ['全部', 'All'],
  'audit.action.overrides': ['目标调整', 'Target overrides'],
  'audit.action.keys': ['API 密钥', 'API keys'],
  'audit.action.models': ['模型版本', 'Model versions'],
  'audit.action.periods': ['期间关账', 'Closed periods'],
  'audit.action.requests': ['调整审批', 'Override approvals'],
  // each action by name (the code stays in the row's data-action)
  'audit.act.target_override.set': ['设定目标调整', 'Override set'],
  'audit.act.target_override.clear': ['撤销目标调整', 'Override reverted'],
  'audit.act.override_request.create': ['提交调整审批', 'Override filed for approval'],
  'audit.act.override_request.approve': ['批准调整', 'Override approved'],
  'audit.act.override_request.reject': ['驳回调整', 'Override rejected'],
  'audit.act.api_key.create': ['创建密钥', 'Key created'],
  'audit.act.api_key.revoke': ['吊销密钥', 'Key revoked'],
  'audit.act.api_key.rotate': ['轮换密钥', 'Key rotated'],
  'audit.act.model.promote': ['启用模型版本', 'Model promoted'],
  'audit.act.model.rollback': ['回滚模型版本', 'Model rolled back'],
  'audit.act.period.close': ['关账', 'Period closed'],
  'audit.act.period.reopen': ['重新打开期间', 'Period reopened'],
  'audit.act.backup.create': ['备份', 'Backup taken'],
  'audit.act.review.correct': ['更正评价归因', 'Review corrected'],
  'audit.act.review.erase': ['删除评价个人数据', 'Review erased'],
  'audit.act.review_appeal.submit': ['提交申诉', 'Appeal submitted'],
  'audit.act.review_appeal.accepted': ['采纳申诉', 'Appeal accepted'],
  'audit.act.review_appeal.rejected': ['驳回申诉', 'Appeal rejected'],
  'audit.act.role_cycle.set': ['设定岗位考核周期', 'Role cycle set'],
  'audit.act.ratings_360.import': ['导入 360° 评分', '360° ratings imported'],
  'audit.act.incentive_plan.save': ['保存提成方案', 'Incentive plan saved'],
  'audit.act.payout_preview.create': ['生成提成预览', 'Payout preview made'],
  'audit.act.growth_catalogue.save': ['保存成长任务目录', 'Growth catalogue saved'],
  'audit.actor': ['操作人（密钥）', 'Actor (key)'],
  'audit.employee': ['员工工号', 'Employee id'],
  'audit.col.at': ['时间', 'When'],
  'audit.col.actor': ['操作人', 'Who'],
  'audit.col.action': ['操作', 'Action'],
  'audit.col.subject': ['对象', 'Subject'],
  'audit.col.before': ['修改前', 'Before'],
  'audit.col.after': ['修改后', 'After'],
  'audit.col.reason': ['原因', 'Why'],
  'audit.system': ['系统', 'the service'],
  'audit.reason.shipped_first_start': ['随版本发布的模型，首次启动', 'shipped model, first start'],
  'audit.reason.shipped_new': ['随新版本发布的模型', 'new shipped model'],
  'audit.reason.job_requested': ['训练任务要求启用', 'requested with the training job'],
  'audit.reason.training_requested': ['训练时要求启用', 'promoted on request at training'],
  'audit.reason.first_scope_version': ['该范围的第一个版本', 'first version of the scope'],
  'audit.reason.first_language_version': ['该语言的第一个版本', 'first version of this language'],
  'audit.reason.appeal_accepted': ['采纳申诉 {appeal}：{reason}', 'appeal {appeal} accepted: {reason}'],
  'audit.older': ['更早的记录', 'Older entries'],
  'audit.newest': ['回到最新', 'Back to the newest'],
  'audit.shown': ['本页 {n} 条', '{n} entries on this page'],
  'nav.models': ['模型', 'Models'],
  'nav.keys': ['API 密钥', 'API keys'],
  'keys.title': ['API 密钥', 'API keys'],
  'keys.name': ['名称', 'Name'],
  'keys.scopes': ['权限', 'Scopes'],
  'keys.create': ['创建密钥', 'Create key'],
  'keys.created': ['新密钥（只显示这一次，请立即保存）：', 'The new key (shown this once; store it now):'],
  'keys.revoke': ['吊销 {id}', 'Revoke {id}'],
  'keys.revoked': ['已吊销密钥 {id}。', 'Key {id} revoked.'],
  'keys.col.id': ['编号', 'Id'],
  'keys.col.created': ['创建时间', 'Created'],
  'keys.col.used': ['最近使用', 'Last used'],
  'keys.col.state': ['状态', 'State'],
  'keys.active': ['有效', 'Active'],
  'keys.revokedState': ['已吊销 {at}', 'Revoked {at}'],
  'keys.lifecycle': [
    '密钥的到期与轮换通过 API（创建时的 expires_at，POST /v1/admin/keys/{id}/rotate）或命令行（kpi keys rotate）办理；此页显示到期时间。',
    'Expiry and rotation of keys go through the API (expires_at at creation, POST /v1/admin/keys/{id}/rotate) or the CLI (kpi keys rotate); this page shows the expiry.',
  ],
  'keys.col.expires': ['到期', 'Expires'],
  'keys.never': ['不过期', 'never'],
  'models.title': ['模型版本', 'Model versions'],
  'models.kind': ['类型', 'Kind'],
  'models.col.scope': ['范围', 'Scope'],
  'models.col.version': ['版本', 'Version'],
  'models.col.status': ['状态', 'Status'],
  'models.col.metrics': ['指标', 'Metrics'],
  'models.col.range': ['数据范围', 'Data range'],
  'models.col.created': ['创建时间', 'Created'],
  'models.col.actions': ['操作', 'Actions'],
  'models.kind.baseline': ['基线模型', 'Baseline'],
  'models.kind.sentiment': ['情感模型', 'Sentiment'],
  'models.kind.aspects': ['维度模型', 'Aspects'],
  'models.metric.coverage80': ['80% 区间覆盖率', '80 % coverage'],
  'models.metric.accuracy': ['准确率', 'accuracy'],
  'models.metric.macro_f1': ['宏平均 F1', 'macro F1'],
  'models.metric.agent_f1': ['客服维度 F1', 'agent F1'],
  'models.range.rows': ['{n} 行', '{n} rows'],
  'models.range.people': ['{n} 人', '{n} people'],
  'models.status.active': ['使用中', 'Active'],
  'models.status.candidate': ['候选', 'Candidate'],
  'models.status.retired': ['已停用', 'Retired'],
  'models.promote': ['启用…', 'Promote…'],
  'models.rollback': ['回滚…', 'Roll back…'],
  'models.compare': ['与使用中版本比较', 'Compare with the active one'],
  'models.confirm.promote': ['确认启用 {id}？', 'Promote {id}?'],
  'models.confirm.rollback': ['确认将 {scope} 回滚到上一个版本？', 'Roll {scope} back to its previous version?'],
  'models.confirm.reason': ['原因（必填）', 'Reason (required)'],
  'models.confirm.go': ['确认', 'Confirm'],
  'models.confirm.cancel': ['取消', 'Cancel'],
  'models.done': ['{id} 现为 {scope} 的使用中版本。', '{id} is now the active version of {scope}.'],
  'models.rescore': ['后续重新评分任务：{job}', 'Follow-up rescore job: {job}'],
  'models.compared': ['已提交比较任务 {job}。', 'Comparison job {job} submitted.'],
  'nav.jobs': ['任务', 'Jobs'],
  'jobs.title': ['任务', 'Jobs'],
  'jobs.col.id': ['任务', 'Job'],
  'jobs.col.kind': ['类型', 'Kind'],
  'jobs.col.state': ['状态', 'State'],
  'jobs.col.progress': ['进度', 'Progress'],
  'jobs.col.created': ['提交时间', 'Submitted'],
  'jobs.col.finished': ['完成时间', 'Finished'],
  'jobs.cancel': ['取消 {id}', 'Cancel {id}'],
  'jobs.cancelled': ['已请求取消任务 {id}。', 'Cancellation of {id} requested.'],
  'jobs.refresh': ['进度每 3 秒自动刷新。', 'Progress refreshes every 3 s.'],
  'jobs.older': ['更早的任务', 'Older jobs'],
  'jobs.newest': ['最新的任务', 'Newest jobs'],
  'jobs.train': ['提交基线模型训练', 'Submit baseline training'],
  'jobs.train.network': ['含神经网络修正（较慢）', 'With the network correction (slower)'],
  'jobs.submitted': ['已提交任务 {id}。', 'Job {id} submitted.'],
  'jobs.state.waiting': ['排队中', 'Waiting'],
  'jobs.state.active': ['运行中', 'Running'],
  'jobs.state.completed': ['已完成', 'Completed'],
  'jobs.state.failed': ['失败', 'Failed'],
  'jobs.state.cancelled': ['已取消', 'Cancelled'],
  'jobs.kind.train_baselines': ['基线模型训练', 'Baseline training'],
  'jobs.kind.train_sentiment': ['情感模型训练', 'Sentiment training'],
  'jobs.kind.train_aspects': ['维度模型训练', 'Aspect model training'],
  'jobs.kind.score_reviews': ['评价重新评分', 'Review rescoring'],
  'jobs.kind.recompute_ratings': ['评分重算', 'Ratings recompute'],
  'jobs.kind.compare_models': ['模型对比', 'Model comparison'],
  'jobs.kind.ab_compare': ['A/B 验证', 'A/B comparison'],
  'jobs.stage.queued': ['排队中', 'queued'],
  'jobs.stage.waiting': ['等待中', 'waiting'],
  'jobs.stage.done': ['完成', 'done'],
  // a job's progress cell once it stopped (failed, cancelled): where it stopped, or that it never began
  'jobs.stoppedAt': ['停在 {percent}%：{stage}', 'stopped at {percent}%: {stage}'],
  'jobs.notStarted': ['未开始', 'not started'],
  // a running job's stage (the processors' `progress` texts; the API keeps the English)
  'stage.training': ['训练 {scope}（{i}/{n}）', 'training {raw} ({i}/{n})'],
  'stage.history': ['历史数据 {done}/{total}', 'history {done}/{total}'],
  'stage.planning': ['划分批次', 'planning chunks'],
  'stage.scoredReviews': ['已评分 {n} 条评价', 'scored {n} reviews'],
  'stage.scored': ['已评分 {n} 条评价', 'scored {n}'],
  'stage.scoring': ['评价评分 {from}…{to}', 'scoring {from}…{end}'],
  'stage.end': ['末尾', 'end'],
  'stage.recomputingRatings': ['重算评分', 'recomputing ratings'],
  'stage.replacing': ['替换评分', 'replacing the scores'],
  'stage.readingCorrections': ['读取纠正记录（配方来自 {from}）', 'reading the corrections (recipe of {from})'],
  'stage.startingThreadWith': ['启动训练线程（{n} 条纠正记录）', 'starting training thread ({n} corrections)'],
  'stage.startingThread': ['启动训练线程', 'starting training thread'],
  'stage.registering': ['登记模型', 'registering'],
  'stage.epoch': ['第 {i}/{n} 轮，损失 {loss}', 'epoch {i}/{n} loss {loss}'],
  'stage.aspectsEpoch': ['维度模型第 {i}/{n} 轮，损失 {loss}', 'aspects epoch {i}/{n} loss {loss}'],
  'stage.fold': ['第 {i}/{n} 折', 'fold {i}/{n}'],
  'stage.finalModel': ['最终模型', 'final model'],
  'stage.ratingsReading': ['能力评分：读取依据', 'ratings: reading evidence'],
  'stage.ratings': ['能力评分 {period}（{done}/{total}）', 'ratings {period} ({done}/{total})'],
  'stage.compared': ['已对比 {n} 条评价', 'compared {n} reviews'],
  'stage.evaluatingOn': ['在 {file} 上评估', 'evaluating on {file}'],
  'stage.evaluatingAspects': ['在维度评估集（测试部分）上评估', 'evaluating on the aspect evaluation set (test part)'],
  'stage.targetsCandidate': ['用候选版本计算 {period} 的目标', 'targets for {period} from the candidate'],
  'stage.targetsActive': ['用使用中的版本计算 {period} 的目标', 'targets for {period} from the active version'],
  // an upload's warnings (src/history/importers, src/services/ingestion.ts); the API keeps the English
  'warn.partial': [
    '{period}（{employee}）不完整：{source}覆盖 {total} 天中的 {n} 天（{first}..{last}）；{outcome}',
    '{period} ({employee}) is partial: {source} {n} of {total} days ({first}..{last}); {outcome}',
  ],
  'warn.partial.source.stored': ['已存的日数据', 'the stored days cover'],
  'warn.partial.source.source': ['本文件', 'the source covers'],
  'warn.partial.outcome.asIs': ['已照样导入', 'imported as is'],
  'warn.partial.outcome.later': ['待各天数据齐全后再导入', 'not imported until its days are complete'],
  'warn.partial.outcome.not': ['未导入', 'not imported'],
  'warn.spansTwo': [
    '{name} {from}~{through}（{employee}）跨越两个周期，未计入',
    '{metric} {from}~{through} ({employee}) spans two periods; left out',
  ],
  'warn.notComputed': [
    '{period}（{employee}）：{why}，未计算{name}',
    '{period} ({employee}): no {what}, {metric} not computed',
  ],
  'warn.no.visitors': ['没有访客', 'visitors'],
  'warn.no.buyers': ['没有买家', 'buyers'],
  'warn.no.ad spend': ['没有推广花费', 'ad spend'],
  'warn.no.new customers': ['没有新客户', 'new customers'],
  'warn.columnsNotAdded': [
    '推广花费取自“{total}”列；{cols} 未再相加（已计入合计）',
    'ad_spend is {total}; {cols} not added to it (counted in the total)',
  ],
  'warn.unit': [
    '{header}：无法识别单位“{unit}”，按原值读取',
    '{header}: unit "{unit}" not understood; values read as they are',
  ],
  'warn.summaryRow': ['第 {row} 行：汇总行“{text}”已跳过', 'row {row}: summary row "{text}" skipped'],
  'warn.noItemRows': [
    '{n} 行的商品ID 为“-”（无商品），已跳过：第 {rows} 行',
    '{n} row(s) with 商品ID "-" skipped (no item): row {rows}',
  ],
  'warn.abbreviated': [
    '以万/亿缩写的数值按显示值取整（{list}）；请尽量导出精确数值',
    'values abbreviated with 万/亿 are rounded as displayed ({list}); export exact figures where you can',
  ],
  'warn.abbreviatedCell': ['第 {row} 行 {header} “{value}”', 'row {row} {header} "{value}"'],
  'warn.itemsNotFound': ['导出文件中没有这些商品ID：{list}', '商品ID not in the export: {list}'],
  'warn.itemsSummed': [
    '每个日期合计了 {n} 个商品；访客数和买家数是各商品之和（同一顾客在每个商品中各计一次），不是店铺层面的去重人数',
    '{n} items summed per date; visitors and buyers are sums over items (a shopper counts once per item), not shop-level unique counts',
  ],
  'warn.noData': ['表头下没有数据行', 'no data rows after the header'],
  'warn.reportShort': [
    '报表共有 {total} 行，文件中只有 {n} 行：请取回其余各行（offset/limit），否则合计偏少',
    'report has {total} rows but holds {n}: fetch the rest (offset/limit) or the totals are short',
  ],
  'warn.otherRow': [
    'GA4 把部分行合并成了“(other)”（dataLossFromOtherRow）：合计可能不完整',
    'GA4 folded some rows into "(other)" (dataLossFromOtherRow): totals may be incomplete',
  ],
  'warn.sampled': [
    'GA4 对此报表做了抽样（samplingMetadatas）：数值为估计值',
    'GA4 sampled this report (samplingMetadatas): values are estimates',
  ],
  'warn.currency': [
    '收入和成本的币种是 {currency}；指标目录中的成交金额、推广花费和获客成本以人民币（CNY）计',
    "revenue and cost are in {currency}; the catalogue's gmv, ad_spend and cac are CNY",
  ],
  'warn.newUsers': [
    'newUsers 是新访客，不是新客户：如需导入新客户数和获客成本，请在报表中加上 firstTimePurchasers',
    'newUsers are new visitors, not customers: add firstTimePurchasers to import new_customers and cac',
  ],
  'warn.noUsableMetric': ['没有可用的指标：{reason}', 'no usable metric: {reason}'],
  'warn.unassigned': [
    '跳过了 {n} 行：{dimension} 为空或为 (not set)',
    '{n} rows skipped: {dimension} is empty or (not set)',
  ],
  'warn.nul': [
    '{field}中删除了 {n} 个 NUL 字符（U+0000）：文本无法保存此字符，其余内容按原样保存',
    '{n} NUL character{s} (U+0000) removed from {raw}: text cannot hold them; the rest was stored as sent',
  ],
  'warn.inFile': ['文件 {file}：{text}', '{file}: {text}'],
  // ── end of console part 2 block ──
  // ── closed periods and approvals (issue 25) ──
  'nav.periods': ['期间关账', 'Closed periods'],
  'per.tabs': ['关账与审批', 'Closing and approvals'],
  'per.tab.periods': ['关账', 'Close and reopen'],
  'per.tab.approvals': ['调整审批', 'Override approvals'],
  'per.title': ['考核期间关账', 'Closed appraisal periods'],
  'per.intro': [
    '关账后，该岗位该期间的 KPI 输入、目标（含调整）、服务评分和权重方案冻结为快照；之后的重算、模型上线或回滚、更正都不会改动它，只列为"关账后的差异"。关闭一个季度会同时冻结其中三个月；年度读取已关账季度的快照。',
    'A close freezes the role’s KPI inputs, targets (with overrides), ratings and weight profile for the period as a snapshot; later recomputes, model promotions or rollbacks and corrections leave it untouched and are listed as differences since close. Closing a quarter freezes its three months with it; the year reads its closed quarters from their snapshots.',
  ],
  'per.closeForm': ['关闭考核期间', 'Close a period'],
  'per.close': ['关账', 'Close period'],
  'per.reason': ['原因', 'Reason'],
  'per.reasonHint': ['例如：三季度考核已签字', 'e.g. Q3 appraisal signed off'],
  'per.closed': ['已关账期间', 'Closed periods'],
  'per.none': ['暂无已关账的期间。', 'No period is closed.'],
  'per.version': ['快照版本', 'Snapshot'],
  'per.by': ['关账密钥', 'Closed by'],
  'per.at': ['关账时间', 'Closed at'],
  'per.payroll': ['薪酬导出', 'Payroll file'],
  'per.reopen': ['重新打开', 'Reopen'],
  'per.reopenReason': ['重新打开 {role} {period} 的原因', 'Reason to reopen {period} of {role}'],
  'per.within': ['随 {quarter} 关账', 'closed with {quarter}'],
  'per.reopenWith': ['重新打开 {quarter} 即可', 'reopen {quarter} to reopen it'],
  'per.done.closed': ['已关账。', 'The period is closed.'],
  'per.done.reopened': [
    '已重新打开；旧快照仍可按版本读取。',
    'Reopened; the earlier snapshot stays readable by version.',
  ],
  'per.done.approved': ['已批准，调整即刻生效。', 'Approved: the override is in force.'],
  'per.done.rejected': ['已驳回。', 'Rejected.'],
  'per.approvalsTitle': ['目标调整审批', 'Override approvals'],
  'per.approvalsIntro': [
    '超出审批阈值的目标调整（或整岗调整）须由另一把人力资源密钥批准后才生效；提交人不能审批自己的申请。',
    'An override beyond the approval threshold (or of a whole role) takes effect only once a second HR key approves it; a key cannot decide its own request.',
  ],
  'per.pending': ['待审批（{n}）', 'Pending ({n})'],
  'per.noPending': ['没有待审批的调整。', 'No override is waiting for approval.'],
  'per.why.roleWide': ['整岗调整须审批', 'a role-wide override'],
  'per.why.noSuggested': ['没有可比较的建议目标', 'no suggested target to compare with'],
  'per.why.threshold': [
    '偏离建议目标 {suggested} 达 {change}，超过审批阈值 {threshold}',
    '{change} from the suggested {suggested}, over the approval threshold of {threshold}',
  ],
  'per.request': ['申请', 'Request'],
  'per.metric': ['指标', 'Metric'],
  'per.suggested': ['建议目标', 'Suggested'],
  'per.value': ['调整为', 'Override'],
  'per.requestedBy': ['提交', 'Requested by'],
  'per.decision': ['审批', 'Decision'],
  'per.decisionReason': ['申请 #{id} 的审批意见', 'Reason for request #{id}'],
  'per.approve': ['批准', 'Approve'],
  'per.reject': ['驳回', 'Reject'],
  'per.own': ['本人提交，须由另一把密钥审批', 'Your own request: a second key must decide'],
  ...DATA_MESSAGES,
  // ── corrections (复核) and appeals (申诉), issue 18 ──
  'nav.corrections': ['复核与申诉', 'Corrections'],
  'corr.title': ['复核与申诉', 'Corrections and appeals'],
  'corr.link': ['复核 / 申诉', 'Correct / appeal'],
  'corr.find': ['按评价编号查找', 'Find a review by id'],
  'corr.reviewId': ['评价编号', 'Review id'],
  'corr.open': ['打开', 'Open'],
  'corr.notFound': ['没有编号为 {id} 的评价', 'No review with id {id}'],
  'corr.review': ['评价 {id}', 'Review {id}'],
  'corr.inForce': ['当前生效：复核 #{id}（{attribution}）', 'In force: correction #{id} ({attribution})'],
  'corr.model': ['当前为模型结果，未复核', 'The model’s reading, not corrected'],
  'corr.form': ['复核这条评价', 'Correct this review'],
  'corr.aspects': [
    '维度与情感（勾选评价涉及的维度；留空情感则沿用模型）',
    'Aspects and polarity (tick the aspects the review is about; leave the polarity empty to keep the model’s)',
  ],
  'corr.keepModel': ['保持模型识别的维度', 'Keep the model’s aspects'],
  'corr.polarity': ['{aspect} 的情感', 'Polarity of {aspect}'],
  'corr.polarityModel': ['沿用模型', 'the model’s'],
  'corr.attribution': ['归属', 'Attribution'],
  'corr.attr.auto': ['按规则判定', 'by the rule'],
  'corr.attr.agent': ['计入客服', 'the agent’s'],
  'corr.attr.not_agent': ['不计入客服', 'not the agent’s'],
  'corr.attr.excluded': ['从评分中排除', 'excluded from the rating'],
  'corr.reason': ['理由（必填，记入审计）', 'Reason (required, audited)'],
  'corr.submit': ['保存复核', 'Save the correction'],
  'corr.appealForm': ['替客服提交申诉', 'File an appeal for the agent'],
  'corr.appealSubmit': ['提交申诉', 'File the appeal'],
  'corr.history': ['复核记录', 'Corrections of this review'],
  'corr.recent': ['最近的复核', 'Recent corrections'],
  'corr.pending': ['待处理的申诉', 'Pending appeals'],
  'corr.noPending': ['没有待处理的申诉。', 'No pending appeals.'],
  'corr.noHistory': ['这条评价还没有复核记录。', 'This review has no corrections yet.'],
  'corr.noRecent': [
    '还没有复核记录。在评价列表或客服页的评价上选择“复核 / 申诉”可更正其归因。',
    'No corrections yet. Choose “Correct / appeal” on a review (the reviews list or an agent page) to correct its attribution.',
  ],
  'corr.accept': ['采纳', 'Accept'],
  'corr.reject': ['驳回', 'Reject'],
  'corr.decisionReason': ['处理理由（必填）', 'Reason for the decision (required)'],
  'corr.requested': ['申诉请求', 'Asked for'],
  'corr.saved': ['已保存复核，评分已重新计算（{n} 行）', 'Correction saved; ratings recomputed ({n} rows)'],
  'corr.filed': ['申诉已提交，等待主管处理', 'Appeal filed, waiting for a lead'],
  'corr.decided.accepted': ['申诉已采纳，复核已生效', 'Appeal accepted; its correction is in force'],
  'corr.decided.rejected': ['申诉已驳回', 'Appeal rejected'],
  'col.when': ['时间', 'When'],
  'col.by': ['操作人', 'By'],
  'col.review': ['评价', 'Review'],
  'col.attribution': ['归属', 'Attribution'],
  'col.aspects': ['维度', 'Aspects'],
  'col.reason': ['理由', 'Reason'],
  'reason.correction': ['质检主管复核：{attribution}', 'corrected by a quality lead: {attribution}'],
  // ── the agent's own page (/me, scope agent), issue 18 ──
  'nav.me': ['我的评分', 'My rating'],
  'me.title': ['我的服务评分（{id}）', 'My service rating ({id})'],
  'me.intro': [
    '这里是计入你评分的评价。认为某条评价不该算在你头上时，写明理由提交申诉，由质检主管处理。',
    'These are the reviews counted in your rating. If one should not count against you, file an appeal with a reason; a quality lead decides.',
  ],
  'me.appeal': ['申诉', 'Appeal'],
  'me.appealAsk': ['希望如何处理', 'What you ask for'],
  'me.appealReason': ['申诉理由（必填）', 'Why (required)'],
  'me.appealOpen': ['申诉处理中', 'Appeal pending'],
  'me.appeals': ['我的申诉', 'My appeals'],
  'me.noAppeals': ['还没有申诉', 'No appeals yet'],
  'me.state.pending': ['待处理', 'pending'],
  'me.state.accepted': ['已采纳', 'accepted'],
  'me.state.rejected': ['已驳回', 'rejected'],
  'me.col.state': ['状态', 'State'],
  'me.col.decision': ['主管意见', 'Lead’s reason'],
  'keys.agent': ['绑定客服（agent 权限必填）', 'Agent (required with the agent scope)'],
  'keys.agentHint': [
    'agent 权限只能单独使用：该客服只能查看自己的评分并对自己的评价提交申诉',
    'The agent scope stands alone: the agent sees only their own rating and appeals their own reviews',
  ],
} as const satisfies Record<string, readonly [string, string]>;

export type MessageKey = keyof typeof M;

/**
 * The catalogue's words for a code (`prefix.code`: a job kind, an audit action, a channel…) in the
 * page's language, or `otherwise` (the code itself by default) where the catalogue has none.
 */
export function wordOf(t: Translate, prefix: string, code: string, otherwise: string = code): string {
  const key = `${prefix}.${code}`;
  return key in M ? t(key as MessageKey) : otherwise;
}
/** An audit row's reason in the page's language when the service wrote it, else the words as a person typed them. */
export function auditReasonText(t: Translate, reason: string | null): string {
  if (reason === null) return '';
  const code = systemReasonCode(reason);
  if (code) return t(`audit.reason.${code}`);
  const appeal = parseAppealAccepted(reason);
  return appeal ? t('audit.reason.appeal_accepted', appeal) : reason;
}
/** A role's name in the page's language where the catalogue knows it, else the stored name. */
export function roleName(t: Translate, id: string, stored: string): string {
  return wordOf(t, 'role', id, stored);
}
type Rule = readonly [RegExp, (t: Translate, m: RegExpExecArray) => string];
/** A list of codes as the page reads it: "a、b、c" in Chinese. */
const codes = (t: Translate, list: string[]): string => list.join(t('field.and'));
/** The details of a malformed CSV (src/ingest/csv.ts), after "malformed CSV at line N: ". */
const CSV_DETAILS: readonly Rule[] = [
  [
    /^Quote Not Closed: the parsing is finished with an opening quote \(opened at line (\d+)\)$/,
    (t, m) => t('rule.csv.quoteNotClosed', { open: m[1]! }),
  ],
  [
    /^Invalid Closing Quote: got (.+) instead of a comma, a line end or a space$/s,
    (t, m) => t('rule.csv.closingGot', { got: m[1]! }),
  ],
  [/^Invalid Closing Quote: found a character that is not a space after the quote$/, (t) => t('rule.csv.closingSpace')],
  [
    /^Invalid Opening Quote: a quote in the middle of a field, value is (.+)$/s,
    (t, m) => t('rule.csv.opening', { value: m[1]! }),
  ],
];
/**
 * What a baseline training found no history for: the job's filter as the processor wrote it
 * (`{"role":"…","metric":"…","kind":"…"}`), in words, or a scope id as written.
 */
function historyWanted(t: Translate, raw: string): string {
  let filter: Record<string, unknown> | null = null;
  try {
    const parsed: unknown = JSON.parse(raw);
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) filter = parsed as Record<string, unknown>;
  } catch {
    // a scope id (role:metric:kind), not the job's filter
  }
  if (!filter) return t('rule.noHistoryFor', { raw, what: raw });
  const parts: string[] = [];
  if (typeof filter.role === 'string') parts.push(`${t('field.role')} ${wordOf(t, 'role', filter.role)}`);
  if (typeof filter.metric === 'string') parts.push(`${t('field.metric')} ${metricName(t, filter.metric)}`);
  if (typeof filter.kind === 'string') parts.push(`${t('filter.kind')} ${wordOf(t, 'kind', filter.kind)}`);
  return parts.length === 0
    ? t('rule.noHistoryAny', { raw })
    : t('rule.noHistoryFor', { raw, what: parts.join(t('field.and')) });
}
/**
 * A form field's rule (the text after "field: ") in the page's language: zod's common issues, the
 * console's own form checks and the services' field rules. The English words are the server's text
 * (test/web/refusals.test.ts checks each entry against it).
 */
export const FIELD_RULES: readonly Rule[] = [
  [
    /^(?:required|Too small: expected string to have >=1 characters?|Invalid input: expected \w+, received undefined)$/,
    (t) => t('field.required'),
  ],
  [/^Too small: expected string to have >=(\d+) characters$/, (t, m) => t('field.atLeast', { n: m[1]! })],
  [
    /^(?:Too big: expected string to have <=(\d+) characters|at most (\d+) characters)$/,
    (t, m) => t('field.atMost', { n: (m[1] ?? m[2])! }),
  ],
  [/^Invalid input: expected number, received NaN$/, (t) => t('field.number')],
  [/^Too small: expected number to be >=(-?[\d.]+)$/, (t, m) => t('field.min', { n: m[1]! })],
  [/^Too big: expected number to be <=(-?[\d.]+)$/, (t, m) => t('field.max', { n: m[1]! })],
  [/^is before starts_on$/, (t) => t('field.beforeStart')],
  [/^(\d+) to (\d+) characters$/, (t, m) => t('rule.between', { min: m[1]!, max: m[2]! })],
  [
    /^Invalid option: expected one of ((?:"[^"]*"\|)*"[^"]*")$/,
    (t, m) =>
      t('rule.oneOf', {
        raw: m[1]!,
        list: codes(
          t,
          m[1]!.split('|').map((x) => x.slice(1, -1)),
        ),
      }),
  ],
  [/^Invalid string: must match pattern (\/.+\/[a-z]*)$/, (t, m) => t('rule.pattern', { pattern: m[1]! })],
  [/^expected YYYY-MM-DD$/, (t) => t('rule.day')],
  [/^expected YYYY-MM$/, (t) => t('rule.month')],
  [/^not a calendar day$/, (t) => t('rule.notDay')],
  [/^expected a lower-case id \((.+)\)$/, (t, m) => t('rule.lowerId', { chars: m[1]! })],
  [/^expected a week, month or quarter$/, (t) => t('rule.periodKind')],
  [/^(.+) is not a week, month or quarter$/, (t, m) => t('rule.notPeriodKind', { value: m[1]! })],
  [
    /^expected ((?:[a-z_]+, )*[a-z_]+) or ([a-z_]+)$/,
    (t, m) => t('rule.expectedAny', { raw: m[1]!, list: codes(t, m[1]!.split(', ')), last: m[2]! }),
  ],
  [
    /^one or more of ((?:[a-z_]+, )*[a-z_]+)$/,
    (t, m) => t('rule.oneOrMore', { raw: m[1]!, list: codes(t, m[1]!.split(', ')) }),
  ],
  [/^holds a NUL or a lone surrogate$/, (t) => t('rule.nulOrSurrogate')],
  [/^contains a NUL character \(U\+0000\) at position (\d+)$/, (t, m) => t('rule.nul', { pos: m[1]! })],
  [
    /^contains a lone UTF-16 surrogate \(U\+([0-9A-F]+)\) at position (\d+)$/,
    (t, m) => t('rule.surrogate', { code: m[1]!, pos: m[2]! }),
  ],
  [/^no employee '([^']*)'$/, (t, m) => t('rule.noEmployee', { id: m[1]! })],
  [/^required for a 生意参谋 export$/, (t) => t('rule.sycmEmployee')],
  [
    /^no job (\S+) in this list \(send the next_before of the previous page\)$/,
    (t, m) => t('rule.noJob', { id: m[1]! }),
  ],
  // an upload's or the override import's row reasons
  [/^column missing from the CSV header \(header has: (.*)\)$/, (t, m) => t('rule.columnMissing', { cols: m[1]! })],
  [/^column missing from the header \((.*)\)$/, (t, m) => t('rule.columnMissingSheet', { sheet: m[1]! })],
  [/^no data rows under the header$/, (t) => t('rule.noRows')],
  [/^not a number: (.*)$/, (t, m) => t('rule.notNumber', { value: m[1]! })],
  [/^required with an override_value$/, (t) => t('rule.requiredWithValue')],
  [/^the same override as row (\d+)$/, (t, m) => t('rule.sameOverride', { row: m[1]! })],
  [/^unknown role (\S+)$/, (t, m) => t('rule.unknownRole', { id: m[1]! })],
  [/^unknown metric (\S+)$/, (t, m) => t('rule.unknownMetric', { id: m[1]! })],
  [/^unknown employee (\S+)$/, (t, m) => t('rule.unknownEmployee', { id: m[1]! })],
  // the upload rows' field rules
  [/^is required$/, (t) => t('rule.isRequired')],
  [/^must not be empty$/, (t) => t('rule.notEmpty')],
  [/^must be at most (\d+) characters$/, (t, m) => t('rule.atMostChars', { n: m[1]! })],
  [/^must be finite$/, (t) => t('rule.finite')],
  [/^must be between (\S+) and (\S+)$/, (t, m) => t('rule.mustBetween', { min: m[1]!, max: m[2]! })],
  [/^expected a number, got (.*)$/s, (t, m) => t('rule.gotNumber', { got: m[1]! })],
  [/^expected text, got (.*)$/s, (t, m) => t('rule.gotText', { got: m[1]! })],
  [/^expected a period, got (.*)$/s, (t, m) => t('rule.gotPeriod', { got: m[1]! })],
  [
    /^expected an ISO week \(2026-W07\), month \(2026-03\) or quarter \(2026-Q1\), got (.*)$/s,
    (t, m) => t('rule.gotIsoPeriod', { got: m[1]! }),
  ],
  [/^expected a date YYYY-MM-DD, got (.*)$/s, (t, m) => t('rule.gotDate', { got: m[1]! })],
  [/^expected a real date YYYY-MM-DD, got (.*)$/s, (t, m) => t('rule.gotRealDate', { got: m[1]! })],
  [/^expected a timestamp, got (.*)$/s, (t, m) => t('rule.gotTimestamp', { got: m[1]! })],
  [
    /^expected an ISO 8601 timestamp such as (\S+), got (.*)$/s,
    (t, m) => t('rule.gotIsoTimestamp', { example: m[1]!, got: m[2]! }),
  ],
  [/^is not a real time$/, (t) => t('rule.notRealTime')],
  [/^expected a whole number 1–5, got (.*)$/s, (t, m) => t('rule.gotStars', { got: m[1]! })],
  [/^expected a whole number 1–5$/, (t) => t('rule.stars')],
  [/^unknown role '([^']*)' \(see (GET \S+)\)$/, (t, m) => t('rule.unknownRoleSee', { id: m[1]!, see: m[2]! })],
  [/^unknown metric '([^']*)' \(see (GET \S+)\)$/, (t, m) => t('rule.unknownMetricSee', { id: m[1]!, see: m[2]! })],
  [
    /^unknown employee '([^']*)' \(register it with POST \/v1\/employees\)$/,
    (t, m) => t('rule.unknownEmployeeRegister', { id: m[1]! }),
  ],
  [
    /^(\S+) is outside (\S+)–(\S+) for (\S+) \(unit (\w+)(: send 0\.0325 for 3\.25 %)?\)$/,
    (t, m) =>
      t('rule.outsideUnit', {
        value: m[1]!,
        min: m[2]!,
        max: m[3]!,
        metric: m[4]!,
        name: metricName(t, m[4]!),
        unit: m[5]!,
        rest: m[6] ?? '',
        hint: m[6] ? t('rule.ratioHint') : '',
      }),
  ],
  [
    /^employee (\S+) has role (\S+), not (\S+)$/,
    (t, m) => t('rule.wrongRole', { id: m[1]!, role: m[2]!, asked: m[3]! }),
  ], // the rarer importer reasons: 生意参谋 / GA4 files, workbooks and zips, CSV and JSON bodies
  [/^not (valid )?JSON: (.*)$/s, (t, m) => t('rule.notJson', { valid: m[1] ?? '', detail: m[2]! })],
  [
    /^malformed CSV at line (\d+): (.+)$/s,
    (t, m) => t('rule.csvAt', { line: m[1]!, detail: ruleWords(CSV_DETAILS, t, m[2]!) ?? m[2]! }),
  ],
  [
    /^the body is not valid UTF-8 at byte (\d+) \(line (\d+)\); send charset=gbk for GBK exports$/,
    (t, m) => t('rule.notUtf8At', { byte: m[1]!, line: m[2]! }),
  ],
  [/^the body ends inside a UTF-8 sequence \(line (\d+)\)$/, (t, m) => t('rule.utf8Cut', { line: m[1]! })],
  [/^expected a JSON array of rows, or an object with a "rows" array$/, (t) => t('rule.jsonShape')],
  [/^expected an object with named fields$/, (t) => t('rule.rowObject')],
  [/^duplicates row (\d+) \(same (.+)\)$/, (t, m) => t('rule.duplicateRow', { row: m[1]!, fields: m[2]! })],
  [/^no (.+) in the request$/, (t, m) => t('rule.noRowsIn', { what: m[1]! })],
  [/^request body exceeds the limit of (\d+) bytes \(BODY_LIMIT\)$/, (t, m) => t('rule.tooLarge', { n: m[1]! })],
  [
    /^is before (created_at|opened_at)$/,
    (t, m) => t('rule.isBefore', { field: m[1]!, when: wordOf(t, 'rule.when', m[1]!) }),
  ],
  [
    /^missing required column 统计日期( \(no header row found: a header has 统计日期 and known columns such as 支付金额, 访客数, 支付买家数 and no dates or numbers\))?$/,
    (t, m) => t('rule.noDateColumn', { rest: m[1] ?? '', hint: m[1] ? t('rule.noHeaderHint') : '' }),
  ],
  [
    /^no usable metric column among (.*); known: (.*)$/,
    (t, m) => t('rule.noMetricColumn', { cols: m[1]!, known: m[2]! }),
  ],
  [
    /^shop "(.*)" not in the export; shops found: (.*)$/,
    (t, m) => t('rule.shopNotIn', { shop: m[1]!, raw: m[2]!, shops: m[2] === 'none' ? t('rule.shopNone') : m[2]! }),
  ],
  [
    /^the export holds (\d+) shops \((.*)\); import one at a time with shop=<name>$/,
    (t, m) => t('rule.shops', { n: m[1]!, shops: m[2]! }),
  ],
  [
    /^shop "(.*)" given but the export has no 店铺名称 \/ 店铺名 column$/,
    (t, m) => t('rule.shopNoColumn', { shop: m[1]! }),
  ],
  [
    /^(".*") is an ID in scientific notation \(Excel rounds long numbers when it saves CSV\): its digits are lost and items would collide; export again, or format the column as text before saving$/,
    (t, m) => t('rule.scientificId', { id: m[1]! }),
  ],
  [/^empty 商品ID$/, (t) => t('rule.emptyItem')],
  [/^bad (\w+): (".*")$/s, (t, m) => t(m[1] === 'date' ? 'rule.badDate' : 'rule.badDim', { dim: m[1]!, value: m[2]! })],
  [/^rate above 100 %: (".*")$/s, (t, m) => t('rule.rateAbove', { value: m[1]! })],
  [/^unexpected %: (".*")$/s, (t, m) => t('rule.unexpectedPct', { value: m[1]! })],
  [/^not a whole number: (".*")$/s, (t, m) => t('rule.notWhole', { value: m[1]! })],
  [/^not a non-negative whole number: (".*")$/s, (t, m) => t('rule.notCount', { value: m[1]! })],
  [/^rate outside 0–1: (".*")$/s, (t, m) => t('rule.rateOutside', { value: m[1]! })],
  [/^employee_id is required$/, (t) => t('rule.employeeRequired')],
  [/^employee_id or employeeDimension is required$/, (t) => t('rule.ga4Employee')],
  [/^unreadable CSV: (.*)$/s, (t, m) => t('rule.unreadableCsv', { detail: m[1]! })],
  [/^not valid UTF-8 \(try encoding gbk\)$/, (t) => t('rule.tryGbk')],
  [/^not valid GBK$/, (t) => t('rule.notGbk')],
  [/^neither valid UTF-8 nor valid GBK$/, (t) => t('rule.neitherCharset')],
  [
    /^(\S+)~(\S+) spans (\S+) and (\S+); a total cannot be split between periods \(export daily rows instead\)$/,
    (t, m) => t('rule.spans', { start: m[1]!, end: m[2]!, p: m[3]!, q: m[4]! }),
  ],
  [
    /^(\d{4}-\d{2}-\d{2})( for (.+?))? is already covered by (?:(.+) )?row (\d+)$/,
    (t, m) =>
      t('rule.dayTwice', {
        day: m[1]!,
        for: m[2] ?? '',
        other: m[4] ? `${m[4]} row ${m[5]}` : `row ${m[5]}`,
        series: m[3] ? `（${m[3]}）` : ' ',
        file: m[4] ? ` ${m[4]} ` : '',
        row: m[5]!,
      }),
  ],
  [
    /^(\d{4}-\d{2}-\d{2}) \((\S+)\) is already covered by (.+)$/,
    (t, m) => t('rule.dayTwiceFile', { day: m[1]!, employee: m[2]!, file: m[3]! }),
  ],
  [
    /^a zip must hold exactly one sheet file \(\.xlsx, \.xls or \.csv\); found (\d+)(: (.*)| \(it holds (.*)\))$/,
    (t, m) =>
      t('rule.zipOne', {
        n: m[1]!,
        rest: m[2]!,
        list:
          m[3] !== undefined
            ? `${t('colon')}${m[3]}`
            : m[4] === 'nothing'
              ? t('rule.zipEmpty')
              : t('rule.zipHolds', { files: m[4]! }),
      }),
  ],
  [/^a zip inside a zip is not unpacked$/, (t) => t('rule.zipInZip')],
  [/^corrupt or truncated zip \(no end of central directory\)$/, (t) => t('rule.zipTruncated')],
  [/^corrupt zip \(bad central directory\)$/, (t) => t('rule.zipDirectory')],
  [/^password-protected zip \((.+) is encrypted\); unpack it first$/, (t, m) => t('rule.zipPassword', { name: m[1]! })],
  [/^corrupt \.xls \(compound file unreadable: (.*)\)$/s, (t, m) => t('rule.corruptXls', { detail: m[1]! })],
  [/^corrupt (zip|\.xlsx?): (.*)$/s, (t, m) => t('rule.corrupt', { kind: m[1]!, detail: m[2]! })],
  [
    /^password-protected workbook \(encrypted\); remove the password in Excel and export again$/,
    (t) => t('rule.workbookPassword'),
  ],
  [/^an OLE2 file without a workbook stream \(not an Excel \.xls\)$/, (t) => t('rule.noWorkbookStream')],
  [/^the workbook has no sheet$/, (t) => t('rule.noSheet')],
  [/^no sheet "(.*)"; sheets: (.*)$/, (t, m) => t('rule.noSheetNamed', { name: m[1]!, sheets: m[2]! })],
  [/^unpacks to (\d+) bytes, more than (\d+)$/, (t, m) => t('rule.unpacks', { n: m[1]!, max: m[2]! })],
  [
    /^no date dimension \(one of ((?:\w+, )*\w+)\)$/,
    (t, m) => t('rule.noDateDimension', { raw: m[1]!, list: codes(t, m[1]!.split(', ')) }),
  ],
  [/^employee dimension not in dimensionHeaders$/, (t) => t('rule.dimensionMissing')],
  [
    /^none of the metrics is one this import reads \((.*)\); it reads (.*)$/,
    (t, m) => t('rule.noGa4Metric', { have: m[1]!, known: m[2]! }),
  ],
  [
    /^(\d+) values for (\d+) (dimension|metric) headers$/,
    (t, m) => t('rule.valueCount', { n: m[1]!, m: m[2]!, kind: m[3]!, which: wordOf(t, 'rule.header', m[3]!) }),
  ],
  // a period the import would write, refused by the history's rules: "gmv 2026-03 (E0001): <rule>"
  [
    /^([a-z_]+) (\d{4}-(?:W\d{2}|Q[1-4]|\d{2})) \((\S+)\): (.+)$/s,
    (t, m) =>
      t('rule.periodRow', {
        metric: m[1]!,
        name: metricName(t, m[1]!),
        period: m[2]!,
        employee: m[3]!,
        detail: refusalText(t, m[4]!),
      }),
  ],
];
/** A decided state's word ("approved" → 批准) where the catalogue has it. */
const decided = (t: Translate, state: string): string => wordOf(t, 'rule.state', state);
/**
 * A whole refusal of the services (no "field: " before it) in the page's language: periods, closes,
 * target bounds, approvals, keys, appeals. The English words are the server's text.
 */
export const REFUSAL_RULES: readonly Rule[] = [
  [
    /^'(.*)' is not a period \(ISO week 2026-W07, month 2026-03 or quarter 2026-Q1\)$/,
    (t, m) => t('rule.notPeriod', { value: m[1]! }),
  ],
  [/^expected a week, month or quarter: '(.*)'$/, (t, m) => t('rule.expectedPeriod', { value: m[1]! })],
  [/^(\S+) is not closed for (\S+)$/, (t, m) => t('rule.notClosed', { period: m[1]!, role: m[2]! })],
  [
    /^(\S+) is not closed for (\S+): close it before exporting payroll$/,
    (t, m) => t('rule.notClosedPayroll', { period: m[1]!, role: m[2]! }),
  ],
  [
    /^(\S+) is closed for (\S+): reopen it before changing its targets$/,
    (t, m) => t('rule.closedTargets', { period: m[1]!, role: m[2]! }),
  ],
  [
    /^(\S+) is closed for (\S+): reopen it before approving a change of its targets$/,
    (t, m) => t('rule.closedApprove', { period: m[1]!, role: m[2]! }),
  ],
  [
    /^(\S+) is outside (\S+)–(\S+) for (\S+)$/,
    (t, m) => t('rule.outside', { value: m[1]!, min: m[2]!, max: m[3]!, metric: m[4]!, name: metricName(t, m[4]!) }),
  ],
  [
    /^the key that requested this override cannot approve or reject it: a second HR key must$/,
    (t) => t('rule.selfApproval'),
  ],
  [
    /^override request (\d+) is (\w+) already$/,
    (t, m) => t('rule.requestDecided', { id: m[1]!, state: m[2]!, word: decided(t, m[2]!) }),
  ],
  [/^the agent scope cannot be combined with other scopes$/, (t) => t('rule.agentCombined')],
  [/^a key with the agent scope needs agent_id \(the employee it belongs to\)$/, (t) => t('rule.agentNeedsId')],
  [/^agent_id is only for a key with the agent scope$/, (t) => t('rule.agentIdOnly')],
  [/^review '([^']*)' has no agent to appeal for$/, (t, m) => t('rule.noAgentToAppeal', { id: m[1]! })],
  [/^review '([^']*)' already has a pending appeal$/, (t, m) => t('rule.appealPending', { id: m[1]! })],
  [
    /^review '([^']*)' is not charged to this key's agent; an agent key appeals only its own reviews$/,
    (t, m) => t('rule.notOwnReview', { id: m[1]! }),
  ],
  [
    /^appeal (\d+) was already (\w+)$/,
    (t, m) => t('rule.appealDecided', { id: m[1]!, state: m[2]!, word: decided(t, m[2]!) }),
  ],
  // a value cell of a 生意参谋 / GA4 file (here, not in FIELD_RULES: "negative: …" reads like a field)
  [/^negative: (".*")$/s, (t, m) => t('rule.negative', { value: m[1]! })],
  // a payout preview's warnings
  [
    /^component (\S+): (\S+): no (target|actual|attainment)$/,
    (t, m) =>
      t('rule.payNo', {
        id: m[1]!,
        metric: m[2]!,
        name: metricName(t, m[2]!),
        what: m[3]!,
        word: wordOf(t, 'rule.payNo', m[3]!),
      }),
  ],
  [
    /^component (\S+): (\S+): negative amount$/,
    (t, m) => t('rule.payNegative', { id: m[1]!, metric: m[2]!, name: metricName(t, m[2]!) }),
  ],
  [/^star allowance: evaluated on months and quarters only$/, (t) => t('rule.starWeekly')],
  // a failed job's error
  [/^no KPI history for (.+)$/, (t, m) => historyWanted(t, m[1]!)],
  [
    /^no active baseline model for (\S+); train one with POST \/v1\/baselines\/train$/,
    (t, m) => t('rule.noActiveModel', { scope: m[1]! }),
  ],
  [
    /^no person-period with an actual and a target between (\S+) and (\S+)$/,
    (t, m) => t('rule.noPersonPeriod', { from: m[1]!, to: m[2]! }),
  ],
  [/^model version (\S+) not found$/, (t, m) => t('rule.noModelVersion', { id: m[1]! })],
  [/^train_aspects needs (.+), which does not exist$/, (t, m) => t('rule.trainFile', { file: m[1]! })],
  [/^(.+) has no ((?:train|dev|test)\.csv)$/, (t, m) => t('rule.noSplit', { dir: m[1]!, file: m[2]! })],
];
const ruleWords = (rules: readonly Rule[], t: Translate, text: string): string | null => {
  for (const [re, say] of rules) {
    const r = re.exec(text);
    if (r) return say(t, r);
  }
  return null;
};
/** A baseline scope id (role:metric:kind) in words: "客服专员 · 成交金额（GMV） · 月"; another text as written. */
function scopeWords(t: Translate, id: string): string {
  const m = /^([a-z_0-9]+):([a-z_0-9]+):(week|month|quarter)$/.exec(id);
  if (!m) return id;
  return [wordOf(t, 'role', m[1]!), metricName(t, m[2]!), wordOf(t, 'kind', m[3]!)].join(' · ');
}
/**
 * A running job's stage (what its processor reports through `progress`: src/kpi/train.ts,
 * src/appraisal/ab-run.ts, src/jobs/processors, src/jobs/compute-tasks.ts, src/ratings/job.ts,
 * src/registry/shadow*.ts) in the page's language; the English words are the processor's text.
 */
export const JOB_STAGES: readonly Rule[] = [
  [/^queued$/, (t) => t('jobs.stage.queued')],
  [/^waiting$/, (t) => t('jobs.stage.waiting')],
  [/^done$/, (t) => t('jobs.stage.done')],
  [
    /^training (\S+) \((\d+)\/(\d+)\)$/,
    (t, m) => t('stage.training', { raw: m[1]!, scope: scopeWords(t, m[1]!), i: m[2]!, n: m[3]! }),
  ],
  [/^history (\d+)\/(\d+)$/, (t, m) => t('stage.history', { done: m[1]!, total: m[2]! })],
  [/^planning chunks$/, (t) => t('stage.planning')],
  [/^scored (\d+) reviews$/, (t, m) => t('stage.scoredReviews', { n: m[1]! })],
  [/^scored (\d+)$/, (t, m) => t('stage.scored', { n: m[1]! })],
  [
    /^scoring (.+)…(.+)$/,
    (t, m) => t('stage.scoring', { from: m[1]!, end: m[2]!, to: m[2] === 'end' ? t('stage.end') : m[2]! }),
  ],
  [/^recomputing ratings$/, (t) => t('stage.recomputingRatings')],
  [/^replacing the scores$/, (t) => t('stage.replacing')],
  [/^reading the corrections \(recipe of (.+)\)$/, (t, m) => t('stage.readingCorrections', { from: m[1]! })],
  [/^starting training thread \((\d+) corrections\)$/, (t, m) => t('stage.startingThreadWith', { n: m[1]! })],
  [/^starting training thread$/, (t) => t('stage.startingThread')],
  [/^registering$/, (t) => t('stage.registering')],
  [/^epoch (\d+)\/(\d+) loss (\S+)$/, (t, m) => t('stage.epoch', { i: m[1]!, n: m[2]!, loss: m[3]! })],
  [/^aspects epoch (\d+)\/(\d+) loss (\S+)$/, (t, m) => t('stage.aspectsEpoch', { i: m[1]!, n: m[2]!, loss: m[3]! })],
  [/^fold (\d+)\/(\d+)$/, (t, m) => t('stage.fold', { i: m[1]!, n: m[2]! })],
  [/^final model$/, (t) => t('stage.finalModel')],
  [/^ratings: reading evidence$/, (t) => t('stage.ratingsReading')],
  [/^ratings (\S+) \((\d+)\/(\d+)\)$/, (t, m) => t('stage.ratings', { period: m[1]!, done: m[2]!, total: m[3]! })],
  [/^compared (\d+) reviews$/, (t, m) => t('stage.compared', { n: m[1]! })],
  [/^evaluating on the aspect evaluation set \(test part\)$/, (t) => t('stage.evaluatingAspects')],
  [/^evaluating on (.+)$/, (t, m) => t('stage.evaluatingOn', { file: m[1]! })],
  [/^targets for (\S+) from the candidate$/, (t, m) => t('stage.targetsCandidate', { period: m[1]! })],
  [/^targets for (\S+) from the active version$/, (t, m) => t('stage.targetsActive', { period: m[1]! })],
];
/** A job's stage in the page's language; a stage no rule knows (a training log line) as reported. */
export function stageText(t: Translate, stage: string): string {
  return ruleWords(JOB_STAGES, t, stage) ?? stage;
}
/**
 * A successful upload's warnings (src/history/importers/aggregate.ts, sycm.ts, ga4.ts and
 * src/services/ingestion.ts) in the page's language; the English words are the importer's text.
 */
export const WARNING_RULES: readonly Rule[] = [
  [
    /^(\S+) \((\S+)\) is partial: (the stored days cover|the source covers) (\d+) of (\d+) days \((\S+)\.\.(\S+)\); (imported as is|not imported until its days are complete|not imported)$/,
    (t, m) =>
      t('warn.partial', {
        period: m[1]!,
        employee: m[2]!,
        source: t(m[3] === 'the stored days cover' ? 'warn.partial.source.stored' : 'warn.partial.source.source'),
        n: m[4]!,
        total: m[5]!,
        first: m[6]!,
        last: m[7]!,
        outcome: t(
          m[8] === 'imported as is'
            ? 'warn.partial.outcome.asIs'
            : m[8] === 'not imported'
              ? 'warn.partial.outcome.not'
              : 'warn.partial.outcome.later',
        ),
      }),
  ],
  [
    /^([a-z_]+) (\S+)~(\S+) \((\S+)\) spans two periods; left out$/,
    (t, m) =>
      t('warn.spansTwo', { metric: m[1]!, name: metricName(t, m[1]!), from: m[2]!, through: m[3]!, employee: m[4]! }),
  ],
  [
    /^(\S+) \((\S+)\): no (visitors|buyers|ad spend|new customers), ([a-z_]+) not computed$/,
    (t, m) =>
      t('warn.notComputed', {
        period: m[1]!,
        employee: m[2]!,
        what: m[3]!,
        why: wordOf(t, 'warn.no', m[3]!),
        metric: m[4]!,
        name: metricName(t, m[4]!),
      }),
  ],
  [
    /^ad_spend is (.+?); (.+) not added to it \(counted in the total\)$/,
    (t, m) => t('warn.columnsNotAdded', { total: m[1]!, cols: m[2]! }),
  ],
  [
    /^(.+): unit "(.*)" not understood; values read as they are$/,
    (t, m) => t('warn.unit', { header: m[1]!, unit: m[2]! }),
  ],
  [/^row (\d+): summary row "(.*)" skipped$/, (t, m) => t('warn.summaryRow', { row: m[1]!, text: m[2]! })],
  [
    /^(\d+) row\(s\) with 商品ID "-" skipped \(no item\): row (.+)$/,
    (t, m) => t('warn.noItemRows', { n: m[1]!, rows: m[2]! }),
  ],
  [
    /^values abbreviated with 万\/亿 are rounded as displayed \((.+)\); export exact figures where you can$/,
    (t, m) =>
      t('warn.abbreviated', {
        list: m[1]!
          .split('; ')
          .map((cell) => {
            const c = /^row (\d+) (.+) "(.*)"$/.exec(cell);
            return c ? t('warn.abbreviatedCell', { row: c[1]!, header: c[2]!, value: c[3]! }) : cell;
          })
          .join(t('field.sep')),
      }),
  ],
  [/^商品ID not in the export: (.+)$/, (t, m) => t('warn.itemsNotFound', { list: m[1]! })],
  [
    /^(\d+) items summed per date; visitors and buyers are sums over items \(a shopper counts once per item\), not shop-level unique counts$/,
    (t, m) => t('warn.itemsSummed', { n: m[1]! }),
  ],
  [/^no data rows after the header$/, (t) => t('warn.noData')],
  [
    /^report has (\d+) rows but holds (\d+): fetch the rest \(offset\/limit\) or the totals are short$/,
    (t, m) => t('warn.reportShort', { total: m[1]!, n: m[2]! }),
  ],
  [
    /^GA4 folded some rows into "\(other\)" \(dataLossFromOtherRow\): totals may be incomplete$/,
    (t) => t('warn.otherRow'),
  ],
  [/^GA4 sampled this report \(samplingMetadatas\): values are estimates$/, (t) => t('warn.sampled')],
  [
    /^revenue and cost are in (\S+); the catalogue's gmv, ad_spend and cac are CNY$/,
    (t, m) => t('warn.currency', { currency: m[1]! }),
  ],
  [
    /^newUsers are new visitors, not customers: add firstTimePurchasers to import new_customers and cac$/,
    (t) => t('warn.newUsers'),
  ],
  [/^no usable metric: (.+)$/s, (t, m) => t('warn.noUsableMetric', { reason: refusalText(t, m[1]!) })],
  [
    /^(\d+) rows skipped: (.+) is empty or \(not set\)$/,
    (t, m) => t('warn.unassigned', { n: m[1]!, dimension: m[2]! }),
  ],
  [
    /^(\d+) NUL character(s?) \(U\+0000\) removed from (\S+): text cannot hold them; the rest was stored as sent$/,
    (t, m) => t('warn.nul', { n: m[1]!, s: m[2]!, raw: m[3]!, field: wordOf(t, 'field', m[3]!) }),
  ],
  // several files in one 生意参谋 import: each file's warnings after its name
  [/^([^:]+\.(?:csv|xlsx?|zip)): (.+)$/s, (t, m) => t('warn.inFile', { file: m[1]!, text: warningText(t, m[2]!) })],
];
/** An upload warning's message in the page's language; a text no rule knows as the server wrote it. */
export function warningText(t: Translate, message: string): string {
  return ruleWords(WARNING_RULES, t, message) ?? message;
}
/**
 * One refusal text in the page's language: a whole service refusal (REFUSAL_RULES, tried first: some
 * read like "field: rule"), or "field: rule" with the field(s) by label and the rule in words, or a
 * rule alone (FIELD_RULES); anything else as the server wrote it.
 */
export function refusalText(t: Translate, text: string): string {
  const whole = ruleWords(REFUSAL_RULES, t, text);
  if (whole !== null) return whole;
  const m = /^([a-z_]+(?:\.[a-z_0-9]+)*(?:, [a-z_]+(?:\.[a-z_0-9]+)*)*): (.+)$/.exec(text);
  if (!m) return ruleWords(FIELD_RULES, t, text) ?? text;
  const [, fields, rule] = m as unknown as [string, string, string];
  const label = fields
    .split(', ')
    .map((field) => wordOf(t, 'field', field))
    .join(t('field.and'));
  return t('field.error', { field: label, detail: ruleWords(FIELD_RULES, t, rule) ?? rule });
}
/**
 * A refusal's "field: rule; field: rule" (the console's form checks and zod's issues) in the page's
 * language: each part through `refusalText`.
 */
export function fieldErrors(t: Translate, detail: string): string {
  return detail
    .split('; ')
    .map((part) => refusalText(t, part))
    .join(t('field.sep'));
}
/**
 * A 404's "<noun> <id> not found" (NotFoundError) as "未找到：员工 E9999": the noun in the page's
 * language where the catalogue has it, the id unquoted; another text as the service wrote it.
 */
export function notFoundText(t: Translate, message: string): string {
  const o = /^an override of (\S+) for (\S+) \((\S+), (\S+)\) not found$/.exec(message);
  if (o) {
    const [, metric, employee, role, period] = o as unknown as [string, string, string, string, string];
    const name = metricName(t, metric);
    return t('error.notFound', { what: t('notFound.override', { metric, name, employee, role, period }) });
  }
  const m = /^(.+?) '?([^' ]+)'? not found$/.exec(message);
  const noun = m ? wordOf(t, 'what', m[1]!, '') : '';
  return t('error.notFound', { what: noun ? `${noun} ${m![2]}` : message });
}
/** A review channel's name in the page's language where the catalogue knows it, else as stored. */
export function channelName(t: Translate, stored: string): string {
  return wordOf(t, 'channel', stored.toLowerCase(), stored);
}
/** A metric's name in the page's language where the catalogue knows it, else its stored name. */
export function metricName(t: Translate, id: string, stored: string = id): string {
  return wordOf(t, 'metric', id, stored);
}
/**
 * Why an override waits for a second approver, in the page's language: the service stores the reason
 * as English text (src/kpi/approval.ts), read back here; a text it did not write is shown as stored.
 */
export function approvalWhyText(t: Translate, f: Formatter, stored: string): string {
  const why = parseWhy(stored);
  if (!why) return stored;
  if (why.kind === 'role_wide') return t('per.why.roleWide');
  if (why.kind === 'no_suggested') return t('per.why.noSuggested');
  return t('per.why.threshold', {
    change: Number.isFinite(why.change) ? f.pct(why.change, 1) : '∞',
    suggested: String(why.suggested),
    threshold: f.pct(why.threshold, 1).replace(/\.0%$/, '%'),
  });
}
export const MESSAGES: Record<MessageKey, readonly [string, string]> = M;

export type Translate = (key: MessageKey, params?: Record<string, string | number>) => string;

export function translator(lang: Lang): Translate {
  const i = lang === 'en' ? 1 : 0;
  return (key, params) => {
    let s: string = M[key][i];
    if (params) for (const [k, v] of Object.entries(params)) s = s.replaceAll(`{${k}}`, String(v));
    return s;
  };
}

/** The language of a request: the `kpi_lang` cookie, then Accept-Language, else Simplified Chinese. */
export function pickLang(cookie: string | undefined, acceptLanguage: string | undefined): Lang {
  if (cookie === 'en' || cookie === 'zh-CN') return cookie;
  if (acceptLanguage) {
    const ranked = acceptLanguage
      .split(',')
      .map((part) => {
        const [tag, ...rest] = part.trim().split(';');
        const q = rest.map((r) => /^\s*q=([\d.]+)/.exec(r)?.[1]).find(Boolean);
        return { tag: (tag ?? '').toLowerCase(), q: q === undefined ? 1 : Number(q) };
      })
      .filter((x) => x.tag && x.q > 0)
      .sort((a, b) => b.q - a.q);
    for (const { tag } of ranked) {
      if (tag.startsWith('zh')) return 'zh-CN';
      if (tag.startsWith('en')) return 'en';
    }
  }
  return 'zh-CN';
}

export interface Formatter {
  /** counts: 12,345 in English; 1.2万 / 3.4亿 in Chinese from ten thousand up */
  count(n: number): string;
  /** a fixed number of decimals (scores) */
  fixed(n: number | null, digits?: number): string;
  /** a share as a percentage */
  pct(x: number | null, digits?: number): string;
  /** signed change */
  signed(x: number | null): string;
  /** a timestamp in China time (UTC+8) */
  dateTime(d: Date): string;
  /** a wait: whole hours below two days, else whole days (never 2.6万 小时) */
  waited(hours: number): string;
}

const DASH = '—';

export function formatter(lang: Lang): Formatter {
  const en = lang === 'en';
  const group = new Intl.NumberFormat(en ? 'en-US' : 'zh-CN', { maximumFractionDigits: 0 });
  const dt = new Intl.DateTimeFormat('sv-SE', {
    timeZone: 'Asia/Shanghai',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
  });
  const trim = (x: number, d: number) => String(Number(x.toFixed(d)));
  return {
    count(n) {
      if (!en) {
        const a = Math.abs(n);
        if (a >= 1e8) return `${trim(n / 1e8, 2)}亿`;
        if (a >= 1e4) return `${trim(n / 1e4, 2)}万`;
      }
      return group.format(n);
    },
    fixed: (n, digits = 1) => (n === null || !Number.isFinite(n) ? DASH : n.toFixed(digits)),
    pct: (x, digits = 0) => (x === null || !Number.isFinite(x) ? DASH : `${(x * 100).toFixed(digits)}%`),
    signed: (x) => (x === null ? DASH : x > 0 ? `+${x.toFixed(1)}` : x < 0 ? `−${Math.abs(x).toFixed(1)}` : '0.0'),
    dateTime: (d) => dt.format(d),
    waited: (h) => {
      if (!Number.isFinite(h)) return DASH;
      if (h < 48) return en ? `${Math.round(h)} h` : `${Math.round(h)} 小时`;
      const days = group.format(Math.floor(h / 24));
      return en ? `${days} days` : `${days} 天`;
    },
  };
}
