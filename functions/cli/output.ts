// Data output for scripts: -o json (stable, two-space indented) or -o yaml.
import { stringify } from 'yaml';
import type { OutputFormat } from './args.ts';

export function formatData(data: unknown, format: OutputFormat): string {
  // Through JSON first: undefined fields disappear the same way in both formats.
  const plain: unknown = data === undefined ? null : JSON.parse(JSON.stringify(data));
  return format === 'json'
    ? `${JSON.stringify(plain, null, 2)}\n`
    : stringify(plain, { lineWidth: 0 });
}
