// A report in the format asked for: what the API answers and the CLI prints.
import { renderCsv } from './render-csv.js';
import { renderHtml } from './render-html.js';
import { renderMarkdown } from './render-markdown.js';
import type { SlaReport } from './types.js';

export const REPORT_FORMATS = ['json', 'md', 'html', 'csv'] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];

const CONTENT_TYPES: Record<ReportFormat, string> = {
  json: 'application/json; charset=utf-8',
  md: 'text/markdown; charset=utf-8',
  html: 'text/html; charset=utf-8',
  csv: 'text/csv; charset=utf-8',
};

/** The report as text in `format`, and its media type. */
export function renderReport(report: SlaReport, format: ReportFormat): { readonly text: string; readonly contentType: string } {
  const text = format === 'md' ? renderMarkdown(report) : format === 'html' ? renderHtml(report) : format === 'csv' ? renderCsv(report) : `${JSON.stringify(report, null, 2)}\n`;
  return { text, contentType: CONTENT_TYPES[format] };
}
