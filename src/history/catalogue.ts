/**
 * Defaults from the appraisal framework: roles, indicator groups with their default weights,
 * and the metric catalogue. Seeded into the database by the first migration's seed step;
 * the tables are the source of truth afterwards (roles and metrics are extensible).
 */

export type Direction = 'higher' | 'lower';
export type IndicatorGroup = 'sales' | 'efficiency' | 'customer_experience' | 'innovation';

export const INDICATOR_GROUPS: readonly IndicatorGroup[] = ['sales', 'efficiency', 'customer_experience', 'innovation'];

export interface RoleDef {
  id: string;
  name: string;
  /** Appraisal cycle the role is normally reviewed on. */
  cycle: 'week' | 'month' | 'quarter';
}

export const DEFAULT_ROLES: readonly RoleDef[] = [
  { id: 'sales_ops', name: 'Sales operations', cycle: 'week' },
  { id: 'product_ops', name: 'Product operations', cycle: 'quarter' },
  { id: 'cs_agent', name: 'Customer-service agent', cycle: 'month' },
];

export interface MetricDef {
  id: string;
  name: string;
  unit: string;
  direction: Direction;
  group: IndicatorGroup;
  description: string;
}

export const DEFAULT_METRICS: readonly MetricDef[] = [
  {
    id: 'gmv',
    name: 'GMV',
    unit: 'CNY',
    direction: 'higher',
    group: 'sales',
    description: 'Gross merchandise value paid in the period',
  },
  {
    id: 'conversion_rate',
    name: 'Conversion rate',
    unit: 'ratio',
    direction: 'higher',
    group: 'sales',
    description: 'Paying buyers / visitors (0–1)',
  },
  {
    id: 'aov',
    name: 'Average order value',
    unit: 'CNY',
    direction: 'higher',
    group: 'sales',
    description: 'GMV / paying buyers',
  },
  {
    id: 'visitors',
    name: 'Visitors',
    unit: 'count',
    direction: 'higher',
    group: 'sales',
    description: 'Unique visitors (traffic), an input to conversion',
  },
  {
    id: 'ad_spend',
    name: 'Ad spend',
    unit: 'CNY',
    direction: 'lower',
    group: 'efficiency',
    description:
      'Paid promotion cost in the period (直通车, 万相台, … or GA4 advertiserAdCost), an input to ROI and CAC',
  },
  {
    id: 'new_customers',
    name: 'New customers',
    unit: 'count',
    direction: 'higher',
    group: 'sales',
    description: 'First-time paying buyers (生意参谋 支付新买家数, GA4 firstTimePurchasers), an input to CAC',
  },
  {
    id: 'roi',
    name: 'ROI',
    unit: 'times',
    direction: 'higher',
    group: 'efficiency',
    description: 'GMV / ad spend in the period (return on ad spend, 投入产出比)',
  },
  {
    id: 'cac',
    name: 'Customer acquisition cost',
    unit: 'CNY',
    direction: 'lower',
    group: 'efficiency',
    description: 'Ad spend / new customers in the period',
  },
  {
    id: 'inventory_turnover',
    name: 'Inventory turnover',
    unit: 'times',
    direction: 'higher',
    group: 'efficiency',
    description: 'Cost of goods sold / average inventory in the period',
  },
  {
    id: 'order_handling_time',
    name: 'Order handling time',
    unit: 'hours',
    direction: 'lower',
    group: 'efficiency',
    description: 'Mean time from payment to dispatch',
  },
  {
    id: 'csat',
    name: 'CSAT',
    unit: 'ratio',
    direction: 'higher',
    group: 'customer_experience',
    description: 'Share of satisfied survey answers (0–1)',
  },
  {
    id: 'return_handling_time',
    name: 'Return handling time',
    unit: 'hours',
    direction: 'lower',
    group: 'customer_experience',
    description: 'Mean time from return request to closure',
  },
  {
    id: 'response_qualified_rate',
    name: 'Response-qualified rate',
    unit: 'ratio',
    direction: 'higher',
    group: 'customer_experience',
    description: 'Share of chats answered within the response-time standard (0–1)',
  },
  {
    id: 'negative_review_response_24h',
    name: 'Negative-review 24 h response rate',
    unit: 'ratio',
    direction: 'higher',
    group: 'customer_experience',
    description: 'Share of negative reviews answered within 24 hours (0–1)',
  },
  {
    id: 'innovation_contribution',
    name: 'Innovation contribution',
    unit: 'points',
    direction: 'higher',
    group: 'innovation',
    description: 'Points for adopted improvement proposals and experiments',
  },
];
