// The usual Prometheus of an analysis test file: an exporter with fixed gauges and a real
// Prometheus scraping it every second, started before the file's tests (after its first scrape)
// and stopped after them.
import { afterAll, beforeAll } from 'vitest';
import {
  scraped,
  startExporter,
  startPrometheus,
  type TestExporter,
  type TestPrometheus,
} from './prometheus.ts';

export interface Gauge {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

/** Registers the hooks; `firstScrape` is a query and how many series it returns once scraped. */
export function useScrapedPrometheus(
  gauges: readonly Gauge[],
  firstScrape: { readonly query: string; readonly series: number },
): { readonly url: string } {
  let exporter: TestExporter | undefined;
  let prometheus: TestPrometheus | undefined;
  beforeAll(async () => {
    exporter = await startExporter();
    for (const g of gauges) exporter.set(g.name, { ...g.labels }, g.value);
    prometheus = await startPrometheus({ scrapeTargets: [exporter.target], scrapeInterval: '1s' });
    await scraped(prometheus, firstScrape.query, firstScrape.series);
  });
  // Each piece on its own: a setup that failed halfway must not leave Prometheus running.
  afterAll(async () => {
    await prometheus?.stop();
    await exporter?.stop();
  });
  return {
    get url() {
      if (!prometheus) throw new Error("Prometheus is used before the file's beforeAll ran");
      return prometheus.url;
    },
  };
}
