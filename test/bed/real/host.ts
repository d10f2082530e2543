// The real bed's footprint on the host: one network namespace with a veth pair, one cgroup
// folder under the starter's own cgroup in every v1 hierarchy, and the mounts containerd and
// kubelet make under the run folder. Every name derives from the run folder, so a killed run's
// leftovers are found and removed without any state file.
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { mkdir, readFile, rmdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { run } from '../assets.ts';
import { isAlive } from '../processes.ts';

const cgroupFs = '/sys/fs/cgroup';

/** The names and addresses of one real bed, all derived from its run folder. */
export interface Footprint {
  readonly dir: string;
  readonly netns: string;
  readonly vethHost: string;
  readonly vethNode: string;
  /** The host's end of the veth pair; nothing on the host listens on it. */
  readonly hostIp: string;
  /** The node's address inside the netns: every component of the bed listens here. */
  readonly nodeIp: string;
  /** kubelet's cgroupRoot: the starter's memory cgroup path plus the bed's own folder. */
  readonly cgroup: string;
}

function hashOf(dir: string): string {
  return createHash('sha256').update(dir).digest('hex');
}

/** The starter's cgroup path in the memory hierarchy (read from /proc/self/cgroup). */
export function starterCgroup(): string {
  const lines = readFileSync('/proc/self/cgroup', 'utf8').split('\n');
  const memory = lines.find((l) => l.split(':')[1]?.split(',').includes('memory'));
  if (!memory) {
    throw new Error(
      'The real bed needs cgroup v1 with a memory hierarchy (no "memory" line in /proc/self/cgroup)',
    );
  }
  return memory.split(':').slice(2).join(':');
}

/** A /30 out of 10.213.0.0/16 picked by the run folder's hash, one the host does not use. */
function subnetFor(hash: string, taken: string): { hostIp: string; nodeIp: string } {
  const start = parseInt(hash.slice(0, 4), 16);
  for (let i = 0; i < 16_384; i += 1) {
    const slot = (start + i) % 16_384;
    const base = slot * 4;
    const third = Math.floor(base / 256);
    const fourth = base % 256;
    const hostIp = `10.213.${String(third)}.${String(fourth + 1)}`;
    const nodeIp = `10.213.${String(third)}.${String(fourth + 2)}`;
    if (!taken.includes(` ${hostIp}/`) && !taken.includes(` ${nodeIp}/`)) return { hostIp, nodeIp };
  }
  throw new Error('no free /30 left in 10.213.0.0/16 on this host');
}

async function capture(command: string, args: readonly string[]): Promise<string> {
  const lines: string[] = [];
  await run(command, args, '/', (line) => lines.push(line));
  return lines.join('\n');
}

/** The footprint of the bed in `dir`; an existing veth keeps its addresses. */
export async function footprint(dir: string): Promise<Footprint> {
  const hash = hashOf(dir);
  const id = hash.slice(0, 8);
  const netns = `kulta-${id}`;
  const base = {
    dir,
    netns,
    vethHost: `kh${id}`,
    vethNode: `kn${id}`,
    cgroup: join(starterCgroup(), `kulta-bed-${id}`),
  };
  const recorded = join(dir, 'footprint.json');
  if (existsSync(recorded)) {
    const saved = JSON.parse(await readFile(recorded, 'utf8')) as Footprint;
    return { ...base, hostIp: saved.hostIp, nodeIp: saved.nodeIp };
  }
  const taken = await capture('ip', ['-o', 'addr']);
  return { ...base, ...subnetFor(hash, taken) };
}

/** `nsenter` into the bed's netns only: the mount namespace stays the host's. */
export function enterNetns(f: Footprint): string[] {
  return ['nsenter', `--net=/run/netns/${f.netns}`, '--'];
}

/** Runs one command inside the bed's netns and waits for it. */
export async function inNetns(f: Footprint, command: string, args: readonly string[]) {
  await run('nsenter', [`--net=/run/netns/${f.netns}`, '--', command, ...args], '/', () => {
    return undefined;
  });
}

/** Creates the netns, the veth pair and their addresses, and turns on forwarding inside. */
export async function createNetwork(f: Footprint): Promise<void> {
  await mkdir(f.dir, { recursive: true });
  await writeFile(join(f.dir, 'footprint.json'), `${JSON.stringify(f, null, 2)}\n`);
  const ip = (...args: string[]) => run('ip', args, '/', () => undefined);
  await ip('netns', 'add', f.netns);
  await ip('link', 'add', f.vethHost, 'type', 'veth', 'peer', 'name', f.vethNode);
  await ip('link', 'set', f.vethNode, 'netns', f.netns);
  await ip('addr', 'add', `${f.hostIp}/30`, 'dev', f.vethHost);
  await ip('link', 'set', f.vethHost, 'up');
  await inNetns(f, 'ip', ['link', 'set', 'lo', 'up']);
  await inNetns(f, 'ip', ['addr', 'add', `${f.nodeIp}/30`, 'dev', f.vethNode]);
  await inNetns(f, 'ip', ['link', 'set', f.vethNode, 'up']);
  // No default route: pods reach the node, each other and the host's end of the veth only.
  await inNetns(f, 'sysctl', ['-q', '-w', 'net.ipv4.ip_forward=1']);
}

/** Deletes the netns (its veth end goes with it, and so does the host's peer). */
export async function removeNetwork(f: Footprint): Promise<void> {
  if (existsSync(`/run/netns/${f.netns}`)) {
    await run('ip', ['netns', 'delete', f.netns], '/', () => undefined);
  }
  // The host's end goes with the netns, a moment later; delete it only if it is still there.
  const present = async (): Promise<boolean> => {
    const links = await capture('ip', ['-o', 'link']);
    return links.includes(` ${f.vethHost}@`) || links.includes(` ${f.vethHost}:`);
  };
  try {
    if (await present()) await run('ip', ['link', 'delete', f.vethHost], '/', () => undefined);
  } catch (error) {
    if (await present()) throw error;
  }
}

/** The cgroup v1 hierarchies mounted under /sys/fs/cgroup (not the unified one). */
function hierarchies(): string[] {
  return readdirSync(cgroupFs)
    .filter((name) => name !== 'unified')
    .map((name) => join(cgroupFs, name))
    .filter((path) => statSync(path).isDirectory() && existsSync(join(path, 'cgroup.procs')));
}

/** Makes the bed's cgroup in every hierarchy, cpuset levels filled from their parents. */
export async function createCgroups(f: Footprint): Promise<void> {
  for (const root of hierarchies()) {
    const isCpuset = existsSync(join(root, 'cpuset.cpus'));
    let path = root;
    for (const part of join(f.cgroup, 'daemons').split('/').filter(Boolean)) {
      const parent = path;
      path = join(path, part);
      if (!existsSync(path)) await mkdir(path);
      if (isCpuset) await inheritCpuset(parent, path);
    }
  }
}

async function inheritCpuset(parent: string, child: string): Promise<void> {
  for (const file of ['cpuset.cpus', 'cpuset.mems']) {
    const own = (await readFile(join(child, file), 'utf8')).trim();
    if (own === '') await writeFile(join(child, file), await readFile(join(parent, file)));
  }
  await writeFile(join(child, 'cgroup.clone_children'), '1');
}

/** A shell prefix that moves itself into the bed's daemon cgroup, then runs the command. */
export function joinCgroups(f: Footprint): string[] {
  const files = hierarchies().map((root) => join(root, f.cgroup, 'daemons', 'cgroup.procs'));
  const script = `for f in ${files.join(' ')}; do echo $$ > "$f"; done; exec "$@"`;
  return ['sh', '-c', script, 'kulta-bed'];
}

/** Every pid in the bed's cgroup tree (read from its pids or freezer hierarchy). */
export function cgroupPids(f: Footprint): number[] {
  const root = hierarchies().find((h) => h.endsWith('/pids')) ?? hierarchies()[0];
  if (!root) return [];
  const top = join(root, f.cgroup);
  if (!existsSync(top)) return [];
  const pids: number[] = [];
  const walk = (path: string): void => {
    const procs = readFileSync(join(path, 'cgroup.procs'), 'utf8').split('\n').filter(Boolean);
    pids.push(...procs.map(Number));
    for (const entry of readdirSync(path, { withFileTypes: true })) {
      if (entry.isDirectory()) walk(join(path, entry.name));
    }
  };
  walk(top);
  return pids;
}

/** Kills every process left in the bed's cgroups (containers, shims) by its pid. */
export async function killCgroupProcesses(f: Footprint): Promise<void> {
  for (let round = 0; round < 100; round += 1) {
    const pids = cgroupPids(f).filter((pid) => isAlive(pid));
    if (pids.length === 0) return;
    for (const pid of pids) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // gone between the read and the kill
      }
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`processes still in the bed's cgroup ${f.cgroup}: ${cgroupPids(f).join(', ')}`);
}

