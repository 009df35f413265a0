#!/usr/bin/python3
# pt flock holder (tests only, not installed): takes flock(LOCK_SH) on every file it can open
# among the NAMEs under DIR and, unless --only, everything it can list below DIR, writes the
# paths it holds to REPORT (one a line; the file appears complete, by rename), then holds them
# until killed. Run as a user, it is the attacker that tries to freeze logins through a lock.
# A shared lock keeps out every exclusive one just as well, and lets two holders (the user and a
# group-mate) hold the same file at once.
#
#   flock_holder.py [--only] DIR REPORT NAME...
import fcntl
import os
import sys
import time

args = sys.argv[1:]
only = bool(args) and args[0] == "--only"
if only:
    args = args[1:]
top, report, names = args[0], args[1], args[2:]
cands = {top} | {os.path.join(top, n) for n in names}


def walk(d):
    try:
        entries = os.listdir(d)
    except OSError:
        return
    for e in entries:
        p = os.path.join(d, e)
        cands.add(p)
        if os.path.isdir(p) and not os.path.islink(p):
            walk(p)


if not only:
    walk(top)
held, fds = [], []
for p in sorted(cands):
    try:
        fd = os.open(p, os.O_RDONLY | os.O_NONBLOCK | os.O_NOFOLLOW)
    except OSError:
        continue
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except OSError:
        os.close(fd)
        continue
    held.append(p)
    fds.append(fd)
with open(report + ".tmp", "w") as f:
    f.write("".join(h + "\n" for h in held))
os.rename(report + ".tmp", report)
while True:
    time.sleep(3600)
