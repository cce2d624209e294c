import type { RolloutEvent } from '../../src/ports/notifier.js';

export function rolledBack(overrides: Partial<RolloutEvent> = {}): RolloutEvent {
  return {
    type: 'rolled_back',
    rollout: 'event-bus-gateway-emails',
    feature: 'event_bus_gateway_emails_enabled',
    stage: 'stage-c',
    percent: 0,
    at: Date.UTC(2025, 5, 17, 14, 30, 0),
    reason: 'error_rate > 5% for 2 checks',
    readings: [
      {
        metric: 'error_rate',
        value: 0.0712,
        interval: [0.061, 0.0825],
        criteria: ['error_rate < 5%', 'error_rate > 5% for 2 checks'],
        verdict: 'breach',
      },
      {
        metric: 'contact_center_calls',
        value: 1,
        interval: null,
        criteria: ['contact_center_calls < 2'],
        verdict: 'pass',
      },
      {
        metric: 'click_through',
        value: null,
        interval: null,
        criteria: ['click_through > 30%'],
        verdict: 'no-data',
      },
    ],
    ...overrides,
  };
}