/** Removes the bed's cgroup folders, deepest first, in every hierarchy. */
export async function removeCgroups(f: Footprint): Promise<void> {
  const own = ownCgroups();
  // runc mirrors the container cgroups into the unified (v2) mount as well: remove them there too.
  const unified = join(cgroupFs, 'unified');
  const unifiedTop = join(unified, f.cgroup);
  if (existsSync(unifiedTop)) await removeTree(unifiedTop);
  for (const root of hierarchies()) {
    const top = join(root, f.cgroup);
    if (existsSync(top)) await removeTree(top);
    // Where the starter sits at the hierarchy's root, the levels above the bed's folder were
    // made by the bed: remove those that are empty now (a busy one stays).
    if (own.get(root) === '/') await removeEmptyParents(root, dirname(f.cgroup));
  }
}

/** The starter's own cgroup path per hierarchy folder, from /proc/self/cgroup. */
function ownCgroups(): Map<string, string> {
  const paths = new Map<string, string>();
  for (const line of readFileSync('/proc/self/cgroup', 'utf8').split('\n')) {
    const [, controllers = '', ...path] = line.split(':');
    for (const c of controllers.split(',')) {
      const name = c.startsWith('name=') ? c.slice('name='.length) : c;
      if (name !== '') paths.set(join(cgroupFs, name), path.join(':'));
    }
  }
  return paths;
}

async function removeEmptyParents(root: string, path: string): Promise<void> {
  for (let level = path; level !== '/' && level !== '.'; level = dirname(level)) {
    try {
      await rmdir(join(root, level));
    } catch {
      return;
    }
  }
}

async function removeTree(path: string): Promise<void> {
  for (const entry of readdirSync(path, { withFileTypes: true })) {
    if (entry.isDirectory()) await removeTree(join(path, entry.name));
  }
  await rmdir(path);
}

/** Unmounts everything mounted under the run folder (containerd's and kubelet's), deepest first. */
export async function unmountUnder(dir: string): Promise<void> {
  const mountinfo = readFileSync('/proc/self/mountinfo', 'utf8').split('\n');
  const points = mountinfo
    .map((line) => line.split(' ')[4] ?? '')
    .map((p) => p.replaceAll('\\040', ' '))
    .filter((p) => p === dir || p.startsWith(`${dir}/`))
    .sort((a, b) => b.length - a.length);
  for (const point of points) {
    try {
      await run('umount', [point], '/', () => undefined);
    } catch {
      await run('umount', ['--lazy', point], '/', () => undefined);
    }
  }
}
