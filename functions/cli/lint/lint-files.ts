// `kulta lint FILE...`: every document of every file through lintObject, reported by document
// and field; exit 1 when anything is wrong.
import type { OutputFormat } from '../args.ts';
import type { CliIo } from '../io.ts';
import type { Paint } from '../paint.ts';
import { ExitCode } from '../status.ts';
import { findCrdDirectory, loadCrds, type CrdCatalog } from './crds.ts';
import { describeDocument, readDocuments, type SourceDocument } from './documents.ts';
import { lintObject } from './lint.ts';
import type { Problem } from './schema.ts';

export interface DocumentReport {
  readonly file: string;
  readonly document: number;
  readonly object: string;
  readonly problems: readonly Problem[];
  readonly warnings: readonly Problem[];
  readonly skipped?: string;
  readonly unchecked: readonly string[];
}

export function lintDocument(doc: SourceDocument, catalog: CrdCatalog): DocumentReport {
  const base = { file: doc.file, document: doc.index, object: describeDocument(doc) };
  if (doc.errors.length > 0) {
    return {
      ...base,
      problems: doc.errors.map((message) => ({ path: '(yaml)', message })),
      warnings: [],
      unchecked: [],
    };
  }
  const result = lintObject(doc.value, catalog);
  return { ...base, ...result };
}

function plural(n: number, word: string): string {
  return `${String(n)} ${word}${n === 1 ? '' : 's'}`;
}

function renderReport(r: DocumentReport, paint: Paint): string[] {
  const where = `${r.file}: ${r.object}`;
  if (r.skipped !== undefined) return [paint.dim(`${where}: skipped (${r.skipped})`)];
  const warned =
    r.warnings.length > 0 ? `, ${paint.yellow(plural(r.warnings.length, 'warning'))}` : '';
  const head =
    r.problems.length === 0
      ? `${where}: ${paint.green('ok')}${warned}`
      : `${where}: ${paint.red(plural(r.problems.length, 'problem'))}${warned}`;
  return [
    head,
    ...r.problems.map((p) => `  ${paint.red('✖')} ${p.path}: ${p.message}`),
    ...r.warnings.map((p) => `  ${paint.yellow('⚠')} ${p.path}: ${p.message}`),
  ];
}

export function renderLintReports(reports: readonly DocumentReport[], paint: Paint): string[] {
  const out = reports.flatMap((r) => renderReport(r, paint));
  const checked = reports.filter((r) => r.skipped === undefined);
  const bad = checked.filter((r) => r.problems.length > 0);
  const count = bad.reduce((n, r) => n + r.problems.length, 0);
  const warnings = checked.reduce((n, r) => n + r.warnings.length, 0);
  const skipped = reports.length - checked.length;
  out.push(
    `${String(checked.length)} checked, ${String(bad.length)} with problems (${plural(count, 'problem')})${warnings > 0 ? `, ${plural(warnings, 'warning')}` : ''}${skipped > 0 ? `, ${String(skipped)} skipped` : ''}`,
  );
  return out;
}

export async function loadCatalog(io: CliIo): Promise<CrdCatalog> {
  return loadCrds(findCrdDirectory(io.env));
}

/** The documents of every file; a file that cannot be read is an error (exit 4). */
export async function readAllDocuments(
  files: readonly string[],
  io: CliIo,
): Promise<SourceDocument[]> {
  const docs: SourceDocument[] = [];
  for (const file of files) {
    const text = await io.readFile(file);
    docs.push(...readDocuments(file === '-' ? '(stdin)' : file, text));
  }
  return docs;
}

export async function lintFiles(
  files: readonly string[],
  output: OutputFormat | undefined,
  io: CliIo,
  paint: Paint,
): Promise<ExitCode> {
  const catalog = await loadCatalog(io);
  const reports = (await readAllDocuments(files, io)).map((doc) => lintDocument(doc, catalog));
  if (output === 'json') io.stdout.write(`${JSON.stringify(reports, null, 2)}\n`);
  else io.stdout.write(`${renderLintReports(reports, paint).join('\n')}\n`);
  const unchecked = new Set(reports.flatMap((r) => r.unchecked));
  if (unchecked.size > 0 && output === undefined) {
    io.stderr.write(
      paint.dim(
        `note: ${String(unchecked.size)} CRD rule(s) could not be evaluated offline (the apiserver checks them): ${[...unchecked].join('; ')}\n`,
      ),
    );
  }
  return reports.some((r) => r.problems.length > 0) ? ExitCode.Failed : ExitCode.Ok;
}
