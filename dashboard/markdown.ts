// A small, safe Markdown renderer for postmortems: headings, paragraphs, lists, tables, fenced code,
// **bold**, *italic*, `code` and links. Every character of the input reaches the output escaped; the
// only tags are the ones written here, with no attributes but a checked http(s) `href`. So a postmortem
// holding `<script>`, `onerror=` or a `javascript:` link renders it as text, never as markup.

const ESCAPES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Text made safe to place between tags or inside a double-quoted attribute. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (ch) => ESCAPES[ch]!);
}

/** The URL when it is an absolute http(s) link without whitespace or control characters, else null. */
export function safeHref(url: string): string | null {
  const trimmed = url.trim();
  // Browsers drop tabs and newlines inside a URL (`java\tscript:`): refuse any, and anything but http(s).
  if (!/^https?:\/\/[^\s\u0000-\u001f\u007f]+$/i.test(trimmed)) return null;
  try {
    const parsed = new URL(trimmed);
    return parsed.protocol === 'http:' || parsed.protocol === 'https:' ? trimmed : null;
  } catch {
    return null;
  }
}

/** A link element, or the escaped text (and URL) when the URL is not http(s). */
function link(textHtml: string, url: string): string {
  const href = safeHref(url);
  if (href === null) return `${textHtml} (${escapeHtml(url)})`;
  return `<a href="${escapeHtml(href)}" rel="noopener noreferrer nofollow" target="_blank">${textHtml}</a>`;
}

/** Inline Markdown of one line or table cell: code spans first (their content is literal), then links, bold, italic. */
export function renderInline(source: string): string {
  let out = '';
  let rest = source;
  while (rest.length > 0) {
    const code = /`([^`]+)`/.exec(rest);
    const before = code ? rest.slice(0, code.index) : rest;
    out += renderSpans(before);
    if (!code) break;
    out += `<code>${escapeHtml(code[1]!)}</code>`;
    rest = rest.slice(code.index + code[0].length);
  }
  return out;
}

/** Links, emphasis and bare URLs of text without code spans. */
function renderSpans(text: string): string {
  const pattern = /\[([^\]\n]+)\]\(([^)\s]+)\)|(https?:\/\/[^\s<>()|]+[^\s<>()|.,;:!?'"])/g;
  let out = '';
  let last = 0;
  for (let match = pattern.exec(text); match !== null; match = pattern.exec(text)) {
    out += emphasis(text.slice(last, match.index));
    out += match[3] !== undefined ? link(escapeHtml(match[3]), match[3]) : link(emphasis(match[1]!), match[2]!);
    last = match.index + match[0].length;
  }
  return out + emphasis(text.slice(last));
}

/** `**bold**`, `__bold__`, `*italic*`, `_italic_` and `\`-escapes, on escaped text (markers are not HTML-special). */
function emphasis(text: string): string {
  return escapeHtml(text)
    .replace(/\\([\\*_|`#[\]()-])/g, (_, ch: string) => `&#${ch.charCodeAt(0)};`)
    .replace(/\*\*(?=\S)(.+?)(?<=\S)\*\*|__(?=\S)(.+?)(?<=\S)__/g, (_, a?: string, b?: string) => `<strong>${a ?? b}</strong>`)
    .replace(/\*(?=\S)(.+?)(?<=\S)\*|(?<![\w])_(?=\S)(.+?)(?<=\S)_(?![\w])/g, (_, a?: string, b?: string) => `<em>${a ?? b}</em>`);
}

/** The cells of a table row `| a | b |`, splitting on unescaped pipes. */
function tableCells(line: string): string[] {
  const inner = line.trim().replace(/^\|/, '').replace(/(?<!\\)\|$/, '');
  return inner.split(/(?<!\\)\|/).map((cell) => cell.trim());
}

const TABLE_RULE = /^\s*\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)*\|?\s*$/;
const HEADING = /^(#{1,6})\s+(.*?)\s*#*\s*$/;
const BULLET = /^\s*[-*+]\s+(.*)$/;
const NUMBERED = /^\s*\d{1,9}[.)]\s+(.*)$/;
const FENCE = /^\s*```/;

/** Markdown → HTML made only of the tags this file writes. */
export function renderMarkdown(markdown: string): string {
  const lines = markdown.replace(/\r\n?/g, '\n').split('\n');
  const html: string[] = [];
  let i = 0;
  while (i < lines.length) {
    const line = lines[i]!;
    if (line.trim() === '') {
      i++;
      continue;
    }
    if (FENCE.test(line)) {
      const body: string[] = [];
      i++;
      while (i < lines.length && !FENCE.test(lines[i]!)) body.push(lines[i++]!);
      i++;
      html.push(`<pre><code>${escapeHtml(body.join('\n'))}</code></pre>`);
      continue;
    }
    const heading = HEADING.exec(line);
    if (heading) {
      const level = heading[1]!.length;
      html.push(`<h${level}>${renderInline(heading[2]!)}</h${level}>`);
      i++;
      continue;
    }
    if (line.includes('|') && i + 1 < lines.length && TABLE_RULE.test(lines[i + 1]!)) {
      const head = tableCells(line);
      i += 2;
      const rows: string[][] = [];
      while (i < lines.length && lines[i]!.includes('|') && lines[i]!.trim() !== '') rows.push(tableCells(lines[i++]!));
      const cells = (row: string[], tag: 'th' | 'td') => head.map((_, c) => `<${tag}>${renderInline(row[c] ?? '')}</${tag}>`).join('');
      html.push(`<table><thead><tr>${cells(head, 'th')}</tr></thead><tbody>${rows.map((row) => `<tr>${cells(row, 'td')}</tr>`).join('')}</tbody></table>`);
      continue;
    }
    const listKind = BULLET.test(line) ? BULLET : NUMBERED.test(line) ? NUMBERED : null;
    if (listKind) {
      const items: string[] = [];
      while (i < lines.length && listKind.test(lines[i]!)) items.push(`<li>${renderInline(listKind.exec(lines[i++]!)![1]!)}</li>`);
      const tag = listKind === BULLET ? 'ul' : 'ol';
      html.push(`<${tag}>${items.join('')}</${tag}>`);
      continue;
    }
    const paragraph: string[] = [];
    while (i < lines.length && lines[i]!.trim() !== '' && !startsBlock(lines, i)) paragraph.push(lines[i++]!.trim());
    html.push(`<p>${paragraph.map(renderInline).join('<br>')}</p>`);
  }
  return html.join('\n');
}

function startsBlock(lines: readonly string[], i: number): boolean {
  const line = lines[i]!;
  return FENCE.test(line) || HEADING.test(line) || BULLET.test(line) || NUMBERED.test(line) || (line.includes('|') && i + 1 < lines.length && TABLE_RULE.test(lines[i + 1]!));
}
