/**
 * CPU time and memory of a process tree, read from /proc (Linux). The service may fork workers, so
 * every figure covers the process and all its descendants.
 */
import { readdirSync, readFileSync } from 'node:fs';

const CLK_TCK = 100; // USER_HZ on Linux

interface StatLine {
  readonly pid: number;
  readonly ppid: number;
  /** utime + stime, in clock ticks. */
  readonly ticks: number;
}

function readStat(pid: number): StatLine | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name is in parentheses and may contain spaces: split after the last ")".
    const rest = text.slice(text.lastIndexOf(')') + 2).split(' ');
    return { pid, ppid: Number(rest[1]), ticks: Number(rest[11]) + Number(rest[12]) };
  } catch {
    return undefined;
  }
}

/** The pid and every live descendant. */
export function processTree(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const name of readdirSync('/proc')) {
    const pid = Number(name);
    if (!Number.isInteger(pid)) continue;
    const stat = readStat(pid);
    if (!stat) continue;
    const list = children.get(stat.ppid) ?? [];
    list.push(pid);
    children.set(stat.ppid, list);
  }
  const out: number[] = [];
  const stack = [root];
  while (stack.length > 0) {
    const pid = stack.pop()!;
    out.push(pid);
    stack.push(...(children.get(pid) ?? []));
  }
  return out;
}

/** CPU seconds (user + system) used so far by the tree's live processes. */
export function treeCpuSeconds(root: number): number {
  let ticks = 0;
  for (const pid of processTree(root)) ticks += readStat(pid)?.ticks ?? 0;
  return ticks / CLK_TCK;
}

function statusKb(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  try {
    const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

/** Resident memory of the tree now, MB. */
export function treeRssMb(root: number): number {
  return processTree(root).reduce((s, pid) => s + statusKb(pid, 'VmRSS'), 0) / 1024;
}

/** Largest per-process peak (VmHWM) in the tree, MB. */
export function treeMaxHwmMb(root: number): number {
  return Math.max(0, ...processTree(root).map((pid) => statusKb(pid, 'VmHWM'))) / 1024;
}

/** Samples the tree's resident memory every `intervalMs`, keeping the peak of the sum. */
export class RssMonitor {
  #peakSum = 0;
  #peakHwm = 0;
  readonly #timer: NodeJS.Timeout;
  readonly #root: number;

  constructor(root: number, intervalMs = 100) {
    this.#root = root;
    this.#timer = setInterval(() => this.sample(), intervalMs);
    this.#timer.unref();
  }

  /** Per process (the root first): its peak resident memory (VmHWM), kB, while it was seen. */
  readonly #perProcess = new Map<number, number>();

  sample(): void {
    const pids = processTree(this.#root);
    let sum = 0;
    for (const pid of pids) {
      sum += statusKb(pid, 'VmRSS');
      const hwm = statusKb(pid, 'VmHWM');
      if (hwm > 0) this.#perProcess.set(pid, Math.max(this.#perProcess.get(pid) ?? 0, hwm));
    }
    this.#peakSum = Math.max(this.#peakSum, sum / 1024);
    this.#peakHwm = Math.max(this.#peakHwm, ...[...this.#perProcess.values()].map((kb) => kb / 1024));
  }

  /**
   * Peak of the summed VmRSS of all processes, the largest single-process VmHWM, and each process's
   * VmHWM (the root first: the cluster primary when there are workers), MB.
   */
  stop(): { peakRssMb: number; peakHwmMb: number; perProcessMb: { pid: number; hwmMb: number }[] } {
    this.sample();
    clearInterval(this.#timer);
    return {
      peakRssMb: round(this.#peakSum, 1),
      peakHwmMb: round(this.#peakHwm, 1),
      perProcessMb: [...this.#perProcess].map(([pid, kb]) => ({ pid, hwmMb: round(kb / 1024, 1) })),
    };
  }
}

export function round(value: number, digits = 0): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

/** Busy and total CPU seconds of the whole machine so far (/proc/stat), to see what other processes took. */
export function machineCpuSeconds(): { busy: number; total: number } {
  const line = readFileSync('/proc/stat', 'utf8').split('\n')[0]!;
  const v = line.trim().split(/\s+/).slice(1).map(Number);
  // user nice system idle iowait irq softirq steal
  const idle = (v[3] ?? 0) + (v[4] ?? 0);
  const total = v.slice(0, 8).reduce((a, b) => a + b, 0);
  return { busy: (total - idle) / CLK_TCK, total: total / CLK_TCK };
}
