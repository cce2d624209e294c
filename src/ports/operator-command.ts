/*
 * The operator commands (DESIGN.md §1), listed once: the CLI registers one
 * subcommand each, the HTTP API one route each, history records them, the
 * engine maps each to its event.
 */
export const OPERATOR_COMMANDS = ['pause', 'resume', 'approve', 'abort', 'promote', 'retry'] as const;

export type OperatorCommand = (typeof OPERATOR_COMMANDS)[number];
