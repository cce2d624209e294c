import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import GithubSlugger from 'github-slugger';
import { Lexer, type Token, type Tokens } from 'marked';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../store/helpers.js';

/*
 * The README is the front door and docs/ holds the reference: every relative
 * link in them must land on a file that exists and, when it names an anchor,
 * on a heading of that file (GitHub's slugs, duplicates numbered as GitHub
 * numbers them). Links inside code are not links.
 */

function markdownFiles(): string[] {
  const docs = join(repoRoot, 'docs');
  const walk = (dir: string): string[] =>
    readdirSync(dir).flatMap((name) => {
      const path = join(dir, name);
      return statSync(path).isDirectory() ? walk(path) : name.endsWith('.md') ? [path] : [];
    });
  return [join(repoRoot, 'README.md'), ...(existsSync(docs) ? walk(docs) : [])];
}

function walkTokens(tokens: readonly Token[], visit: (token: Token) => void): void {
  for (const token of tokens) {
    visit(token);
    const nested = (token as { tokens?: Token[] }).tokens;
    if (nested) walkTokens(nested, visit);
    if (token.type === 'list')
      for (const item of (token as Tokens.List).items) walkTokens(item.tokens, visit);
    if (token.type === 'table') {
      const table = token as Tokens.Table;
      for (const cell of [...table.header, ...table.rows.flat()]) walkTokens(cell.tokens, visit);
    }
  }
}

const parsed = new Map<string, { anchors: Set<string>; links: string[] }>();
function parse(file: string): { anchors: Set<string>; links: string[] } {
  const known = parsed.get(file);
  if (known) return known;
  const slugger = new GithubSlugger();
  const anchors = new Set<string>();
  const links: string[] = [];
  walkTokens(new Lexer().lex(readFileSync(file, 'utf8')), (token) => {
    if (token.type === 'heading') anchors.add(slugger.slug((token as Tokens.Heading).text));
    if (token.type === 'link') links.push((token as Tokens.Link).href);
  });
  const result = { anchors, links };
  parsed.set(file, result);
  return result;
}

function brokenLinks(file: string): string[] {
  const broken: string[] = [];
  for (const href of parse(file).links) {
    if (/^[a-z][a-z0-9+.-]*:/i.test(href)) continue;
    const [path = '', anchor] = href.split('#');
    const target = path === '' ? file : resolve(dirname(file), decodeURI(path));
    if (!existsSync(target)) {
      broken.push(`${href}: no such file`);
      continue;
    }
    if (anchor !== undefined && target.endsWith('.md') && !parse(target).anchors.has(anchor)) {
      broken.push(`${href}: no heading #${anchor} in ${relative(repoRoot, target)}`);
    }
  }
  return broken;
}

describe('documentation links', () => {
  const files = markdownFiles();

  it('finds the README and the docs pages', () => {
    expect(files.length).toBeGreaterThan(10);
  });

  it.each(files.map((file) => [relative(repoRoot, file), file]))(
    '%s: every relative link resolves',
    (_, file) => {
      expect(brokenLinks(file)).toEqual([]);
    },
  );

  it('notices a broken link and a broken anchor', () => {
    const readme = join(repoRoot, 'README.md');
    parsed.set(readme, {
      anchors: new Set(),
      links: ['docs/no-such-page.md', 'docs/running.md#no-such-heading'],
    });
    expect(brokenLinks(readme)).toEqual([
      'docs/no-such-page.md: no such file',
      'docs/running.md#no-such-heading: no heading #no-such-heading in docs/running.md',
    ]);
    parsed.delete(readme);
  });

  it('keeps the README a front door (at most 250 lines)', () => {
    expect(readFileSync(join(repoRoot, 'README.md'), 'utf8').split('\n').length).toBeLessThanOrEqual(250);
  });
});
