// `kulta convert FILE...`: Argo Rollouts manifests to KULTA's group. Only apiVersion changes
// (KULTA speaks Argo's API), comments and layout are kept; each converted document is then
// linted, and everything KULTA does not support is listed with its field path.
import { parseAllDocuments, type Document } from 'yaml';
import type { OutputFormat } from './args.ts';
import type { CliIo } from './cli.ts';
import { describeDocument, type SourceDocument } from './lint/documents.ts';
import { loadCatalog } from './lint/lint-files.ts';
import { argoGroup, kultaGroup, lintObject } from './lint/lint.ts';
import type { Problem } from './lint/schema.ts';
import type { CrdCatalog } from './lint/crds.ts';
import type { Paint } from './paint.ts';
import { ExitCode } from './status.ts';

const convertible = new Set([
  'Rollout',
  'AnalysisTemplate',
  'ClusterAnalysisTemplate',
  'AnalysisRun',
]);

export interface ConvertedDocument {
  readonly file: string;
  readonly document: number;
  readonly object: string;
  /** The document after conversion (unchanged when it is not an Argo Rollouts kind). */
  readonly value: unknown;
  readonly yaml: string;
  readonly converted: boolean;
  /** Everything KULTA would refuse, by field. */
  readonly unsupported: readonly Problem[];
}

function argoKind(doc: Document): { version: string; kind: string } | undefined {
  const apiVersion: unknown = doc.get('apiVersion');
  const kind: unknown = doc.get('kind');
  if (typeof apiVersion !== 'string' || typeof kind !== 'string') return undefined;
  const [group, version] = apiVersion.split('/');
  return group === argoGroup && version ? { version, kind } : undefined;
}

export function convertDocument(
  doc: Document,
  source: { file: string; index: number },
  catalog: CrdCatalog,
): ConvertedDocument {
  const argo = argoKind(doc);
  const unsupported: Problem[] = [];
  let converted = false;
  if (argo && convertible.has(argo.kind)) {
    doc.set('apiVersion', `${kultaGroup}/${argo.version}`);
    converted = true;
  } else if (argo) {
    unsupported.push({
      path: 'kind',
      message: `${argoGroup}/${argo.version} ${argo.kind} has no KULTA equivalent (left unchanged)`,
    });
  }
  const value: unknown = doc.toJS();
  const described = describeDocument({
    file: source.file,
    index: source.index,
    value,
    errors: [],
  } satisfies SourceDocument);
  if (converted) unsupported.push(...lintObject(value, catalog).problems);
  return {
    file: source.file,
    document: source.index,
    object: described,
    value,
    yaml: doc.toString({ lineWidth: 0 }),
    converted,
    unsupported,
  };
}

export function convertText(file: string, text: string, catalog: CrdCatalog): ConvertedDocument[] {
  return parseAllDocuments(text)
    .map((doc, i) => ({ doc, index: i + 1 }))
    .filter(({ doc }) => doc.contents !== null)
    .map(({ doc, index }) => {
      if (doc.errors.length > 0) {
        const message = doc.errors.map((e) => e.message.split('\n')[0] ?? '').join('; ');
        throw new Error(`${file}: document ${String(index)} is not valid YAML: ${message}`);
      }
      return convertDocument(doc, { file, index }, catalog);
    });
}

export function renderConvertReport(docs: readonly ConvertedDocument[], paint: Paint): string[] {
  const lines: string[] = [];
  for (const d of docs) {
    const where = `${d.file}: ${d.object}`;
    if (d.unsupported.length === 0) {
      lines.push(paint.dim(`${where}: ${d.converted ? 'converted' : 'unchanged'}`));
      continue;
    }
    lines.push(`${where}: ${paint.yellow(`${String(d.unsupported.length)} unsupported`)}`);
    for (const p of d.unsupported) lines.push(`  ${paint.yellow('✖')} ${p.path}: ${p.message}`);
  }
  return lines;
}

export async function convertFiles(
  files: readonly string[],
  output: OutputFormat,
  io: CliIo,
  paint: Paint,
): Promise<ExitCode> {
  const catalog = await loadCatalog(io);
  const docs: ConvertedDocument[] = [];
  for (const file of files)
    docs.push(...convertText(file === '-' ? '(stdin)' : file, await io.readFile(file), catalog));
  if (output === 'json') {
    io.stdout.write(
      `${JSON.stringify({ apiVersion: 'v1', kind: 'List', items: docs.map((d) => d.value) }, null, 2)}\n`,
    );
  } else {
    io.stdout.write(
      docs.map((d) => d.yaml.replace(/^---\n/, '').replace(/\n*$/, '\n')).join('---\n'),
    );
  }
  io.stderr.write(`${renderConvertReport(docs, paint).join('\n')}\n`);
  return docs.some((d) => d.unsupported.length > 0) ? ExitCode.Failed : ExitCode.Ok;
}
