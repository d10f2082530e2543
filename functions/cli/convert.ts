// `kulta convert FILE...`: Argo Rollouts manifests to KULTA's group. Only the apiVersion value
// changes, spliced into the file's own text, so comments, indentation, quoting and flow style
// stay byte for byte; each converted document is then linted, and everything KULTA does not
// support is listed with its field path.
import { isMap, isScalar, type Document } from 'yaml';
import type { OutputFormat } from './args.ts';
import type { CliIo } from './io.ts';
import type { CrdCatalog } from './lint/crds.ts';
import { describeDocument, parseDocuments, type ParsedDocument } from './lint/documents.ts';
import { loadCatalog } from './lint/lint-files.ts';
import { argoGroup, kultaGroup, lintObject } from './lint/lint.ts';
import type { Problem } from './lint/schema.ts';
import type { Paint } from './paint.ts';
import { ExitCode } from './status.ts';

export interface ConvertedDocument {
  readonly file: string;
  readonly document: number;
  readonly object: string;
  /** The document after conversion (unchanged when it is not a convertible Argo kind). */
  readonly value: unknown;
  readonly converted: boolean;
  /** Everything KULTA would refuse, by field (YAML errors under "(yaml)"). */
  readonly unsupported: readonly Problem[];
}

export interface ConvertedFile {
  readonly documents: readonly ConvertedDocument[];
  /** The file's text with only the converted apiVersions changed. */
  readonly text: string;
}

interface Splice {
  readonly start: number;
  readonly end: number;
  readonly text: string;
}

/** Where the document's apiVersion value is, and the Argo version it names. */
function argoApiVersion(
  doc: Document,
): { node: { range: [number, number, number] }; version: string } | undefined {
  if (!isMap(doc.contents)) return undefined;
  const pair = doc.contents.items.find((p) => isScalar(p.key) && p.key.value === 'apiVersion');
  const value = pair?.value;
  if (!isScalar(value) || typeof value.value !== 'string' || !value.range) return undefined;
  const [group, version] = value.value.split('/');
  if (group !== argoGroup || !version) return undefined;
  return { node: { range: value.range }, version };
}

function yamlProblems(parsed: ParsedDocument): Problem[] {
  return parsed.errors.map((message) => ({ path: '(yaml)', message }));
}

function convertDocument(
  parsed: ParsedDocument,
  source: { file: string; text: string },
  catalog: CrdCatalog,
): { document: ConvertedDocument; splice?: Splice } {
  const base = { file: source.file, document: parsed.index };
  if (parsed.errors.length > 0) {
    const object = `document ${String(parsed.index)}`;
    const document = { ...base, object, value: undefined, converted: false };
    return { document: { ...document, unsupported: yamlProblems(parsed) } };
  }
  const original: unknown = parsed.doc.toJS();
  const argo = argoApiVersion(parsed.doc);
  const lint = lintObject(original, catalog);
  const object = describeDocument({
    file: source.file,
    index: parsed.index,
    value: original,
    errors: [],
  });
  const convertible = argo !== undefined && !lint.problems.some((p) => p.path === 'kind');
  if (!argo || !convertible) {
    // Not Argo's (left alone), or an Argo kind KULTA does not serve (reported, left unchanged).
    const unsupported = argo ? lint.problems.filter((p) => p.path === 'kind') : [];
    return { document: { ...base, object, value: original, converted: false, unsupported } };
  }
  const [start, end] = argo.node.range;
  const text = source.text.slice(start, end).replace(`${argoGroup}/`, `${kultaGroup}/`);
  const value = {
    ...(original as Record<string, unknown>),
    apiVersion: `${kultaGroup}/${argo.version}`,
  };
  const unsupported = lintObject(value, catalog).problems;
  return {
    document: { ...base, object, value, converted: true, unsupported },
    splice: { start, end, text },
  };
}

export function convertText(file: string, text: string, catalog: CrdCatalog): ConvertedFile {
  const results = parseDocuments(text).map((parsed) =>
    convertDocument(parsed, { file, text }, catalog),
  );
  let out = text;
  for (const { splice } of [...results].reverse()) {
    if (splice) out = out.slice(0, splice.start) + splice.text + out.slice(splice.end);
  }
  return { documents: results.map((r) => r.document), text: out };
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

/** Files one after another as one YAML stream: a `---` between two files. */
function joinFiles(texts: readonly string[]): string {
  return texts
    .map((t) => (t.endsWith('\n') || t === '' ? t : `${t}\n`))
    .map((t, i) => (i === 0 || t.startsWith('---') ? t : `---\n${t}`))
    .join('');
}

export async function convertFiles(
  files: readonly string[],
  output: OutputFormat,
  io: CliIo,
  paint: Paint,
): Promise<ExitCode> {
  const catalog = await loadCatalog(io);
  const converted: ConvertedFile[] = [];
  for (const file of files) {
    converted.push(convertText(file === '-' ? '(stdin)' : file, await io.readFile(file), catalog));
  }
  const docs = converted.flatMap((f) => f.documents);
  if (output === 'json') {
    const items = docs.filter((d) => d.value !== undefined).map((d) => d.value);
    io.stdout.write(`${JSON.stringify({ apiVersion: 'v1', kind: 'List', items }, null, 2)}\n`);
  } else {
    io.stdout.write(joinFiles(converted.map((f) => f.text)));
  }
  io.stderr.write(`${renderConvertReport(docs, paint).join('\n')}\n`);
  return docs.some((d) => d.unsupported.length > 0) ? ExitCode.Failed : ExitCode.Ok;
}
