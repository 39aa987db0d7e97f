// "Every core" in production means the cores the container may use: a CPU limit (a CFS quota, what
// `docker run --cpus` and Kubernetes `resources.limits.cpu` set) caps the worker count, read from the
// cgroup files (src/cluster/cpu-limit.ts). Files are injected: this machine's cgroups are not the test's.
import { describe, expect, it } from 'vitest';
import { cgroupCpuLimit } from '../../src/cluster/cpu-limit.ts';
import type { ReadText } from '../../src/cluster/cpu-limit.ts';
import { workerCount } from '../../src/cluster/worker-count.ts';

/** A reader over the given files; every other file is missing. */
const files = (map: Record<string, string>): ReadText => (file) => map[file];

// Lines of /proc/self/mountinfo as the kernel writes them.
const V2_MOUNT = '35 24 0:30 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:9 - cgroup2 cgroup2 rw,nsdelegate,memory_recursiveprot';
const V1_CPU_MOUNT = '31 25 0:27 / /sys/fs/cgroup/cpu,cpuacct rw,nosuid,nodev,noexec,relatime shared:12 - cgroup cgroup rw,cpu,cpuacct';
const V1_CPUSET_MOUNT = '30 25 0:26 / /sys/fs/cgroup/cpuset rw,nosuid,nodev,noexec,relatime shared:11 - cgroup cgroup rw,cpuset';

describe('workerCount with a container CPU limit', () => {
  it('caps "every core" in production at the limit, rounded up: 2 CPUs on a 64-core node give 2 workers', () => {
    const count = workerCount({ NODE_ENV: 'production' }, 64, () => ({ cpus: 200_000 / 100_000, file: '/sys/fs/cgroup/cpu.max' }));
    expect(count).toMatchObject({ ok: true, value: 2 });
    expect(count.ok && count.basis).toMatch(/CPU limit of 2 \(\/sys\/fs\/cgroup\/cpu\.max\)/);
  });

  it('runs one process under a limit below one CPU, and counts WORKERS=auto the same way', () => {
    expect(workerCount({ NODE_ENV: 'production' }, 2, () => ({ cpus: 0.25, file: 'x' }))).toMatchObject({ ok: true, value: 1 });
    expect(workerCount({ WORKERS: 'auto' }, 8, () => ({ cpus: 1.5, file: 'x' }))).toMatchObject({ ok: true, value: 2 });
  });

  it('uses every core when there is no limit or the limit is above the cores, and WORKERS=<n> as given', () => {
    expect(workerCount({ NODE_ENV: 'production' }, 8, () => undefined)).toMatchObject({ ok: true, value: 8 });
    expect(workerCount({ NODE_ENV: 'production' }, 4, () => ({ cpus: 16, file: 'x' }))).toMatchObject({ ok: true, value: 4 });
    expect(workerCount({ WORKERS: '6', NODE_ENV: 'production' }, 8, () => ({ cpus: 2, file: 'x' }))).toMatchObject({ ok: true, value: 6 });
  });
});

describe('cgroupCpuLimit', () => {
  it('reads cgroup v2 cpu.max of the process\'s cgroup (Kubernetes, Docker with a cgroup namespace)', () => {
    const read = files({
      '/proc/self/cgroup': '0::/\n',
      '/proc/self/mountinfo': `${V2_MOUNT}\n`,
      '/sys/fs/cgroup/cpu.max': '200000 100000\n',
    });
    expect(cgroupCpuLimit(read)).toEqual({ cpus: 2, file: '/sys/fs/cgroup/cpu.max' });
  });

  it('takes the smallest limit of the cgroup and those above it (cgroup v2, no namespace)', () => {
    const read = files({
      '/proc/self/cgroup': '0::/kubepods.slice/pod1/ctr\n',
      '/proc/self/mountinfo': `${V2_MOUNT}\n`,
      '/sys/fs/cgroup/kubepods.slice/pod1/ctr/cpu.max': 'max 100000\n',
      '/sys/fs/cgroup/kubepods.slice/pod1/cpu.max': '50000 100000\n',
      '/sys/fs/cgroup/kubepods.slice/cpu.max': '400000 100000\n',
      '/sys/fs/cgroup/cpu.max': 'max 100000\n',
    });
    expect(cgroupCpuLimit(read)).toEqual({ cpus: 0.5, file: '/sys/fs/cgroup/kubepods.slice/pod1/cpu.max' });
  });

  it('reads cgroup v1 cfs quota and period, under the mount point of the cpu controller', () => {
    const read = files({
      '/proc/self/cgroup': '12:cpuset:/\n4:cpu,cpuacct:/docker/abc\n0::/\n',
      '/proc/self/mountinfo': `${V1_CPUSET_MOUNT}\n${V1_CPU_MOUNT}\n`,
      '/sys/fs/cgroup/cpu,cpuacct/docker/abc/cpu.cfs_quota_us': '25000\n',
      '/sys/fs/cgroup/cpu,cpuacct/docker/abc/cpu.cfs_period_us': '100000\n',
      '/sys/fs/cgroup/cpu,cpuacct/cpu.cfs_quota_us': '-1\n',
      '/sys/fs/cgroup/cpu,cpuacct/cpu.cfs_period_us': '100000\n',
    });
    expect(cgroupCpuLimit(read)).toEqual({ cpus: 0.25, file: '/sys/fs/cgroup/cpu,cpuacct/docker/abc/cpu.cfs_quota_us' });
  });

  it('maps a cgroup v1 path under a mount whose root is the container\'s own cgroup', () => {
    const read = files({
      '/proc/self/cgroup': '4:cpu,cpuacct:/docker/abc\n',
      '/proc/self/mountinfo': '31 25 0:27 /docker/abc /sys/fs/cgroup/cpu,cpuacct ro,nosuid - cgroup cgroup rw,cpu,cpuacct\n',
      '/sys/fs/cgroup/cpu,cpuacct/cpu.cfs_quota_us': '300000\n',
      '/sys/fs/cgroup/cpu,cpuacct/cpu.cfs_period_us': '100000\n',
    });
    expect(cgroupCpuLimit(read)).toEqual({ cpus: 3, file: '/sys/fs/cgroup/cpu,cpuacct/cpu.cfs_quota_us' });
  });

  it('finds no limit where none is set or the files are missing (not Linux)', () => {
    expect(cgroupCpuLimit(files({}))).toBeUndefined();
    expect(
      cgroupCpuLimit(
        files({
          '/proc/self/cgroup': '1:cpu:/\n0::/\n',
          '/proc/self/mountinfo': '30 25 0:26 / /sys/fs/cgroup/cpu rw - cgroup cgroup rw,cpu\n',
          '/sys/fs/cgroup/cpu/cpu.cfs_quota_us': '-1\n',
          '/sys/fs/cgroup/cpu/cpu.cfs_period_us': '100000\n',
        })
      )
    ).toBeUndefined();
  });
});
