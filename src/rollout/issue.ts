/**
 * A problem found in a parsed document, before it is given a line and column.
 * `path` leads from the document root to the node it is about; `at` says
 * which part of that node a reader should be pointed at.
 */
export interface SpecIssue {
  readonly path: readonly (string | number)[];
  /** key: the key itself (unknown key); value: its value; parent: the mapping the key is missing from */
  readonly at: 'key' | 'value' | 'parent';
  readonly message: string;
  /** 1-based column within a string value (criteria), to point at one character */
  readonly column?: number;
}

const IDENTIFIER = /^[A-Za-z_$][\w$-]*$/;

/** `stages[1].percent`, `metrics.error_rate.datadog`, `metrics["bad key"]`. */
export function formatPath(path: readonly (string | number)[]): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else if (IDENTIFIER.test(seg)) out += out === '' ? seg : `.${seg}`;
    else out += `[${JSON.stringify(seg)}]`;
  }
  return out;
}

/** The message as printed: prefixed with the path of the node it is about. */
export function issueText(issue: SpecIssue): string {
  const where = formatPath(issue.path);
  return where === '' ? issue.message : `${where}: ${issue.message}`;
}
