/**
 * The CPU limit of this process's cgroup: what `docker run --cpus`, Kubernetes `resources.limits.cpu` and
 * ECS CPU units set (a CFS quota). `os.availableParallelism()` follows the CPU affinity only, not a quota:
 * measured with Node 24.21 on cgroup v1, a quota of a quarter of a CPU still gave the host's 2 cores. So
 * worker-count.ts caps "every core" by this.
 *
 * Read from the files the kernel documents (Documentation/admin-guide/cgroup-v2.rst `cpu.max`: "$MAX
 * $PERIOD", `max` for none; cgroup-v1/cfs `cpu.cfs_quota_us`, -1 for none, and `cpu.cfs_period_us`), in the
 * process's own cgroup (/proc/self/cgroup) under the hierarchy's mount point (/proc/self/mountinfo), and in
 * every cgroup above it up to that mount point: a limit on a parent limits the process too. The smallest
 * limit wins. Synchronous and small: start.ts reads it before the compile cache is on.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';

/** Reads a file's text, or undefined when it cannot be read (tests inject one). */
export type ReadText = (file: string) => string | undefined;

export interface CpuLimit {
  /** CPUs the quota allows, e.g. 0.25 or 2. */
  readonly cpus: number;
  /** The file that set it. */
  readonly file: string;
}

const readText: ReadText = (file) => {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
};

interface Mount {
  readonly root: string;
  readonly mountPoint: string;
  readonly fsType: string;
  readonly superOptions: readonly string[];
}

/** mountinfo escapes space, tab, newline and backslash in paths as octal (\040...). */
const unescape = (field: string): string => field.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(Number.parseInt(octal, 8)));

function cgroupMounts(mountinfo: string): Mount[] {
  const mounts: Mount[] = [];
  for (const line of mountinfo.split('\n')) {
    const fields = line.split(' ');
    const dash = fields.indexOf('-');
    if (dash < 6 || fields.length < dash + 4) continue;
    const fsType = fields[dash + 1]!;
    if (fsType !== 'cgroup' && fsType !== 'cgroup2') continue;
    mounts.push({ root: unescape(fields[3]!), mountPoint: unescape(fields[4]!), fsType, superOptions: fields[dash + 3]!.split(',') });
  }
  return mounts;
}

/** The folders from the process's cgroup up to the hierarchy's mount point. */
function cgroupDirs(mount: Mount, cgroupPath: string): string[] {
  // Without a cgroup namespace the path is the full one and the mount's root a prefix of it; with one
  // both are usually "/". A path outside the mount's root: only the mount point is known.
  let relative = '/';
  if (mount.root === '/') relative = cgroupPath;
  else if (cgroupPath === mount.root || cgroupPath.startsWith(`${mount.root}/`)) relative = cgroupPath.slice(mount.root.length) || '/';
  const dirs: string[] = [];
  let dir = path.posix.join(mount.mountPoint, relative).replace(/(.)\/+$/, '$1');
  for (;;) {
    dirs.push(dir);
    if (dir === mount.mountPoint || dir.length <= mount.mountPoint.length) break;
    dir = path.posix.dirname(dir);
  }
  return dirs;
}

/** cgroup v2 `cpu.max`: "max 100000" (no limit) or "<quota> <period>". */
function v2Limit(read: ReadText, dir: string): CpuLimit | undefined {
  const file = path.posix.join(dir, 'cpu.max');
  const [quota, period] = (read(file) ?? '').trim().split(/\s+/);
  const q = Number(quota);
  const p = Number(period ?? 100_000);
  return quota !== 'max' && q > 0 && p > 0 ? { cpus: q / p, file } : undefined;
}

/** cgroup v1 `cpu.cfs_quota_us` (-1: no limit) over `cpu.cfs_period_us`. */
function v1Limit(read: ReadText, dir: string): CpuLimit | undefined {
  const file = path.posix.join(dir, 'cpu.cfs_quota_us');
  const q = Number((read(file) ?? '').trim());
  const p = Number((read(path.posix.join(dir, 'cpu.cfs_period_us')) ?? '').trim());
  return q > 0 && p > 0 ? { cpus: q / p, file } : undefined;
}

/**
 * The smallest CPU quota set on this process's cgroup or any above it, cgroup v2 or v1.
 * @param read - Reads a file (default: the file system); undefined when it cannot.
 * @returns The limit, or undefined when there is none (or not Linux).
 */
export function cgroupCpuLimit(read: ReadText = readText): CpuLimit | undefined {
  const cgroups = read('/proc/self/cgroup');
  if (cgroups === undefined) return undefined;
  const mounts = cgroupMounts(read('/proc/self/mountinfo') ?? '');
  let best: CpuLimit | undefined;
  const consider = (limit: CpuLimit | undefined): void => {
    if (limit && (!best || limit.cpus < best.cpus)) best = limit;
  };
  for (const line of cgroups.split('\n')) {
    const first = line.indexOf(':');
    const second = line.indexOf(':', first + 1);
    if (first < 0 || second < 0) continue;
    const controllers = line.slice(first + 1, second);
    const cgroupPath = line.slice(second + 1).trim() || '/';
    if (line.startsWith('0::')) {
      const mount = mounts.find((m) => m.fsType === 'cgroup2') ?? { root: '/', mountPoint: '/sys/fs/cgroup', fsType: 'cgroup2', superOptions: [] };
      for (const dir of cgroupDirs(mount, cgroupPath)) consider(v2Limit(read, dir));
    } else if (controllers.split(',').includes('cpu')) {
      const mount = mounts.find((m) => m.fsType === 'cgroup' && m.superOptions.includes('cpu')) ?? { root: '/', mountPoint: '/sys/fs/cgroup/cpu', fsType: 'cgroup', superOptions: ['cpu'] };
      for (const dir of cgroupDirs(mount, cgroupPath)) consider(v1Limit(read, dir));
    }
  }
  return best;
}
