import { describe, expect, it } from 'vitest';
import { escapeHtml, renderInline, renderMarkdown, safeHref } from '../../dashboard/markdown.js';

/** Every tag the renderer may write; anything else in the output is an injection. */
const ALLOWED_TAGS = new Set(['h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'p', 'br', 'ul', 'ol', 'li', 'table', 'thead', 'tbody', 'tr', 'th', 'td', 'strong', 'em', 'code', 'pre', 'a']);

/**
 * Every tag of the output as a browser would tokenise it: each `<` must open a well-formed tag whose
 * attributes are all `name="value"` with no quote inside the value (text's `<` and `"` are escaped).
 */
function tagsOf(html: string): Array<{ tag: string; attributes: string[] }> {
  const tags: Array<{ tag: string; attributes: string[] }> = [];
  for (let at = html.indexOf('<'); at !== -1; at = html.indexOf('<', at + 1)) {
    const match = /^<\/?([a-z0-9]+)((?:\s+[a-z-]+="[^"<>]*")*)\s*>/.exec(html.slice(at));
    expect(match, `a malformed tag at ${html.slice(at, at + 40)}`).not.toBeNull();
    tags.push({ tag: match![1]!, attributes: [...match![2]!.matchAll(/\s([a-z-]+)="[^"]*"/g)].map((a) => `${match![1]}.${a[1]}`) });
  }
  return tags;
}

describe('the Markdown renderer', () => {
  it('renders the blocks of a postmortem: headings, lists, tables, paragraphs', () => {
    const html = renderMarkdown(
      [
        '# Postmortem: api down',
        '',
        '- **Incident:** #4 (CheckDown, severity page)',
        '- **Where:** prod/api/http',
        '',
        '## Timeline (UTC)',
        '',
        '| time | event | by |',
        '|---|---|---|',
        '| 2026-12-01T10:00:00Z | opened | Vigil |',
        '| 2026-12-01T10:05:00Z | note | ana \\| bob |',
        '',
        '1. first',
        '2. second',
        '',
        'Some _context_ and *more*,',
        'on two lines.',
      ].join('\n'),
    );
    expect(html).toContain('<h1>Postmortem: api down</h1>');
    expect(html).toContain('<ul><li><strong>Incident:</strong> #4 (CheckDown, severity page)</li><li><strong>Where:</strong> prod/api/http</li></ul>');
    expect(html).toContain('<h2>Timeline (UTC)</h2>');
    expect(html).toContain('<thead><tr><th>time</th><th>event</th><th>by</th></tr></thead>');
    expect(html).toContain('<td>ana &#124; bob</td>');
    expect(html).toContain('<ol><li>first</li><li>second</li></ol>');
    expect(html).toContain('<p>Some <em>context</em> and <em>more</em>,<br>on two lines.</p>');
  });

  it('links http(s) URLs, written as links or bare, and opens them without handing over the page', () => {
    expect(renderInline('[runbook](https://runbooks.example.com/api?a=1&b=2)')).toBe(
      '<a href="https://runbooks.example.com/api?a=1&amp;b=2" rel="noopener noreferrer nofollow" target="_blank">runbook</a>',
    );
    expect(renderInline('see http://example.com/x.')).toBe('see <a href="http://example.com/x" rel="noopener noreferrer nofollow" target="_blank">http://example.com/x</a>.');
  });

  it('keeps code spans and fenced code literal', () => {
    expect(renderInline('run `rm -rf **/*.tmp <x>`')).toBe('run <code>rm -rf **/*.tmp &lt;x&gt;</code>');
    expect(renderMarkdown('```\n<b>**not bold**</b>\n```')).toBe('<pre><code>&lt;b&gt;**not bold**&lt;/b&gt;</code></pre>');
  });

  it.each([
    ['a script tag', '<script>alert(1)</script>'],
    ['an image with an event handler', '<img src=x onerror="alert(1)">'],
    ['an svg with onload', '<svg onload=alert(1)>'],
    ['an attribute breaking out of a link', '[x](https://example.com/"onmouseover="alert(1))'],
    ['a quote breaking out of a bare URL', 'https://example.com/"onclick="alert(1)'],
    ['an iframe in a table cell', '| a |\n|---|\n| <iframe src="https://evil"> |'],
    ['a script in a heading', '# <script>alert(1)</script>'],
    ['a script in link text', '[<script>alert(1)</script>](https://example.com)'],
    ['a style attribute', '<p style="background:url(javascript:alert(1))">x</p>'],
    ['an HTML comment', '<!-- <script>alert(1)</script> -->'],
  ])('renders %s as text', (_, source) => {
    const html = renderMarkdown(source);
    for (const { tag, attributes } of tagsOf(html)) {
      expect(ALLOWED_TAGS).toContain(tag);
      for (const attribute of attributes) expect(['a.href', 'a.rel', 'a.target']).toContain(attribute);
    }
    expect(html).not.toMatch(/<(script|img|svg|iframe|style|!--)/i);
  });

  it.each([
    ['javascript:', '[click](javascript:alert(1))'],
    ['JavaScript: in capitals', '[click](JavaScript:alert(1))'],
    ['data:', '[click](data:text/html,<script>alert(1)</script>)'],
    ['vbscript:', '[click](vbscript:msgbox)'],
    ['a relative URL', '[click](/api/v1/silences)'],
    ['a protocol-relative URL', '[click](//evil.example.com)'],
    ['an entity-encoded scheme', '[click](&#106;avascript:alert(1))'],
  ])('refuses a %s link: the text and the URL are shown, nothing is clickable', (_, source) => {
    const html = renderMarkdown(source);
    expect(html).not.toContain('<a');
    expect(html).toContain('click');
  });

  it('accepts only absolute http(s) URLs without whitespace as hrefs', () => {
    expect(safeHref('https://example.com/a')).toBe('https://example.com/a');
    expect(safeHref('HTTP://example.com')).toBe('HTTP://example.com');
    expect(safeHref('java\tscript:alert(1)')).toBeNull();
    expect(safeHref('https://exa mple.com')).toBeNull();
    expect(safeHref('javascript:alert(1)//https://x')).toBeNull();
  });

  it('escapes the five HTML-special characters', () => {
    expect(escapeHtml(`<a href="x" title='y'>&</a>`)).toBe('&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&lt;/a&gt;');
    expect(renderMarkdown('5 < 6 && "quoted"')).toBe('<p>5 &lt; 6 &amp;&amp; &quot;quoted&quot;</p>');
  });
});
