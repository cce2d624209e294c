/*
 * The `detail` of a `check` history entry lives with the history codec
 * (src/ports/history.ts), shared by writers and readers; re-exported here for
 * the report's readers.
 */
import type { CheckDetail, CheckResult } from '../ports/history.js';

export { parseCheckDetail, type CheckDetail, type CheckResult } from '../ports/history.js';
export type CheckMeasurement = CheckDetail['measurements'][string];
export type { CheckResult as CheckResultOf };
