/**
 * The console's small wording helpers (found by a look at every page in both languages): a KPI number
 * never reads "-0", a wait of weeks reads in days (not "2.62万 小时"), review channels and the common
 * form refusals are worded in the page's language, and an error page links back only to this host.
 */
import { describe, expect, it } from 'vitest';
import { sameOriginPath } from '../../src/web/layout.js';
import { channelName, fieldErrors, formatter, notFoundText, translator } from '../../src/web/messages.js';
import { columnNum, num } from '../../src/web/pages/targets.js';

const zh = translator('zh-CN');
const en = translator('en');

describe('console wording', () => {
  it('writes a tiny negative as 0, not -0', () => {
    expect(num(-0.0001)).toBe('0');
    expect(num(-0.0004)).toBe('0');
    expect(num(-0.006)).toBe('-0.006');
    expect(num(0.92)).toBe('0.92');
  });
  it('gives every cell of a desk column the decimals of the column’s median size', () => {
    const rate = columnNum([0.9, 0.925, 0.93, 1.25]);
    expect([0.9, 0.925, 1.25, null].map(rate)).toEqual(['0.900', '0.925', '1.250', '—']);
    expect(rate(-0.0001)).toBe('0.000');
    const turnover = columnNum([4.5, 12.25, 0.8]);
    expect([4.5, 12.25, 0.8].map(turnover)).toEqual(['4.50', '12.25', '0.80']);
    const gmv = columnNum([1_608_711.4, 980.6, 2_000_000]);
    expect([1_608_711.4, 980.6].map(gmv)).toEqual(['1,608,711', '981']);
    expect(columnNum([null, undefined])(0.92)).toBe('0.92');
  });
  it('writes a wait in hours below two days, else in days', () => {
    expect(formatter('zh-CN').waited(30.4)).toBe('30 小时');
    expect(formatter('zh-CN').waited(26_200)).toBe('1,091 天');
    expect(formatter('en').waited(47.6)).toBe('48 h');
    expect(formatter('en').waited(72)).toBe('3 days');
  });
  it('names the known channels and shows another as stored', () => {
    expect(channelName(zh, 'chat')).toBe('在线咨询');
    expect(channelName(zh, 'After_Sales')).toBe('售后');
    expect(channelName(en, 'product_review')).toBe('product review');
    expect(channelName(zh, 'wangwang')).toBe('wangwang');
  });
  it('words a refused field by its label and the common rules in the page language', () => {
    expect(fieldErrors(zh, 'reason: Too small: expected string to have >=1 characters')).toBe('原因（必填）');
    expect(fieldErrors(en, 'reason: required')).toBe('Reason: required');
    expect(fieldErrors(zh, 'id: expected a lower-case id (a–z, 0–9, _ . -); ends_on: is before starts_on')).toBe(
      '编号（须为小写编号（a–z, 0–9, _ . -））；结束日期（早于开始日期）',
    );
    expect(fieldErrors(en, 'reason: Too small: expected string to have >=3 characters')).toBe(
      'Reason: at least 3 characters',
    );
    // not a field's refusal: as written
    expect(fieldErrors(zh, 'weights must sum to 100 (got 90)')).toBe('weights must sum to 100 (got 90)');
  });
  it("words a 404's noun and drops the English 'not found'", () => {
    expect(notFoundText(zh, "employee 'E9999' not found")).toBe('未找到：员工 E9999');
    expect(notFoundText(zh, 'model version baseline:x@1 not found')).toBe('未找到：模型版本 baseline:x@1');
    expect(notFoundText(en, 'employee E9999 not found')).toBe('Not found: employee E9999');
    expect(notFoundText(zh, 'job abc-1 not found')).toBe('未找到：任务 abc-1');
    // a noun the catalogue does not know, or another text: as written
    expect(notFoundText(zh, 'growth catalogue not found')).toBe('未找到：growth catalogue not found');
  });
  it('links back only to a page of this host', () => {
    expect(sameOriginPath('http://h:1/weights?edit=x', 'h:1')).toBe('/weights?edit=x');
    expect(sameOriginPath('https://evil.example/x', 'h:1')).toBeNull();
    expect(sameOriginPath(undefined, 'h:1')).toBeNull();
    expect(sameOriginPath('not a url', 'h:1')).toBeNull();
  });
});
