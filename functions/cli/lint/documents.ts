// Manifests as files hold them: one or more YAML (or JSON) documents, each parsed on its own so
// one broken document does not hide the others. The yaml library's own warnings (a map or list
// used as a key, which an unrendered Helm template has) become errors of the document instead
// of lines on the terminal.
import { LineCounter, isCollection, parseAllDocuments, visit, type Document } from 'yaml';

export interface SourceDocument {
  readonly file: string;
  /** 1-based position in the file. */
  readonly index: number;
  readonly value: unknown;
  /** YAML syntax errors, with their line. */
  readonly errors: readonly string[];
}

/** One parsed document with what is wrong with it as YAML (each error with its line). */
export interface ParsedDocument {
  readonly doc: Document;
  readonly index: number;
  readonly errors: readonly string[];
}

function collectionKeyErrors(doc: Document, lines: LineCounter): string[] {
  const errors: string[] = [];
  visit(doc, {
    Pair(_, pair) {
      if (!isCollection(pair.key)) return;
      const line = lines.linePos(pair.key.range?.[0] ?? 0).line;
      errors.push(
        `line ${String(line)}: a map or list is used as a key (an unrendered template such as "{{ … }}"? quote it or render the template first)`,
      );
    },
  });
  return errors;
}

/** The non-empty documents of `text`, with their errors; warns nothing on the terminal. */
export function parseDocuments(text: string): ParsedDocument[] {
  const lines = new LineCounter();
  return parseAllDocuments(text, { lineCounter: lines, logLevel: 'error' })
    .map((doc, i) => ({
      doc,
      index: i + 1,
      errors: [
        ...doc.errors.map(
          (e) => `line ${String(e.linePos?.[0].line ?? 0)}: ${e.message.split('\n')[0] ?? ''}`,
        ),
        ...collectionKeyErrors(doc, lines),
      ],
    }))
    .filter((d) => d.errors.length > 0 || d.doc.contents !== null);
}

export function readDocuments(file: string, text: string): SourceDocument[] {
  return parseDocuments(text)
    .map(({ doc, index, errors }) => ({
      file,
      index,
      value: errors.length > 0 ? undefined : (doc.toJS() as unknown),
      errors,
    }))
    .filter((d) => d.errors.length > 0 || (d.value !== null && d.value !== undefined));
}

function meta(value: unknown): {
  kind?: unknown;
  apiVersion?: unknown;
  metadata?: { name?: unknown; generateName?: unknown; namespace?: unknown };
} {
  return typeof value === 'object' && value !== null ? value : {};
}

/** "Rollout shop/web" or "Rollout web" or "document 2". */
export function describeDocument(doc: SourceDocument): string {
  const m = meta(doc.value);
  const kind = typeof m.kind === 'string' ? m.kind : undefined;
  const generated =
    typeof m.metadata?.generateName === 'string' ? `${m.metadata.generateName}*` : undefined;
  const name = typeof m.metadata?.name === 'string' ? m.metadata.name : generated;
  const ns = typeof m.metadata?.namespace === 'string' ? `${m.metadata.namespace}/` : '';
  if (!kind) return `document ${String(doc.index)}`;
  return name === undefined ? `${kind} (document ${String(doc.index)})` : `${kind} ${ns}${name}`;
}
