// Manifests as files hold them: one or more YAML (or JSON) documents, each parsed on its own so
// one broken document does not hide the others.
import { parseAllDocuments } from 'yaml';

export interface SourceDocument {
  readonly file: string;
  /** 1-based position in the file. */
  readonly index: number;
  readonly value: unknown;
  /** YAML syntax errors, with their line. */
  readonly errors: readonly string[];
}

export function readDocuments(file: string, text: string): SourceDocument[] {
  return parseAllDocuments(text)
    .map((doc, i) => ({
      file,
      index: i + 1,
      value: doc.errors.length > 0 ? undefined : (doc.toJS() as unknown),
      errors: doc.errors.map(
        (e) => `line ${String(e.linePos?.[0].line ?? 0)}: ${e.message.split('\n')[0] ?? ''}`,
      ),
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
