#!/usr/bin/env python3
"""Where each module's time goes inside a real sshd: loading it, and its pam_sm_authenticate.

Input: `perf script -F comm,tid,time,event,trace` of the trace bench/sshd_bench.sh records
(PT_SSHD_TRACE): uprobes on libpam's pam_start and on each module's pam_sm_authenticate, on
entry and on return (event names ending in __return), and the scheduler's sched_switch and
sched_wakeup events of the whole machine. The stack a call belongs to is the name of the sshd
that makes it (sshd-ptb-STACK, the service's symlink).

One call runs from its entry probe to its return, in one thread of sshd: pam_start in sshd's
per-connection process (it loads every module of the service), pam_sm_authenticate in the child
sshd forks to talk to PAM. The thread is either on a CPU or off it; an off-CPU stretch starts
when sched_switch takes the thread off (prev_state says why: S sleeping, D waiting for I/O, R
preempted) and ends at the first sign that it runs again: a sched_switch onto it, or any event
recorded in its own context (a switch out of the idle task is sometimes missing from the trace
on this machine, so the switch onto the thread alone cannot be relied on). So per call:

    cpu_us   on the CPU: the module's own work (and libpam's, libc's, the conversation's code)
    disk_us  off the CPU in D: the syncs, and any read that went to the disk
    user_us  off the CPU in S: the conversation, i.e. sshd and the client answering the prompt
    wait_us  off the CPU preempted (R): other processes' time, not the module's
    own_us   cpu_us + disk_us: what the call itself costs

Output, one line per stack, medians over its calls (a stack without a module, such as password
only, has no pam_sm_authenticate of ours or Google's: its auth fields are 0):
    stack=NAME calls=N wall_us=W cpu_us=C disk_us=D user_us=U wait_us=R own_us=O start_us=S
where start_us is the median own time of its pam_start calls.

Usage: sshd_module_time.py PERF-SCRIPT-OUTPUT
"""
import re
import statistics
import sys
from collections import defaultdict

LINE = re.compile(r'^\s*(.*\S)\s+(\d+)\s+([\d.]+):\s+(\S+):\s*(.*)$')
SWITCH = re.compile(r'prev_pid=(\d+) .*prev_state=(\S+) ==> .*next_pid=(\d+)')


def resume(call, t):
    """The thread runs again at t: close its off-CPU stretch, if one is open."""
    if call['off_at'] is not None:
        call['off'][call['why']] += t - call['off_at']
        call['off_at'] = None


def own(call):
    """On the CPU or waiting for the disk: the call's time less the user's and other processes'."""
    return call['wall'] - call['off']['S'] - call['off']['R']


def read_calls(path):
    """Every finished call: {(stack, kind): [call, ...]}, kind 'start' or 'auth'."""
    calls = {}                      # tid -> the call in progress
    done = defaultdict(list)
    with open(path, encoding='utf-8', errors='replace') as f:
        for line in f:
            m = LINE.match(line)
            if not m:
                continue
            comm, tid, t, event, trace = m.group(1), int(m.group(2)), float(m.group(3)), \
                m.group(4), m.group(5)
            if event.startswith('probe_') and not event.endswith('__return'):
                stack = comm[len('sshd-ptb-'):] if comm.startswith('sshd-ptb-') else comm
                kind = 'start' if event.startswith('probe_libpam') else 'auth'
                calls[tid] = {'stack': stack, 'kind': kind, 'start': t, 'off_at': None,
                              'why': None, 'off': defaultdict(float)}
                continue
            if tid in calls:
                resume(calls[tid], t)
            if event.startswith('probe_'):
                call = calls.pop(tid, None)
                if call:
                    call['wall'] = t - call['start']
                    done[(call['stack'], call['kind'])].append(call)
            elif event == 'sched:sched_switch':
                s = SWITCH.search(trace)
                if not s:
                    continue
                prev, state, nxt = int(s.group(1)), s.group(2)[0], int(s.group(3))
                if nxt in calls:
                    resume(calls[nxt], t)
                if prev in calls:
                    calls[prev]['off_at'] = t
                    calls[prev]['why'] = state if state in 'SDR' else 'S'
    return done


def main(path):
    done = read_calls(path)

    def med(v, f):
        return int(statistics.median(f(c) for c in v) * 1e6) if v else 0
    for stack in sorted({s for s, _ in done}):
        a, st = done.get((stack, 'auth'), []), done.get((stack, 'start'), [])
        print('stack=%s calls=%d wall_us=%d cpu_us=%d disk_us=%d user_us=%d wait_us=%d own_us=%d '
              'start_us=%d' % (
                  stack, len(a),
                  med(a, lambda c: c['wall']),
                  med(a, lambda c: c['wall'] - sum(c['off'].values())),
                  med(a, lambda c: c['off']['D']),
                  med(a, lambda c: c['off']['S']),
                  med(a, lambda c: c['off']['R']),
                  med(a, own),
                  med(st, own)))


if __name__ == '__main__':
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    main(sys.argv[1])
