// CPU time of each thread of a process, from /proc (Linux): the server's main thread apart from the
// rest (probe workers, SQLite readers, the gzip thread, V8's and libuv's helpers). Unlike the event
// loop's delay, a thread's CPU time per run does not depend on what else the machine is doing, so it
// compares runs measured on a busy machine.
import { readdirSync, readFileSync } from 'node:fs';
import { readThreadSchedule } from '../../dist/lib/thread-schedule.js';

const TICK_MS = 10; // USER_HZ is 100 on Linux

/** Map of thread id → CPU ms (user + system) of process `pid`; empty where /proc is not there. */
export function threadCpu(pid) {
  const byThread = new Map();
  let tids;
  try {
    tids = readdirSync(`/proc/${pid}/task`);
  } catch {
    return byThread;
  }
  for (const tid of tids) {
    try {
      // Fields after the command name (which may hold spaces, in parentheses): utime is 14th, stime 15th.
      const fields = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8').split(') ')[1].split(' ');
      byThread.set(Number(tid), (Number(fields[11]) + Number(fields[12])) * TICK_MS);
    } catch {
      // The thread ended between the listing and the read.
    }
  }
  return byThread;
}

/** CPU ms spent between two snapshots by the main thread (tid = pid) and by all other threads. */
export function threadCpuDelta(pid, before, after) {
  let main = 0;
  let others = 0;
  for (const [tid, ms] of after) {
    const spent = ms - (before.get(tid) ?? 0);
    if (tid === pid) main += spent;
    else others += spent;
  }
  return { mainMs: main, otherThreadsMs: others };
}

/** ms the main thread (tid = pid) of `pid` has waited in a run queue for a CPU (Linux schedstat), or null. */
export function mainThreadRunQueueMs(pid) {
  const schedule = readThreadSchedule(`/proc/${pid}/task/${pid}/schedstat`);
  return schedule === null ? null : schedule.runQueueSeconds * 1000;
}

/** The machine's CPU time so far from /proc/stat, in ticks: { busy, all }, or null where there is none. */
export function machineCpu() {
  try {
    const [, ...fields] = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/);
    // user nice system idle iowait irq softirq steal (guest time is inside user already).
    const [user, nice, system, idle, iowait, irq, softirq, steal] = fields.map(Number);
    const busy = user + nice + system + irq + softirq + steal;
    return { busy, all: busy + idle + iowait };
  } catch {
    return null;
  }
}
