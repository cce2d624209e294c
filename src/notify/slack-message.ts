import type { MetricReading, RolloutEvent, RolloutEventType } from '../ports/notifier.js';

/*
 * A rollout event as a Slack Block Kit message: a header with the event, the
 * rollout / feature / stage / percent as fields, each metric reading against
 * the criteria that read it, and the decision with its reason. `text` is the
 * fallback notifications and screen readers show. Pure, so tests can assert
 * the exact payload.
 */

export interface PlainText {
  readonly type: 'plain_text';
  readonly text: string;
  readonly emoji: boolean;
}
export interface Mrkdwn {
  readonly type: 'mrkdwn';
  readonly text: string;
}
export type SlackBlock =
  | { readonly type: 'header'; readonly text: PlainText }
  | { readonly type: 'section'; readonly text: Mrkdwn }
  | { readonly type: 'section'; readonly fields: readonly Mrkdwn[] }
  | { readonly type: 'context'; readonly elements: readonly Mrkdwn[] };

export interface SlackMessage {
  readonly text: string;
  readonly blocks: readonly SlackBlock[];
}

export const EVENT_STYLE: Readonly<
  Record<RolloutEventType, { readonly emoji: string; readonly title: string }>
> = {
  started: { emoji: ':rocket:', title: 'Rollout started' },
  advanced: { emoji: ':arrow_double_up:', title: 'Advanced' },
  awaiting_approval: { emoji: ':raised_hand:', title: 'Awaiting approval' },
  held_too_long: { emoji: ':hourglass_flowing_sand:', title: 'Held too long' },
  feature_missing: { emoji: ':no_entry:', title: 'Feature missing' },
  paused: { emoji: ':double_vertical_bar:', title: 'Paused' },
  drift: { emoji: ':warning:', title: 'Toggle changed outside stagegate' },
  rolled_back: { emoji: ':rewind:', title: 'Rolled back' },
  rollback_failed: { emoji: ':rotating_light:', title: 'Rollback failed' },
  completed: { emoji: ':tada:', title: 'Completed' },
};

const VERDICT_EMOJI: Readonly<Record<string, string>> = {
  pass: ':white_check_mark:',
  fail: ':x:',
  breach: ':rotating_light:',
  inconclusive: ':grey_question:',
  'no-data': ':grey_question:',
  error: ':warning:',
};

/** Block Kit limits: header text 150 characters, section text 3000 */
const HEADER_MAX = 150;
const SECTION_MAX = 3000;

export function slackMessage(event: RolloutEvent): SlackMessage {
  const style = EVENT_STYLE[event.type];
  const decision = decisionText(event);
  const blocks: SlackBlock[] = [
    {
      type: 'header',
      text: {
        type: 'plain_text',
        text: truncate(`${style.emoji} ${style.title}: ${event.rollout}`, HEADER_MAX),
        emoji: true,
      },
    },
    {
      type: 'section',
      fields: [
        { type: 'mrkdwn', text: `*Rollout*\n${escape(event.rollout)}` },
        { type: 'mrkdwn', text: `*Feature*\n\`${escape(event.feature)}\`` },
        { type: 'mrkdwn', text: `*Stage*\n${escape(event.stage ?? 'none')}` },
        { type: 'mrkdwn', text: `*Percent*\n${event.percent}%` },
      ],
    },
  ];
  if (event.readings.length > 0) {
    blocks.push({ type: 'section', text: { type: 'mrkdwn', text: readingsText(event.readings) } });
  }
  const reason = event.reason === null ? '' : `\n*Reason*\n${escape(event.reason)}`;
  blocks.push({
    type: 'section',
    text: { type: 'mrkdwn', text: truncate(`*Decision*\n${decision}${reason}`, SECTION_MAX) },
  });
  const seconds = Math.floor(event.at / 1000);
  const iso = new Date(event.at).toISOString();
  blocks.push({
    type: 'context',
    elements: [{ type: 'mrkdwn', text: `<!date^${seconds}^{date_short_pretty} {time}|${iso}> · stagegate` }],
  });
  const because = event.reason === null ? '' : ` (${escape(event.reason)})`;
  return { text: `${style.emoji} ${style.title}: ${escape(event.rollout)}: ${decision}${because}`, blocks };
}

function decisionText(event: RolloutEvent): string {
  const stage = escape(event.stage ?? 'no stage');
  const name = escape(event.rollout);
  switch (event.type) {
    case 'started':
      return `started at ${stage} (${event.percent}%)`;
    case 'advanced':
      return `advanced to ${stage} (${event.percent}%)`;
    case 'awaiting_approval':
      return `waiting at ${stage} (${event.percent}%) for approval: \`stagegate approve ${name}\``;
    case 'held_too_long':
      return `held at ${stage} (${event.percent}%) longer than its maximum stage duration`;
    case 'feature_missing':
      return `not started: the feature does not exist, and stagegate never creates one`;
    case 'paused':
      return `paused at ${stage} (${event.percent}%): \`stagegate resume ${name}\` to continue`;
    case 'drift':
      return `paused at ${stage}: the toggle no longer shows the ${event.percent}% stagegate set`;
    case 'rolled_back':
      return `rolled back: the toggle is at ${event.percent}%`;
    case 'rollback_failed':
      return `*rollback failed*: the toggle is still at ${event.percent}%; stagegate keeps retrying`;
    case 'completed':
      return `completed at ${event.percent}%`;
  }
}

function readingsText(readings: readonly MetricReading[]): string {
  const lines = readings.map(readingLine);
  let text = '*Metrics*';
  for (const [index, line] of lines.entries()) {
    const more = `\n…and ${lines.length - index} more`;
    if (text.length + 1 + line.length + more.length > SECTION_MAX) return text + more;
    text += `\n${line}`;
  }
  return text;
}

function readingLine(reading: MetricReading): string {
  const asPercent = reading.criteria.some((c) => c.includes('%'));
  const value = reading.value === null ? 'no value' : formatValue(reading.value, asPercent);
  const interval =
    reading.interval === null
      ? ''
      : ` [${formatValue(reading.interval[0], asPercent)}, ${formatValue(reading.interval[1], asPercent)}]`;
  const criteria =
    reading.criteria.length === 0 ? '' : ` vs ${reading.criteria.map((c) => `\`${escape(c)}\``).join(', ')}`;
  const emoji = VERDICT_EMOJI[reading.verdict] ?? ':small_blue_diamond:';
  return `${emoji} *${escape(reading.metric)}* ${value}${interval}${criteria}: ${escape(reading.verdict)}`;
}

const plain = new Intl.NumberFormat('en-US', { maximumFractionDigits: 4 });
const percent = new Intl.NumberFormat('en-US', { maximumFractionDigits: 2 });

function formatValue(value: number, asPercent: boolean): string {
  return asPercent ? `${percent.format(value * 100)}%` : plain.format(value);
}

/** Slack reads &, < and > as markup (links, mentions); text from rollouts must not be */
function escape(text: string): string {
  return text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');
}

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
