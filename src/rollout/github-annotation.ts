import type { Problem } from './errors.js';

/*
 * GitHub Actions workflow commands: `::error file=..,line=..,col=..::message`
 * puts the problem on the pull request's diff. Values are escaped as the
 * runner expects (toolkit/core's escapeData / escapeProperty).
 */

function escapeData(s: string): string {
  return s.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

function escapeProperty(s: string): string {
  return escapeData(s).replace(/:/g, '%3A').replace(/,/g, '%2C');
}

export function githubAnnotation(p: Problem): string {
  const props = [`file=${escapeProperty(p.path)}`];
  if (p.line > 0) props.push(`line=${p.line}`, `col=${p.col}`);
  return `::error ${props.join(',')}::${escapeData(p.message)}`;
}
