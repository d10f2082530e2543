// `npm run cluster:up|cluster:down|cluster:status`: the test bed from a shell.
// `up` leaves the cluster running in the background and prints `KUBECONFIG=<path>` last;
// `up -- --real` starts the real bed (a real node and Gateway) and prints its addresses too.
// `down` stops both beds.
import { isHealthy, readState, runDir, startCluster, stopCluster } from './cluster.ts';
import { installCrds, installGatewayApi } from './crds.ts';
import { realRunDir, startRealBed, stopRealBed } from './real/bed.ts';

const progress = (line: string): void => {
  console.error(line);
};

async function upReal(): Promise<number> {
  const started = Date.now();
  const { state, reused } = await startRealBed(progress);
  const secs = ((Date.now() - started) / 1000).toFixed(1);
  progress(
    reused
      ? `test bed: real bed already running in ${state.dir}`
      : `test bed: real bed up in ${secs}s in ${state.dir}; stop it with npm run cluster:down`,
  );
  console.log(`KUBECONFIG=${state.kubeconfig}`);
  console.log(`GATEWAY=${state.real.gateway}`);
  console.log(`PROMETHEUS=${state.real.prometheus}`);
  return 0;
}

async function up(args: readonly string[]): Promise<number> {
  const unknown = args.filter((a) => a !== '--real');
  if (unknown.length > 0) {
    progress(`cluster:up: unknown argument ${unknown.join(' ')} (the only option is --real)`);
    return 2;
  }
  if (args.includes('--real')) return upReal();
  const started = Date.now();
  const { state, reused } = await startCluster(progress);
  await installGatewayApi(state.kubeconfig);
  await installCrds(state.kubeconfig);
  progress('test bed: Gateway API and KULTA CRDs installed');
  const secs = ((Date.now() - started) / 1000).toFixed(1);
  const versions = Object.entries(state.versions)
    .map(([k, v]) => `${k} ${v}`)
    .join(', ');
  progress(
    reused
      ? `test bed: already running in ${state.dir} (${versions})`
      : `test bed: up in ${secs}s in ${state.dir} (${versions}); stop it with npm run cluster:down`,
  );
  console.log(`KUBECONFIG=${state.kubeconfig}`);
  return 0;
}

async function down(): Promise<number> {
  const existed = await stopCluster();
  progress(existed ? `test bed: stopped, ${runDir()} removed` : 'test bed: nothing was running');
  const real = await stopRealBed();
  if (real) progress(`test bed: real bed stopped, ${realRunDir()} removed`);
  return 0;
}

async function status(): Promise<number> {
  const state = await readState();
  if (!state) {
    progress(`test bed: not running (no state in ${runDir()})`);
    return 1;
  }
  const healthy = await isHealthy(state);
  progress(`test bed: ${healthy ? 'healthy' : 'NOT healthy'}, started ${state.startedAt}`);
  console.log(`KUBECONFIG=${state.kubeconfig}`);
  return healthy ? 0 : 1;
}

const commands: Record<string, (args: readonly string[]) => Promise<number>> = {
  up,
  down,
  status,
};
const name = process.argv[2] ?? '';
const command = commands[name];
if (!command) {
  progress(`usage: node test/bed/cli.ts up|down|status (got "${name}")`);
  process.exitCode = 2;
} else {
  try {
    process.exitCode = await command(process.argv.slice(3));
  } catch (error) {
    progress(error instanceof Error ? error.message : String(error));
    process.exitCode = 1;
  }
}
