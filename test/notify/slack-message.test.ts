import { describe, expect, it } from 'vitest';
import type { RolloutEventType } from '../../src/ports/notifier.js';
import { slackMessage } from '../../src/notify/slack-message.js';
import { rolledBack } from './fixtures.js';

describe('slackMessage', () => {
  it('renders a rollback as Block Kit with readings against thresholds, decision and reason', () => {
    expect(slackMessage(rolledBack())).toEqual({
      text: ':rewind: Rolled back: event-bus-gateway-emails: rolled back: the toggle is at 0% (error_rate &gt; 5% for 2 checks)',
      blocks: [
        {
          type: 'header',
          text: { type: 'plain_text', text: ':rewind: Rolled back: event-bus-gateway-emails', emoji: true },
        },
        {
          type: 'section',
          fields: [
            { type: 'mrkdwn', text: '*Rollout*\nevent-bus-gateway-emails' },
            { type: 'mrkdwn', text: '*Feature*\n`event_bus_gateway_emails_enabled`' },
            { type: 'mrkdwn', text: '*Stage*\nstage-c' },
            { type: 'mrkdwn', text: '*Percent*\n0%' },
          ],
        },
        {
          type: 'section',
          text: {
            type: 'mrkdwn',
            text:
              '*Metrics*\n' +
              ':rotating_light: *error_rate* 7.12% [6.1%, 8.25%] vs `error_rate &lt; 5%`, `error_rate &gt; 5% for 2 checks`: breach\n' +
              ':white_check_mark: *contact_center_calls* 1 vs `contact_center_calls &lt; 2`: pass\n' +
              ':grey_question: *click_through* no value vs `click_through &gt; 30%`: no-data',
          },
        },
        {
          type: 'section',
          text: {
            type: 'mrkdwn',
            text: '*Decision*\nrolled back: the toggle is at 0%\n*Reason*\nerror_rate &gt; 5% for 2 checks',
          },
        },
        {
          type: 'context',
          elements: [
            {
              type: 'mrkdwn',
              text: '<!date^1750170600^{date_short_pretty} {time}|2025-06-17T14:30:00.000Z> · stagegate',
            },
          ],
        },
      ],
    });
  });

  it.each<[RolloutEventType, string, string]>([
    ['started', ':rocket: Rollout started', 'started at canary (2%)'],
    ['advanced', ':arrow_double_up: Advanced', 'advanced to canary (2%)'],
    [
      'awaiting_approval',
      ':raised_hand: Awaiting approval',
      'waiting at canary (2%) for approval: `stagegate approve demo`',
    ],
    [
      'held_too_long',
      ':hourglass_flowing_sand: Held too long',
      'held at canary (2%) longer than its maximum stage duration',
    ],
    ['paused', ':double_vertical_bar: Paused', 'paused at canary (2%): `stagegate resume demo` to continue'],
    [
      'drift',
      ':warning: Toggle changed outside stagegate',
      'paused at canary: the toggle no longer shows the 2% stagegate set',
    ],
    ['rolled_back', ':rewind: Rolled back', 'rolled back: the toggle is at 2%'],
    [
      'rollback_failed',
      ':rotating_light: Rollback failed',
      '*rollback failed*: the toggle is still at 2%; stagegate keeps retrying',
    ],
    ['completed', ':tada: Completed', 'completed at 2%'],
  ])('%s: header %j, decision %j', (type, header, decision) => {
    const message = slackMessage(
      rolledBack({ type, rollout: 'demo', stage: 'canary', percent: 2, reason: null, readings: [] }),
    );
    expect(message.blocks[0]).toEqual({
      type: 'header',
      text: { type: 'plain_text', text: `${header}: demo`, emoji: true },
    });
    // no readings: no metrics section; no reason: no reason line
    expect(message.blocks).toHaveLength(4);
    expect(message.blocks[2]).toEqual({
      type: 'section',
      text: { type: 'mrkdwn', text: `*Decision*\n${decision}` },
    });
    expect(message.text).toBe(`${header}: demo: ${decision}`);
  });

  it('escapes markup from rollout data so it cannot ping or link', () => {
    const message = slackMessage(
      rolledBack({ reason: '<!channel> & <https://evil.example|click>', readings: [] }),
    );
    expect(JSON.stringify(message)).not.toContain('<!channel>');
    expect(message.blocks[2]).toEqual({
      type: 'section',
      text: {
        type: 'mrkdwn',
        text: '*Decision*\nrolled back: the toggle is at 0%\n*Reason*\n&lt;!channel&gt; &amp; &lt;https://evil.example|click&gt;',
      },
    });
  });

  it('keeps the metrics section within the Block Kit limit of 3000 characters', () => {
    const readings = Array.from({ length: 200 }, (_, i) => ({
      metric: `metric_number_${i}`,
      value: i,
      interval: null,
      criteria: [`metric_number_${i} < 1000`],
      verdict: 'pass',
    }));
    const section = slackMessage(rolledBack({ readings })).blocks[2];
    if (section?.type !== 'section' || !('text' in section)) throw new Error('expected the metrics section');
    expect(section.text.text.length).toBeLessThanOrEqual(3000);
    expect(section.text.text).toMatch(/\n…and \d+ more$/);
  });

  it('shows a stage of null as none and truncates a long header to 150 characters', () => {
    const message = slackMessage(rolledBack({ stage: null, rollout: 'r'.repeat(200) }));
    const header = message.blocks[0];
    if (header?.type !== 'header') throw new Error('expected a header');
    expect(header.text.text).toHaveLength(150);
    expect(header.text.text.endsWith('…')).toBe(true);
    expect(message.blocks[1]).toMatchObject({
      fields: expect.arrayContaining([{ type: 'mrkdwn', text: '*Stage*\nnone' }]),
    });
  });
});
